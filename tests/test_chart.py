"""What the Helm chart promises (issue 18), read from what real Helm renders (helm/check.py).

`.ci/run` (`make chart`: helm/check.py) lints, renders and validates every manifest against
Kubernetes' schemas; these tests pin the chart's own rules: one beat, migrations as a hook, no
secret in values, the two database roles, wildcard hosts with TLS, and safe pods.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("helm_check", ROOT / "helm" / "check.py")
assert _spec is not None
assert _spec.loader is not None
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

SECRET_VARIABLES = {
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "HUB_KEY_SECRET",
    "BACKUP_KEYS",
    "METRICS_TOKEN",
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "REDIS_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
}


@pytest.fixture(scope="module", params=["default", "production"])
def manifests(request) -> dict[tuple[str, str], dict[str, Any]]:
    rendered = check.render(check.values_of(request.param), upgrade=True)
    return {(item["object"]["kind"], item["object"]["metadata"]["name"]): item["object"] for item in rendered}


def _pod(manifest: dict[str, Any]) -> dict[str, Any]:
    return manifest["spec"]["template"]["spec"]


def _env(manifest: dict[str, Any]) -> dict[str, Any]:
    (container,) = _pod(manifest)["containers"]
    return {item["name"]: item for item in container["env"]}


def _workloads(manifests: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {key: value for key, value in manifests.items() if key[0] in ("Deployment", "Job")}


def test_beat_is_one_replica_replaced_never_doubled_nor_scaled(manifests):
    beat = manifests[("Deployment", "tinhso-beat")]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    scaled = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for (kind, _), hpa in manifests.items()
        if kind == "HorizontalPodAutoscaler"
    }
    assert scaled == {"tinhso-web", "tinhso-worker"}
    assert _pod(beat)["containers"][0]["args"] == ["beat"]


def test_migrations_run_before_install_and_upgrade_as_the_owner_without_a_statement_timeout(manifests):
    job = manifests[("Job", "tinhso-migrate")]
    env = _env(job)

    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in job["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    assert _pod(job)["containers"][0]["args"] == ["migrate"]
    assert job["spec"]["backoffLimit"] >= 1  # resumable: a cut-short run is run again
    assert "secretKeyRef" in env["DATABASE_OWNER_URL"]["valueFrom"]
    assert env["DATABASE_STATEMENT_TIMEOUT_MS"]["value"] == "0"
    assert int(env["MIGRATION_PROCESSES"]["value"]) >= 2  # tenant schemas in parallel


def test_the_runtime_role_everywhere_and_the_owner_only_where_ddl_runs(manifests):
    owners = {name for (kind, name), m in _workloads(manifests).items() if "DATABASE_OWNER_URL" in _env(m)}

    assert owners == {"tinhso-web", "tinhso-worker", "tinhso-migrate"}  # provisioning's DDL, migrations
    for manifest in _workloads(manifests).values():
        assert "DATABASE_URL" in _env(manifest)


def test_no_secret_is_a_value_of_the_chart(manifests):
    assert not [key for key in manifests if key[0] == "Secret"]
    for manifest in _workloads(manifests).values():
        env = _env(manifest)
        for name in SECRET_VARIABLES & set(env):
            assert set(env[name]) == {"name", "valueFrom"}, name
            assert set(env[name]["valueFrom"]) == {"secretKeyRef"}, name


def test_ingress_takes_every_province_domain_by_wildcard_with_tls(manifests):
    (ingress,) = [m for (kind, _), m in manifests.items() if kind == "Ingress"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]

    assert ingress["spec"]["tls"][0]["hosts"] == hosts
    assert hosts[0] == "*.gialai.gov.vn"
    assert "gialai.gov.vn" not in hosts  # the bare domain is nobody's
    backends = {rule["http"]["paths"][0]["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]}
    assert backends == {"tinhso-web"}


def test_production_values_add_the_second_domain_the_console_and_citus():
    rendered = {
        item["object"]["kind"]: item["object"] for item in check.render(check.values_of("production"))
    }
    hosts = [rule["host"] for rule in rendered["Ingress"]["spec"]["rules"]]

    # a wildcard covers one label: the console two labels down gets a rule of its own
    assert hosts == ["*.gialai.gov.vn", "*.gialai.edu.vn", "tinhso.stttt.gialai.gov.vn"]
    env = {item["name"]: item for item in _pod(rendered["Job"])["containers"][0]["env"]}
    assert env["CITUS_SCHEMA_SHARDING"]["value"] == "1"
    assert env["DATABASE_OWNER_URL"]["valueFrom"]["secretKeyRef"] == {
        "name": "tinhso-prod-citus",
        "key": "owner-url",
    }


def test_every_pod_is_non_root_read_only_with_requests_and_no_api_token(manifests):
    for (_kind, name), manifest in _workloads(manifests).items():
        pod = _pod(manifest)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert mounts == {"/tmp", "/var/lib/tinhso"}  # noqa: S108  (the pod's own emptyDir)


def test_web_is_probed_for_life_and_readiness_and_every_deployment_has_a_disruption_budget(manifests):
    web = _pod(manifests[("Deployment", "tinhso-web")])["containers"][0]

    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    budgets = {
        m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for (kind, _), m in manifests.items()
        if kind == "PodDisruptionBudget"
    }
    assert budgets == {"web", "worker", "beat"}

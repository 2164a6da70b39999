"""Render the chart with real Helm and validate every manifest against Kubernetes' schemas, offline.

    .venv/bin/python helm/check.py            # what `make chart` and .ci/run run

Helm's own engine and linter come from the `helm-python-sdk` wheel (Helm's Go SDK as a library,
no `helm` binary); the schemas from `kubernetes-validate`, strictly (an unknown field is an error),
at the oldest Kubernetes the chart supports and the newest the validator knows. Each values set is
rendered as an install and as an upgrade. Exit 1 with one line per problem.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parent
# Default values, and a production-like province (two domains, Citus, sizes for 1,000 tenants).
VALUE_SETS = {"default": None, "production": CHART / "ci" / "production-values.yaml"}
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")


def values_of(name: str) -> dict[str, Any]:
    path = VALUE_SETS[name]
    return {} if path is None else dict(yaml.safe_load(path.read_text()) or {})


def render(values: dict[str, Any], *, upgrade: bool = False) -> list[dict[str, Any]]:
    """Every object the chart makes (hooks included), as Helm renders it."""
    from helm_python import chart

    loaded = chart.Chart.load(CHART)
    rendered = loaded.render(
        values, name="tinhso", namespace="tinhso", is_install=not upgrade, is_upgrade=upgrade
    )
    documents = []
    for template, text in sorted(rendered.items()):
        if not template.endswith((".yaml", ".yml")):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                documents.append({"template": template, "object": document})
    return documents


def problems() -> Iterator[str]:
    import kubernetes_validate
    from helm_python import chart

    for name in VALUE_SETS:
        values = values_of(name)
        for version in KUBERNETES_VERSIONS:
            report = chart.lint(CHART, values, strict=True, kube_version=f"v{version}")
            for message in report.get("messages", []):
                if message["severity"] >= 2:  # warnings and errors; "icon is recommended" is info
                    yield f"{name}: helm lint ({version}): {message['path']}: {message['error']}"
            yield from (f"{name}: helm lint ({version}): {error}" for error in report.get("errors", []))
        for upgrade in (False, True):
            for item in render(values, upgrade=upgrade):
                manifest = item["object"]
                for version in KUBERNETES_VERSIONS:
                    try:
                        kubernetes_validate.validate(manifest, version, strict=True)
                    except kubernetes_validate.ValidationError as error:
                        path = ".".join(str(part) for part in error.path)
                        where = f"{name}: {item['template']} {manifest.get('kind')} ({version})"
                        yield f"{where}: {path}: {error.message}"
                    except (
                        kubernetes_validate.SchemaNotFoundError,
                        kubernetes_validate.InvalidSchemaError,
                    ) as error:
                        yield f"{name}: {item['template']}: no schema ({version}): {error}"


def main() -> int:
    found = list(problems())
    for problem in found:
        sys.stderr.write(problem + "\n")
    counts = {name: len(render(values_of(name))) for name in VALUE_SETS}
    summary = ", ".join(f"{name} {count} manifests" for name, count in counts.items())
    sys.stdout.write(
        f"helm chart: {summary}; rendered as install and upgrade, validated strictly against Kubernetes "
        f"{' and '.join(KUBERNETES_VERSIONS)}: {len(found)} problems\n"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

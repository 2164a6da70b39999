"""Files of a tenant land under its own prefix, on local disk and on a real S3-compatible server."""

from __future__ import annotations

import boto3
import pytest
from django.core.files.base import ContentFile

from core.storage import TenantFileSystemStorage
from core.storage_s3 import TenantS3Storage
from core.tenancy import in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_bucket(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="tinhso-test")
    yield client
    for obj in client.list_objects_v2(Bucket="tinhso-test").get("Contents", []):
        client.delete_object(Bucket="tinhso-test", Key=obj["Key"])
    client.delete_bucket(Bucket="tinhso-test")


def test_file_saved_in_tenant_a_lands_under_a_prefix_on_disk(tenant, other_tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    storage = TenantFileSystemStorage()

    with in_tenant(tenant):
        name = storage.save("scans/cv-01.pdf", ContentFile(b"%PDF-1.4 a"))
        url = storage.url(name)
    with in_tenant(other_tenant):
        seen_by_b = storage.exists(name)

    assert (tmp_path / "tenants" / "test_alpha" / name).read_bytes() == b"%PDF-1.4 a"
    assert url.startswith("/media/tenants/test_alpha/")
    assert seen_by_b is False


def test_file_saved_in_tenant_a_lands_under_a_prefix_on_s3(tenant, other_tenant, s3_endpoint, s3_bucket):
    # one storage object for every tenant, as in a worker process: the prefix must follow the schema
    storage = TenantS3Storage(
        bucket_name="tinhso-test",
        endpoint_url=s3_endpoint,
        access_key="test",
        secret_key="test",
        region_name="us-east-1",
    )

    with in_tenant(tenant):
        name = storage.save("scans/cv-01.pdf", ContentFile(b"%PDF-1.4 a"))
    with in_tenant(other_tenant):
        other = storage.save("scans/cv-01.pdf", ContentFile(b"%PDF-1.4 b"))
        seen_by_b = storage.open(other).read()

    keys = sorted(obj["Key"] for obj in s3_bucket.list_objects_v2(Bucket="tinhso-test")["Contents"])
    assert keys == [f"tenants/test_alpha/{name}", f"tenants/test_beta/{other}"]
    assert seen_by_b == b"%PDF-1.4 b"

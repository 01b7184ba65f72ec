# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin S3 wrappers for the durable run records (one per API call, retried, errors as AnsibleRecordStoreError), and
where a run's files live in the bucket."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import RecordStoreErrorHandler

CONTENT_TYPES = {".json": "application/json", ".html": "text/html; charset=utf-8", ".csv": "text/csv"}


def run_prefix(prefix, run_id):
    """The key prefix of one run's files: <prefix>/<run_id>/ (no leading slash, one slash between parts)."""
    parts = [p.strip("/") for p in (prefix or "", run_id) if p and p.strip("/")]
    return "/".join(parts) + "/"


def location(bucket, prefix, run_id):
    return f"s3://{bucket}/{run_prefix(prefix, run_id)}"


@RecordStoreErrorHandler.common_error_handler("upload {path} to s3://{bucket}/{key}")
def put_file(client, bucket, key, path):
    content_type = next((t for ext, t in CONTENT_TYPES.items() if path.endswith(ext)), "application/octet-stream")
    with open(path, "rb") as handle:
        client.put_object(Bucket=bucket, Key=key, Body=handle.read(), ContentType=content_type, aws_retry=True)
    return True


@RecordStoreErrorHandler.list_error_handler("download s3://{bucket}/{key}")
def get_bytes(client, bucket, key):
    """The object's content, or None when it does not exist."""
    return client.get_object(Bucket=bucket, Key=key, aws_retry=True)["Body"].read()

"""AWS Config's inventory of S3 buckets as AWS records it, where moto 5.2.1 differs.

moto's Config already answers ListDiscoveredResources, BatchGetResourceConfig and the aggregate variants from
the live S3 state (moto/s3/config.py), and refuses more than 100 keys per batch. What it gets wrong, fixed here:

- The bucket's default encryption is missing from the item: AWS records it as the supplementary configuration
  `ServerSideEncryptionConfiguration` = `{"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm",
  "kmsMasterKeyID"}, "bucketKeyEnabled"}]}` (AWS Config resource schema, awslabs/aws-config-resource-schema
  config/properties/resource-types/AWS::S3::Bucket.properties.json; supplementary values are JSON strings).
- `configurationItemCaptureTime` is the bucket's creation time forever: AWS captures an item when the
  configuration changes (Config Developer Guide, "Configuration items"), so here it is the time of the last
  encryption or tagging change, or the creation.
- The batch reads return tags: "The API does not return any tags for the requested resources. This information
  is filtered out of the supplementaryConfiguration section of the API response" (Config API Reference,
  BatchGetResourceConfig), and "does not return tags and relationships" (BatchGetAggregateResourceConfig).
- With no configuration recorder in the account and region, BatchGetResourceConfig and ListDiscoveredResources
  answer as if one existed; AWS refuses with NoAvailableConfigurationRecorderException (both pages, Errors:
  "There are no configuration recorders available to provide the configuration item change notification").
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from common import json_error, patch

NO_RECORDER = (
    "NoAvailableConfigurationRecorderException",
    "There are no configuration recorders available to provide the configuration item change notification.",
)


def _epoch(d: datetime) -> float:
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()


def _rules(encryption: Any) -> list[dict[str, Any]]:
    """moto keeps the PutBucketEncryption body as xmltodict made it: one Rule (a dict) or several (a list)."""
    rule = (encryption or {}).get("Rule")
    rules = rule if isinstance(rule, list) else [rule] if rule else []
    out = []
    for r in rules:
        d = r.get("ApplyServerSideEncryptionByDefault") or {}
        by_default = {"sseAlgorithm": d.get("SSEAlgorithm")}
        if d.get("KMSMasterKeyID"):
            by_default["kmsMasterKeyID"] = d["KMSMasterKeyID"]
        out.append(
            {
                "applyServerSideEncryptionByDefault": by_default,
                "bucketKeyEnabled": str(r.get("BucketKeyEnabled", "false")).lower() == "true",
            }
        )
    return out


def bucket_to_config_dict(self: Any) -> dict[str, Any]:
    item = self._orig_to_config_dict()
    rules = _rules(getattr(self, "encryption", None))
    if rules:
        item["supplementaryConfiguration"]["ServerSideEncryptionConfiguration"] = json.dumps({"rules": rules})
    changed = getattr(self, "_config_changed_at", None) or self.creation_date
    item["configurationItemCaptureTime"] = _epoch(changed)
    item["resourceCreationTime"] = _epoch(self.creation_date)
    if changed is not self.creation_date:
        item["configurationItemStatus"] = "OK"
    return item


def _touch(method_name: str):
    def wrapper(self: Any, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        out = getattr(self, f"_orig_{method_name}")(bucket_name, *args, **kwargs)
        self.get_bucket(bucket_name)._config_changed_at = datetime.now(timezone.utc)
        return out

    return wrapper


def _strip_tags(item: dict[str, Any]) -> dict[str, Any]:
    item.pop("tags", None)
    item.get("supplementaryConfiguration", {}).pop("BucketTaggingConfiguration", None)
    return item


def _has_recorder(response: Any) -> bool:
    return bool(response.config_backend.recorders)


def batch_get_resource_config(self: Any) -> Any:
    if len(self._get_param("resourceKeys") or []) <= 100 and not _has_recorder(self):
        return json_error(400, *NO_RECORDER)
    body = json.loads(self._orig_batch_get_resource_config())
    body["baseConfigurationItems"] = [_strip_tags(i) for i in body.get("baseConfigurationItems", [])]
    return json.dumps(body)


def batch_get_aggregate_resource_config(self: Any) -> Any:
    body = json.loads(self._orig_batch_get_aggregate_resource_config())
    body["BaseConfigurationItems"] = [_strip_tags(i) for i in body.get("BaseConfigurationItems", [])]
    return json.dumps(body)


def list_discovered_resources(self: Any) -> Any:
    if not _has_recorder(self):
        return json_error(400, *NO_RECORDER)
    return self._orig_list_discovered_resources()


def install() -> None:
    from moto.config.responses import ConfigResponse
    from moto.s3.models import FakeBucket, S3Backend

    patch(FakeBucket, "to_config_dict", bucket_to_config_dict)
    for name in ("put_bucket_encryption", "delete_bucket_encryption", "put_bucket_tagging", "delete_bucket_tagging"):
        patch(S3Backend, name, _touch(name))
    patch(ConfigResponse, "batch_get_resource_config", batch_get_resource_config)
    patch(ConfigResponse, "batch_get_aggregate_resource_config", batch_get_aggregate_resource_config)
    patch(ConfigResponse, "list_discovered_resources", list_discovered_resources)

"""RDS behaviours moto 5.2.1 lacks or gets wrong.

- CreateBlueGreenDeployment honours TargetResourceConfigurations[].TargetKmsKeyId
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateBlueGreenDeployment.html,
  type API_TargetResourceConfiguration.html): the green resource is encrypted with that key, also when the
  blue one is unencrypted; for Aurora the key applies to the cluster (SourceArn is a cluster ARN), for RDS to
  the instance; one entry per SourceArn. moto's botocore model predates the member, so it is read from the
  raw query string. moto's own switchover (names move to green, blue becomes `<name>-old1`) is kept.
- RestoreDBClusterFromSnapshot with KmsKeyId gives an encrypted cluster under that key, also from an
  unencrypted snapshot (API_RestoreDBClusterFromSnapshot.html, KmsKeyId; Aurora User Guide
  "Encrypting an Amazon Aurora DB cluster": restore an unencrypted snapshot with a KMS key to encrypt it).
  moto copies the source cluster's StorageEncrypted=false and drops the key.
"""

from __future__ import annotations

import re
from typing import Any

from common import patch

TRC = re.compile(r"^TargetResourceConfigurations\.(?:member|TargetResourceConfiguration)\.(\d+)\.(SourceArn|TargetKmsKeyId)$")


def _target_resource_configurations(querystring: dict[str, list[str]]) -> list[dict[str, str]]:
    entries: dict[int, dict[str, str]] = {}
    for name, values in querystring.items():
        m = TRC.match(name)
        if m and values:
            entries.setdefault(int(m.group(1)), {})[m.group(2)] = values[0]
    return [entries[i] for i in sorted(entries)]


def _key_arn(backend: Any, key_id: str) -> str:
    """The key's ARN, or KMSKeyNotAccessibleFault as RDS answers for a key it cannot use.

    moto's own _validate_kms_key lets an unknown alias escape as an HTTP 500."""
    from moto.rds.exceptions import KMSKeyNotAccessibleFault

    try:
        return backend._validate_kms_key(key_id)
    except KMSKeyNotAccessibleFault:
        raise
    except Exception:
        raise KMSKeyNotAccessibleFault(key_id) from None


def create_blue_green_deployment(self: Any) -> Any:
    from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue

    configs = _target_resource_configurations(self.querystring)
    source_arn = self.params.get("source") or ""
    keys: dict[str, str] = {}
    for entry in configs:
        arn = entry.get("SourceArn")
        if not arn:
            raise InvalidParameterValue("TargetResourceConfigurations: SourceArn is required in each entry.")
        if arn in keys:
            raise InvalidParameterCombination(f"You can't specify the same SourceArn in more than one entry: {arn}")
        if arn != source_arn:
            # AWS also clones the blue instance's read replicas (one entry each); moto clones only the source,
            # so an entry for anything else is refused here rather than silently dropped.
            raise InvalidParameterValue(f"SourceArn {arn} is not a resource of the blue environment {source_arn}.")
        if entry.get("TargetKmsKeyId"):
            # Key ARN, key id, alias ARN or alias name; resolved in the blue resource's region.
            keys[arn] = _key_arn(self.backend, entry["TargetKmsKeyId"])
        else:
            keys[arn] = ""

    result = self._orig_create_blue_green_deployment()
    deployment = result.result["BlueGreenDeployment"]
    key_arn = keys.get(source_arn)
    if key_arn:
        stored = self.backend.blue_green_deployments[deployment.blue_green_deployment_identifier]
        green = stored._get_valid_instance_or_raise(stored.target)
        # For Aurora the cluster's key is its members' key (moto's cluster instances read it from the cluster).
        green.storage_encrypted = True
        green.kms_key_id = key_arn
    return result


def restore_db_cluster_from_snapshot(self: Any, from_snapshot_id: str, overrides: dict[str, Any]) -> Any:
    kms_key_id = overrides.get("kms_key_id")
    if kms_key_id:
        overrides = dict(overrides, kms_key_id=_key_arn(self, kms_key_id), storage_encrypted=True)
    cluster = self._orig_restore_db_cluster_from_snapshot(from_snapshot_id, overrides)
    if kms_key_id:
        cluster.storage_encrypted = True
        cluster.kms_key_id = overrides["kms_key_id"]
    return cluster


def install() -> None:
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    patch(RDSResponse, "create_blue_green_deployment", create_blue_green_deployment)
    patch(RDSBackend, "restore_db_cluster_from_snapshot", restore_db_cluster_from_snapshot)

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
- StartDBInstanceAutomatedBackupsReplication / StopDBInstanceAutomatedBackupsReplication, sent in the destination
  Region (API_StartDBInstanceAutomatedBackupsReplication.html, API_StopDBInstanceAutomatedBackupsReplication.html,
  User Guide "Replicating automated backups to another AWS Region"): the source must exist (DBInstanceNotFound,
  404), be in another Region and have automated backups on (InvalidDBInstanceState); KmsKeyId is a key of the
  destination Region (KMSKeyNotAccessibleFault) and is needed for an encrypted source; BackupRetentionPeriod
  defaults to 7; a second start for the same source is InvalidDBInstanceAutomatedBackupState; a stop with no
  replication is InvalidDBInstanceState. DescribeDBInstanceAutomatedBackups in the destination then lists the
  replicated backups (DBInstanceArn = source, Region = source Region, Status `replicating`, Encrypted, KmsKeyId)
  and the source instance names the replication (DBInstanceAutomatedBackupsReplications). Simplification: a stop
  forgets the replicated backups at once (AWS keeps those already copied until their retention ends).
- DeleteDBInstance of a cross-Region read replica (API_DeleteDBInstance.html: a read replica can be deleted; its
  source then no longer lists it). moto records a cross-Region replica on its source by ARN and removes it by
  name, which failed with HTTP 500.
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


def _replications(backend: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "ext_backup_replications"):
        backend.ext_backup_replications = {}
    return backend.ext_backup_replications


def _source_instance(self: Any, source_arn: str) -> tuple[Any, Any]:
    from moto.rds.exceptions import DBInstanceNotFoundError, InvalidParameterValue
    from moto.rds.models import rds_backends

    parts = (source_arn or "").split(":")
    if len(parts) != 7 or parts[2] != "rds" or parts[5] != "db":
        raise InvalidParameterValue(f"Invalid SourceDBInstanceArn: {source_arn}")
    region, account, name = parts[3], parts[4], parts[6]
    source_backend = rds_backends[account][region]
    instance = source_backend.databases.get(name)
    if instance is None:
        raise DBInstanceNotFoundError(source_arn)
    return source_backend, instance


def start_db_instance_automated_backups_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import InvalidParameterCombination, InvalidParameterValue, RDSClientError

    source_arn = self._get_param("SourceDBInstanceArn")
    source_backend, instance = _source_instance(self, source_arn)
    if source_backend.region_name == self.region:
        raise InvalidParameterValue("Automated backups can only be replicated to another AWS Region.")
    if not instance.backup_retention_period:
        raise RDSClientError("InvalidDBInstanceState", f"Automated backups are not enabled for {source_arn}.")
    replications = _replications(self.backend)
    if source_arn in replications:
        raise RDSClientError("InvalidDBInstanceAutomatedBackupState", f"Automated backups of {source_arn} are already being replicated to {self.region}.")
    key = self._get_param("KmsKeyId")
    if instance.storage_encrypted and not key:
        raise InvalidParameterCombination("KmsKeyId is required to replicate the automated backups of an encrypted DB instance.")
    # A key of the destination Region (the backend this request reached).
    key_arn = _key_arn(self.backend, key) if key else None
    retention = int(self._get_param("BackupRetentionPeriod") or 7)
    backup_id = "ab-" + instance.dbi_resource_id.lower().removeprefix("db-")[:26]
    backup = {
        "DBInstanceArn": source_arn,
        "DbiResourceId": instance.dbi_resource_id,
        "Region": source_backend.region_name,
        "DBInstanceIdentifier": instance.db_instance_identifier,
        "Status": "replicating",
        "AllocatedStorage": instance.allocated_storage,
        "Port": instance.port,
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "MasterUsername": instance.master_username,
        "Encrypted": bool(instance.storage_encrypted),
        "KmsKeyId": key_arn if instance.storage_encrypted else None,
        "StorageType": instance.storage_type,
        "BackupRetentionPeriod": retention,
        "DBInstanceAutomatedBackupsArn": f"arn:{self.partition}:rds:{self.region}:{self.current_account}:auto-backup:{backup_id}",
    }
    replications[source_arn] = backup
    existing = getattr(instance, "db_instance_automated_backups_replications", None) or []
    instance.db_instance_automated_backups_replications = [*existing, {"DBInstanceAutomatedBackupsArn": backup["DBInstanceAutomatedBackupsArn"]}]
    return ActionResult({"DBInstanceAutomatedBackup": {k: v for k, v in backup.items() if v is not None}})


def stop_db_instance_automated_backups_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import RDSClientError

    source_arn = self._get_param("SourceDBInstanceArn")
    _, instance = _source_instance(self, source_arn)
    backup = _replications(self.backend).pop(source_arn, None)
    if backup is None:
        raise RDSClientError("InvalidDBInstanceState", f"Automated backups of {source_arn} are not being replicated to {self.region}.")
    instance.db_instance_automated_backups_replications = [
        r for r in getattr(instance, "db_instance_automated_backups_replications", None) or []
        if r["DBInstanceAutomatedBackupsArn"] != backup["DBInstanceAutomatedBackupsArn"]
    ]
    return ActionResult({"DBInstanceAutomatedBackup": {**{k: v for k, v in backup.items() if v is not None}, "Status": "pending"}})


def describe_db_instance_automated_backups(self: Any) -> Any:
    result = self._orig_describe_db_instance_automated_backups()
    identifier = self._get_param("DBInstanceIdentifier")
    resource_id = self._get_param("DbiResourceId")
    backups_arn = self._get_param("DBInstanceAutomatedBackupsArn")
    replicated = [
        {k: v for k, v in b.items() if v is not None} for b in _replications(self.backend).values()
        if (not identifier or b["DBInstanceIdentifier"] == identifier)
        and (not resource_id or b["DbiResourceId"] == resource_id)
        and (not backups_arn or b["DBInstanceAutomatedBackupsArn"] == backups_arn)
    ]
    result.result["DBInstanceAutomatedBackups"] = [*result.result["DBInstanceAutomatedBackups"], *replicated]
    return result


def remove_replica(self: Any, replica: Any) -> None:
    for ref in (replica.db_instance_identifier, replica.db_instance_arn):
        if ref in self.replicas:
            self.replicas.remove(ref)


def install() -> None:
    from moto.rds.models import DBInstance, RDSBackend
    from moto.rds.responses import RDSResponse

    patch(DBInstance, "remove_replica", remove_replica)

    patch(RDSResponse, "start_db_instance_automated_backups_replication", start_db_instance_automated_backups_replication)
    patch(RDSResponse, "stop_db_instance_automated_backups_replication", stop_db_instance_automated_backups_replication)
    patch(RDSResponse, "describe_db_instance_automated_backups", describe_db_instance_automated_backups)

    patch(RDSResponse, "create_blue_green_deployment", create_blue_green_deployment)
    patch(RDSBackend, "restore_db_cluster_from_snapshot", restore_db_cluster_from_snapshot)

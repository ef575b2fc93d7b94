"""Athena UpdateWorkGroup, which moto 5.2.1 lacks; ListTagsForResource of a workgroup without tags.

moto 5.2.1 answers ListTagsForResource for a workgroup that has no tags with "Does Not Exist"
(moto/athena/responses.py: `if not tags`); AWS lists an existing workgroup's tags, none being an empty list
(https://docs.aws.amazon.com/athena/latest/APIReference/API_ListTagsForResource.html), and refuses only an
unknown resource (InvalidRequestException).

Follows https://docs.aws.amazon.com/athena/latest/APIReference/API_UpdateWorkGroup.html and its types
WorkGroupConfigurationUpdates / ResultConfigurationUpdates (API_ResultConfigurationUpdates.html: a
`Remove*` flag set to true clears that setting; otherwise a value given replaces it) and
EncryptionConfiguration (API_EncryptionConfiguration.html: EncryptionOption required, one of
SSE_S3 | SSE_KMS | CSE_KMS). A workgroup that does not exist, or an invalid value, is an
InvalidRequestException (the operation's only client error).
"""

from __future__ import annotations

import json
from typing import Any

from common import patch

ENCRYPTION_OPTIONS = ("SSE_S3", "SSE_KMS", "CSE_KMS")
STATES = ("ENABLED", "DISABLED")

# WorkGroupConfigurationUpdates members copied as they are into WorkGroupConfiguration.
PLAIN = (
    "EnforceWorkGroupConfiguration", "PublishCloudWatchMetricsEnabled", "BytesScannedCutoffPerQuery",
    "RequesterPaysEnabled", "EngineVersion", "AdditionalConfiguration", "ExecutionRole",
    "CustomerContentEncryptionConfiguration", "EnableMinimumEncryptionConfiguration",
    "QueryResultsS3AccessGrantsConfiguration", "MonitoringConfiguration", "EngineConfiguration",
)
# ResultConfigurationUpdates: value member -> its Remove* flag.
RESULT_MEMBERS = {
    "OutputLocation": "RemoveOutputLocation",
    "EncryptionConfiguration": "RemoveEncryptionConfiguration",
    "ExpectedBucketOwner": "RemoveExpectedBucketOwner",
    "AclConfiguration": "RemoveAclConfiguration",
}


class _Invalid(Exception):
    pass


def _check_encryption(enc: Any) -> None:
    if not isinstance(enc, dict) or enc.get("EncryptionOption") not in ENCRYPTION_OPTIONS:
        raise _Invalid(
            f"1 validation error detected: Value '{(enc or {}).get('EncryptionOption')}' at "
            "'configurationUpdates.resultConfigurationUpdates.encryptionConfiguration.encryptionOption' failed to satisfy "
            "constraint: Member must satisfy enum value set: [SSE_S3, SSE_KMS, CSE_KMS]"
        )
    # "For SSE_KMS and CSE_KMS, this is the KMS key ARN or ID": Athena cannot encrypt with a KMS option and no key.
    if enc["EncryptionOption"] != "SSE_S3" and not enc.get("KmsKey"):
        raise _Invalid(f"KmsKey is required for EncryptionOption {enc['EncryptionOption']}")


def _apply(config: dict[str, Any], updates: dict[str, Any]) -> None:
    for name in PLAIN:
        if name in updates:
            config[name] = updates[name]
    if updates.get("RemoveBytesScannedCutoffPerQuery"):
        config.pop("BytesScannedCutoffPerQuery", None)
    if updates.get("RemoveCustomerContentEncryptionConfiguration"):
        config.pop("CustomerContentEncryptionConfiguration", None)

    result_updates = updates.get("ResultConfigurationUpdates")
    if result_updates:
        if "EncryptionConfiguration" in result_updates and not result_updates.get("RemoveEncryptionConfiguration"):
            _check_encryption(result_updates["EncryptionConfiguration"])
        result = dict(config.get("ResultConfiguration") or {})
        for member, remove in RESULT_MEMBERS.items():
            if result_updates.get(remove):
                result.pop(member, None)
            elif member in result_updates:
                result[member] = result_updates[member]
        config["ResultConfiguration"] = result

    managed_updates = updates.get("ManagedQueryResultsConfigurationUpdates")
    if managed_updates:
        managed = dict(config.get("ManagedQueryResultsConfiguration") or {"Enabled": False})
        if "Enabled" in managed_updates:
            managed["Enabled"] = managed_updates["Enabled"]
        if managed_updates.get("RemoveEncryptionConfiguration"):
            managed.pop("EncryptionConfiguration", None)
        elif "EncryptionConfiguration" in managed_updates:
            managed["EncryptionConfiguration"] = managed_updates["EncryptionConfiguration"]
        config["ManagedQueryResultsConfiguration"] = managed


def update_work_group(self: Any) -> Any:
    name = self._get_param("WorkGroup")
    work_group = self.athena_backend.work_groups.get(name)
    if work_group is None:
        return self.error(f"WorkGroup {name} is not found.", 400)
    state = self._get_param("State")
    if state is not None and state not in STATES:
        return self.error(f"Value '{state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]", 400)
    config = json.loads(json.dumps(work_group.configuration))
    try:
        _apply(config, self._get_param("ConfigurationUpdates") or {})
    except _Invalid as e:
        return self.error(str(e), 400)
    # All or nothing: the workgroup changes only once every update is valid.
    work_group.configuration = config
    if self._get_param("Description") is not None:
        work_group.description = self._get_param("Description")
    if state is not None:
        work_group.state = state
    return "{}"


def list_tags_for_resource(self: Any) -> Any:
    arn = self._get_param("ResourceARN") or ""
    tags = self.athena_backend.list_tags_for_resource(arn)
    if tags:
        return json.dumps(tags)
    prefix = f"arn:{self.partition}:athena:{self.region}:{self.current_account}:workgroup/"
    if arn.startswith(prefix) and arn[len(prefix):] in self.athena_backend.work_groups:
        return json.dumps({"Tags": []})
    return self.error(f"Athena Resource, {arn} Does Not Exist", 400)


def install() -> None:
    from moto.athena.responses import AthenaResponse

    patch(AthenaResponse, "update_work_group", update_work_group)
    patch(AthenaResponse, "list_tags_for_resource", list_tags_for_resource)

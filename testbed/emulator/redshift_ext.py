"""Redshift behaviours moto 5.2.1 lacks or gets wrong.

- ModifyCluster with Encrypted=true and KmsKeyId reports that KmsKeyId afterwards
  (https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyCluster.html: "If the value is
  encrypted (true) and you provide a value for the KmsKeyId parameter, we encrypt the cluster with the
  provided KmsKeyId ... If the value is not encrypted (false), then the cluster is decrypted").
  moto flips Encrypted and drops the key.
- ModifyClusterParameterGroup (https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyClusterParameterGroup.html):
  each parameter needs a name and a value, at most 20 per request; an unknown group is
  ClusterParameterGroupNotFound (404); a default group (`default.*`) cannot be modified
  (InvalidClusterParameterGroupState; Redshift Management Guide, "Amazon Redshift parameter groups": "You can't
  modify the default parameter group"). DescribeClusterParameters then shows the group's own values, with
  Source `user` for those set (and honours the Source filter); moto returns the defaults for every group.
- AuthorizeSnapshotAccess / RevokeSnapshotAccess (API_AuthorizeSnapshotAccess.html, API_RevokeSnapshotAccess.html):
  the snapshot by SnapshotIdentifier (+ SnapshotClusterIdentifier) or SnapshotArn, else ClusterSnapshotNotFound
  (404); an account already authorized is AuthorizationAlreadyExists, one not authorized AuthorizationNotFound
  (404); a snapshot not `available` is InvalidClusterSnapshotState; at most 20 accounts (Management Guide,
  "Sharing snapshots": "You can authorize up to 20 accounts"), AuthorizationQuotaExceeded beyond.
  DescribeClusterSnapshots then lists AccountsWithRestoreAccess. moto has neither operation.
- CreateClusterParameterGroup of an existing name is ClusterParameterGroupAlreadyExists
  (API_CreateClusterParameterGroup.html); moto silently replaced the group.
"""

from __future__ import annotations

from typing import Any

from common import patch


def _key_arn(account: str, region: str, key_id: str) -> str | None:
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    try:
        return kms.describe_key(key_id).arn
    except Exception:
        return None


def modify_cluster(self: Any) -> Any:
    from moto.redshift.exceptions import InvalidParameterValueError

    encrypted = self._get_param("Encrypted")
    kms_key_id = self._get_param("KmsKeyId")
    key_arn = None
    if kms_key_id:
        # Not among ModifyCluster's listed faults: an unknown key is refused before anything changes,
        # as Redshift cannot encrypt with it.
        key_arn = _key_arn(self.current_account, self.region, kms_key_id)
        if key_arn is None:
            raise InvalidParameterValueError(f"The KMS key {kms_key_id} does not exist or is not accessible.")
    group_name = self._get_param("ClusterParameterGroupName")
    if group_name and group_name not in self.redshift_backend.parameter_groups:
        from moto.redshift.exceptions import ClusterParameterGroupNotFoundError

        raise ClusterParameterGroupNotFoundError(group_name)
    result = self._orig_modify_cluster()
    cluster = result.result["Cluster"]
    if group_name:
        # moto stores the name as a plain string here (a list elsewhere), and then matches groups by substring.
        cluster.cluster_parameter_group_name = [group_name]
    if str(encrypted).lower() == "true" and key_arn:
        cluster.kms_key_id = key_arn
    elif str(encrypted).lower() == "false":
        cluster.kms_key_id = None
    return result


UPDATED = (
    "Your parameter group has been updated. If you changed only dynamic parameters, associated clusters are being "
    "modified now. If you changed static parameters, all updates, including dynamic parameters, take effect when "
    "you next reboot the cluster."
)


def _values(backend: Any, group: Any) -> dict[str, str]:
    if not hasattr(group, "ext_values"):
        group.ext_values = dict(backend.default_params)
        group.ext_user = set()
    return group.ext_values


def _parameters_of(self: Any) -> list[dict[str, str]]:
    """Parameters.Parameter.N.<Member> (query protocol) of the request."""
    found: dict[int, dict[str, str]] = {}
    for name, values in self.querystring.items():
        parts = name.split(".")
        if len(parts) == 4 and parts[0] == "Parameters" and parts[2].isdigit() and values:
            found.setdefault(int(parts[2]), {})[parts[3]] = values[0]
    return [found[i] for i in sorted(found)]


def modify_cluster_parameter_group(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.redshift.exceptions import ClusterParameterGroupNotFoundError, InvalidParameterValueError, RedshiftClientError

    name = self._get_param("ParameterGroupName")
    backend = self.redshift_backend
    group = backend.parameter_groups.get(name)
    if group is None:
        raise ClusterParameterGroupNotFoundError(name)
    if name.startswith("default."):
        raise RedshiftClientError("InvalidClusterParameterGroupState", "You can't modify a default parameter group.")
    params = _parameters_of(self)
    if not params:
        raise InvalidParameterValueError("At least one parameter must be specified.")
    if len(params) > 20:
        raise InvalidParameterValueError("A maximum of 20 parameters can be modified in a single request.")
    values = _values(backend, group)
    for p in params:
        if not p.get("ParameterName") or "ParameterValue" not in p:
            raise InvalidParameterValueError("Each parameter must have a ParameterName and a ParameterValue.")
        if p["ParameterName"] not in values:
            raise InvalidParameterValueError(f"Could not find parameter with name: {p['ParameterName']}")
    for p in params:
        values[p["ParameterName"]] = p["ParameterValue"]
        group.ext_user.add(p["ParameterName"])
    return ActionResult({"ParameterGroupName": name, "ParameterGroupStatus": UPDATED})


def describe_cluster_parameters(self: Any, parameter_group_name: str) -> list[dict[str, Any]]:
    rows = self._orig_describe_cluster_parameters(parameter_group_name)
    group = self.parameter_groups[parameter_group_name]
    values = _values(self, group)
    for row in rows:
        row["ParameterValue"] = values.get(row["ParameterName"], row["ParameterValue"])
        row["Source"] = "user" if row["ParameterName"] in group.ext_user else "engine-default"
    return rows


def describe_cluster_parameters_response(self: Any) -> Any:
    result = self._orig_describe_cluster_parameters()
    source = self._get_param("Source")
    if source in ("user", "engine-default"):
        result.result["Parameters"] = [p for p in result.result["Parameters"] if p["Source"] == source]
    return result


def create_cluster_parameter_group(self: Any) -> Any:
    from moto.redshift.exceptions import RedshiftClientError

    name = self._get_param("ParameterGroupName")
    if name in self.redshift_backend.parameter_groups:
        raise RedshiftClientError("ClusterParameterGroupAlreadyExists", f"Parameter group {name} already exists.")
    return self._orig_create_cluster_parameter_group()


def _snapshot_for_access(self: Any) -> Any:
    from moto.redshift.exceptions import ClusterSnapshotNotFoundError

    arn = self._get_param("SnapshotArn")
    identifier = self._get_param("SnapshotIdentifier") or (arn.rsplit("/", 1)[-1] if arn else None)
    cluster = self._get_param("SnapshotClusterIdentifier") or (arn.split(":snapshot:", 1)[1].split("/", 1)[0] if arn and ":snapshot:" in arn else None)
    snapshot = self.redshift_backend.snapshots.get(identifier or "")
    if snapshot is None or (cluster and snapshot.cluster_identifier != cluster):
        raise ClusterSnapshotNotFoundError(identifier or arn or "")
    if not hasattr(snapshot, "accounts_with_restore_access"):
        snapshot.accounts_with_restore_access = []
    return snapshot


def authorize_snapshot_access(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.redshift.exceptions import RedshiftClientError

    snapshot = _snapshot_for_access(self)
    account = self._get_param("AccountWithRestoreAccess")
    if snapshot.status != "available":
        raise RedshiftClientError("InvalidClusterSnapshotState", f"Snapshot {snapshot.snapshot_identifier} is not available.")
    if any(a["AccountId"] == account for a in snapshot.accounts_with_restore_access):
        raise RedshiftClientError("AuthorizationAlreadyExists", f"Account {account} is already authorized to restore {snapshot.snapshot_identifier}.")
    if len(snapshot.accounts_with_restore_access) >= 20:
        raise RedshiftClientError("AuthorizationQuotaExceeded", "A snapshot can be shared with at most 20 accounts.")
    snapshot.accounts_with_restore_access.append({"AccountId": account})
    return ActionResult({"Snapshot": snapshot})


def revoke_snapshot_access(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.redshift.exceptions import RedshiftClientError

    snapshot = _snapshot_for_access(self)
    account = self._get_param("AccountWithRestoreAccess")
    before = len(snapshot.accounts_with_restore_access)
    snapshot.accounts_with_restore_access = [a for a in snapshot.accounts_with_restore_access if a["AccountId"] != account]
    if len(snapshot.accounts_with_restore_access) == before:
        raise RedshiftClientError("AuthorizationNotFound", f"Account {account} is not authorized to restore {snapshot.snapshot_identifier}.")
    return ActionResult({"Snapshot": snapshot})


def install() -> None:
    from moto.redshift.models import RedshiftBackend
    from moto.redshift.responses import RedshiftResponse

    patch(RedshiftResponse, "modify_cluster", modify_cluster)
    patch(RedshiftResponse, "modify_cluster_parameter_group", modify_cluster_parameter_group)
    patch(RedshiftResponse, "describe_cluster_parameters", describe_cluster_parameters_response)
    patch(RedshiftResponse, "create_cluster_parameter_group", create_cluster_parameter_group)
    patch(RedshiftResponse, "authorize_snapshot_access", authorize_snapshot_access)
    patch(RedshiftResponse, "revoke_snapshot_access", revoke_snapshot_access)
    patch(RedshiftBackend, "describe_cluster_parameters", describe_cluster_parameters)

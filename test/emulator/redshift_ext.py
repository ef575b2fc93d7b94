"""Redshift behaviours moto 5.2.1 lacks or gets wrong.

- ModifyCluster with Encrypted=true and KmsKeyId reports that KmsKeyId afterwards
  (https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyCluster.html: "If the value is
  encrypted (true) and you provide a value for the KmsKeyId parameter, we encrypt the cluster with the
  provided KmsKeyId ... If the value is not encrypted (false), then the cluster is decrypted").
  moto flips Encrypted and drops the key.
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
    result = self._orig_modify_cluster()
    cluster = result.result["Cluster"]
    if str(encrypted).lower() == "true" and key_arn:
        cluster.kms_key_id = key_arn
    elif str(encrypted).lower() == "false":
        cluster.kms_key_id = None
    return result


def install() -> None:
    from moto.redshift.responses import RedshiftResponse

    patch(RedshiftResponse, "modify_cluster", modify_cluster)

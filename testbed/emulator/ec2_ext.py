"""EC2 GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId, which moto 5.2.1 lacks ("not yet implemented").

moto has GetEbsEncryptionByDefault / EnableEbsEncryptionByDefault / DisableEbsEncryptionByDefault and
ModifyEbsDefaultKmsKeyId (per account and region, resolving a key ID, alias, key ARN or alias ARN to the
key ARN) and keeps the default key on its per-region backend; these two read and reset that value.

- https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsDefaultKmsKeyId.html: "Describes the
  default KMS key for EBS encryption by default for your account in this Region"; kmsKeyId is
  "The Amazon Resource Name (ARN) of the default KMS key for encryption by default."
- API_ResetEbsDefaultKmsKeyId.html: "Resets the default KMS key ... to the AWS managed KMS key for EBS";
  the response's kmsKeyId is that key's ARN.
- API_ModifyEbsDefaultKmsKeyId.html: "Amazon EBS does not support asymmetric KMS keys", refused here as
  InvalidParameterValue (moto accepted any key).
Until someone modifies it the default is the AWS-managed key behind alias/aws/ebs (created on first use,
as moto's own volume encryption does).
"""

from __future__ import annotations

from typing import Any

from common import patch


def _default_arn(backend: Any) -> str:
    return backend.default_kms_key_id or backend._create_default_encryption_key()


def get_ebs_default_kms_key_id(self: Any) -> Any:
    from moto.core.responses import ActionResult

    self.error_on_dryrun()
    return ActionResult({"KmsKeyId": _default_arn(self.ec2_backend)})


def reset_ebs_default_kms_key_id(self: Any) -> Any:
    from moto.core.responses import ActionResult

    self.error_on_dryrun()
    return ActionResult({"KmsKeyId": self.ec2_backend._create_default_encryption_key()})


def modify_ebs_default_kms_key_id(self: Any) -> Any:
    from moto.ec2.exceptions import InvalidParameterValueError
    from moto.kms.models import kms_backends

    kms_key_id = self._get_param("KmsKeyId")
    if kms_key_id:
        kms = kms_backends[self.current_account][self.region]
        try:
            key = kms.describe_key(kms_key_id)
        except Exception:
            key = None
        if key is not None and key.key_spec != "SYMMETRIC_DEFAULT":
            raise InvalidParameterValueError(kms_key_id)
    return self._orig_modify_ebs_default_kms_key_id()


def install() -> None:
    from moto.ec2.responses import EC2Response

    EC2Response.get_ebs_default_kms_key_id = get_ebs_default_kms_key_id
    EC2Response.reset_ebs_default_kms_key_id = reset_ebs_default_kms_key_id
    patch(EC2Response, "modify_ebs_default_kms_key_id", modify_ebs_default_kms_key_id)

"""DynamoDB UpdateTable SSESpecification, which moto 5.2.1 ignores (its update_table drops the member).

Follows https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html and
API_SSESpecification.html: Enabled true means SSEType KMS, with the AWS-managed alias/aws/dynamodb key
unless KMSMasterKeyId names another ("key ID, Amazon Resource Name (ARN), alias name, or alias ARN");
Enabled false means the AWS-owned key (DescribeTable then reports no SSEDescription). SSEType: "The only
supported value is KMS" (AES256 is in the enum but refused). API_SSEDescription.html: KMSMasterKeyArn is
the key's ARN, so an alias or key ID is resolved. Every refusal is a ValidationException, the
operation's client error for a bad parameter combination.

The switch completes at once (Status ENABLED): the real service goes UPDATING first and the rule
handles both (its PENDING path is tested with an SDK mock, a fault injection).
"""

from __future__ import annotations

from typing import Any

from common import patch


def _resolve_key(account: str, region: str, key_id: str) -> str:
    from moto.dynamodb.exceptions import MockValidationException
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    try:
        key = kms.describe_key(key_id)
    except Exception:
        # KMS reports the key as not found; DynamoDB surfaces that as a ValidationException on UpdateTable.
        raise MockValidationException(f"KMS key {key_id} does not exist or is not accessible in {region}") from None
    if key.key_state != "Enabled":
        raise MockValidationException(f"KMS key {key.arn} is {key.key_state}; an enabled key is required")
    return key.arn


def _new_spec(self: Any, spec: dict[str, Any]) -> dict[str, Any] | None:
    """The table's sse_specification after the update, as moto's Table.describe reads it; None: AWS-owned key."""
    from moto.dynamodb.exceptions import MockValidationException

    enabled = spec.get("Enabled")
    sse_type = spec.get("SSEType")
    key_id = spec.get("KMSMasterKeyId")
    if sse_type is not None and sse_type not in ("AES256", "KMS"):
        raise MockValidationException(
            f"1 validation error detected: Value '{sse_type}' at 'sSESpecification.sSEType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [AES256, KMS]"
        )
    if enabled is False:
        if sse_type is not None or key_id is not None:
            raise MockValidationException("SSEType and KMSMasterKeyId cannot be specified when SSE is disabled")
        return None
    if sse_type == "AES256":
        raise MockValidationException("SSEType AES256 is not supported; the only supported value is KMS")
    if enabled is None and sse_type is None:
        # "If disabled (false) or not specified, server-side encryption is set to AWS owned key."
        if key_id is not None:
            raise MockValidationException("KMSMasterKeyId can only be specified when SSE is enabled with SSEType KMS")
        return None
    account, region = self.current_account, self.region
    arn = _resolve_key(account, region, key_id or "alias/aws/dynamodb")
    return {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": arn}


def update_table(self: Any) -> Any:
    spec = self.body.get("SSESpecification")
    if spec is None:
        return self._orig_update_table()
    table = self.dynamodb_backend.get_table(self.body["TableName"])
    new = _new_spec(self, spec)  # all refusals before any change
    others = {k: v for k, v in self.body.items() if k not in ("TableName", "SSESpecification")}
    if others:
        self._orig_update_table()
    table.sse_specification = new
    from moto.dynamodb.responses import DynamoResult

    return DynamoResult(table.describe())


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler

    patch(DynamoHandler, "update_table", update_table)

"""DynamoDB UpdateTable SSESpecification, which moto 5.2.1 ignores (it applies only attributes, indexes,
throughput, billing, streams, deletion protection and warm throughput).

Follows https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html and
API_SSESpecification.html: `Enabled` true with `SSEType` KMS uses `KMSMasterKeyId` (a key ARN, key id or alias;
without it the AWS managed key alias/aws/dynamodb), `Enabled` false returns to the AWS owned key. DescribeTable
then reports SSEDescription with the key's ARN (moto already prints it from the table's sse_specification).
A key that does not exist is a ValidationException, and the table is left as it was.
"""

from __future__ import annotations

from typing import Any

from common import patch


def _key_arn(account: str, region: str, key: str) -> str | None:
    from moto.kms import kms_backends

    kms = kms_backends[account][region]
    try:
        return kms.describe_key(key).arn
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types
        return None


def update_table(self: Any) -> Any:
    sse = self.body.get("SSESpecification")
    if sse is not None:
        table = self.dynamodb_backend.get_table(self.body["TableName"])
        if sse.get("Enabled") is False:
            table.sse_specification = None
        else:
            account, region = self.current_account, self.region
            key = sse.get("KMSMasterKeyId")
            arn = _key_arn(account, region, key) if key else table._get_default_encryption_key(account, region)
            if arn is None:
                from moto.dynamodb.exceptions import MockValidationException

                raise MockValidationException(f"KMS key {key} does not exist")
            table.sse_specification = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": arn}
    return self._orig_update_table()


def install() -> None:
    from moto.dynamodb.responses import DynamoHandler

    patch(DynamoHandler, "update_table", update_table)

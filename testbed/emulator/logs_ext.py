"""CloudWatch Logs AssociateKmsKey / DisassociateKmsKey, which moto 5.2.1 lacks.

Follows https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html and
API_DisassociateKmsKey.html: the target is `logGroupName` or `resourceIdentifier` (a log-group ARN, or
`arn:aws:logs:REGION:ACCOUNT:query-result:*`), never both; `kmsKeyId` is the key's ARN and must be a
symmetric key; a key that does not exist or is disabled is InvalidParameterException; an unknown log
group is ResourceNotFoundException. DescribeLogGroups then reports `kmsKeyId` (moto already prints it).
"""

from __future__ import annotations

import re
from typing import Any

from common import json_error, patch

KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/([A-Za-z0-9-]+)$")
GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(:\*)?$")
QUERY_RESULT_ARN = re.compile(r"^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):query-result:\*$")


def _target(self: Any) -> tuple[str | None, Any]:
    """The log group named by the request, or an error response."""
    name = self._get_param("logGroupName")
    resource = self._get_param("resourceIdentifier")
    if bool(name) == bool(resource):
        return None, json_error(400, "InvalidParameterException", "Specify either logGroupName or resourceIdentifier, but not both.")
    if resource:
        if QUERY_RESULT_ARN.match(resource):
            return "query-result", None
        m = GROUP_ARN.match(resource)
        if not m or m.group(1) != self.region or m.group(2) != self.current_account:
            return None, json_error(400, "InvalidParameterException", f"Invalid resourceIdentifier: {resource}")
        name = m.group(3)
    if name not in self.logs_backend.groups:
        return None, json_error(400, "ResourceNotFoundException", "The specified log group does not exist.")
    return name, None


def associate_kms_key(self: Any) -> Any:
    from moto.kms.models import kms_backends

    target, err = _target(self)
    if err:
        return err
    arn = self._get_param("kmsKeyId") or ""
    m = KEY_ARN.match(arn)
    if not m:
        return json_error(400, "InvalidParameterException", f"Specified KMS key ARN is not valid: {arn}")
    key = kms_backends[m.group(2)][m.group(1)].keys.get(m.group(3))
    if key is None or not key.enabled or key.key_state != "Enabled":
        return json_error(400, "InvalidParameterException", f"Unable to use KMS key {arn}: it does not exist or is disabled.")
    if key.key_spec != "SYMMETRIC_DEFAULT":
        return json_error(400, "InvalidParameterException", "CloudWatch Logs supports only symmetric KMS keys.")
    if target == "query-result":
        self.logs_backend.query_results_kms_key_id = arn
    else:
        self.logs_backend.groups[target].kms_key_id = arn
    return ""


def disassociate_kms_key(self: Any) -> Any:
    target, err = _target(self)
    if err:
        return err
    if target == "query-result":
        self.logs_backend.query_results_kms_key_id = None
    else:
        self.logs_backend.groups[target].kms_key_id = None
    return ""


def install() -> None:
    from moto.logs.responses import LogsResponse

    patch(LogsResponse, "associate_kms_key", associate_kms_key)
    patch(LogsResponse, "disassociate_kms_key", disassociate_kms_key)

"""STS AssumeRole into a role that does not exist, refused as AWS refuses it (opt-in).

moto 5.2.1 assumes any role ARN, existing or not ("the role does not need to exist", moto/sts/models.py), which is
what lets tests act in a member account without building its IAM. AWS refuses: the caller "is not authorized to
perform: sts:AssumeRole on resource" (HTTP 403 AccessDenied; STS API Reference, AssumeRole, Errors; IAM User
Guide, "Troubleshooting IAM roles": a role that does not exist or does not trust the caller gives this error).
With EMULATOR_STS_ROLES_MUST_EXIST=1 in the server's environment, a role ARN naming no role of that account's IAM
is refused this way; the caller is the access key's identity. Off by default: other suites rely on moto's laxity.
"""

from __future__ import annotations

import os
from typing import Any
from xml.sax.saxutils import escape


def _access_denied(message: str) -> tuple[int, dict[str, Any], str]:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>AccessDenied</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
    )
    return 403, {"content-type": "text/xml", "status": 403}, body


def assume_role(self: Any) -> Any:
    from moto.iam.models import iam_backends

    role_arn = self._get_param("RoleArn") or ""
    parts = role_arn.split(":")
    if len(parts) >= 6 and parts[2] == "iam":
        account, partition = parts[4], parts[1]
        try:
            iam_backends[account][partition].get_role_by_arn(role_arn)
        except Exception:
            caller = f"arn:{partition}:iam::{self.current_account}:user/unknown"
            return _access_denied(f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
    return self._orig_assume_role()


def install() -> None:
    if os.environ.get("EMULATOR_STS_ROLES_MUST_EXIST") != "1":
        return
    from moto.sts.responses import TokenResponse

    from common import patch

    patch(TokenResponse, "assume_role", assume_role)

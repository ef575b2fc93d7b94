"""IAM SimulatePrincipalPolicy, which moto 5.2.1 lacks: a small evaluator, enough for what cmk-sentinel asks.

Follows https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html (the policies
attached to the user or role named by PolicySourceArn, inline and managed, plus PolicyInputList and an
optional ResourcePolicy; ContextEntries supply condition key values; EvalDecision allowed | explicitDeny |
implicitDeny) and the IAM User Guide's policy evaluation logic
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit
Deny anywhere wins; otherwise within one account an Allow in the identity or the resource policy suffices,
across accounts (ResourceOwner another account) both must allow. A key policy statement naming the account
root delegates to IAM (KMS Developer Guide, "Default key policy"), so it allows the principal only across
accounts. Supported: Action/NotAction and Resource/NotResource with * and ? wildcards; conditions
StringEquals, StringLike, StringNotEquals, StringNotLike, ArnEquals, ArnLike (with IfExists); a condition
key with no context value does not match (and is reported in MissingContextValues). Anything else in a
Condition is refused as PolicyEvaluationException rather than guessed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape


OPERATORS = {"StringEquals", "StringLike", "StringNotEquals", "StringNotLike", "ArnEquals", "ArnLike"}


class _Unsupported(Exception):
    pass


def _iam_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any], str]:
    """An IAM (awsQuery) error body: ErrorResponse/Error with Type, Code and Message."""
    body = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>"
    )
    return status, {"content-type": "text/xml", "status": status}, body


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [] if v is None else [v]


def _glob(pattern: str, value: str, case: bool = True) -> bool:
    regex = "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + "$"
    return re.match(regex, value, 0 if case else re.IGNORECASE) is not None


def _matches(patterns: Any, value: str, case: bool) -> bool:
    return any(_glob(str(p), value, case) for p in _list(patterns))


def _condition_ok(cond: dict[str, Any], ctx: dict[str, list[str]], missing: set[str]) -> bool:
    for op, entries in cond.items():
        base = op[:-8] if op.endswith("IfExists") else op
        if base not in OPERATORS:
            raise _Unsupported(f"condition operator {op} is not supported by the emulator")
        for key, expected in entries.items():
            values = ctx.get(key.lower())
            if values is None:
                if op.endswith("IfExists"):
                    continue
                missing.add(key)
                if base.endswith("NotEquals") or base.endswith("NotLike"):
                    continue  # a negated operator matches an absent key
                return False
            like = base.endswith("Like")
            ok = any(
                (_matches(expected, v, True) if like else v in [str(e) for e in _list(expected)]) for v in values
            )
            if base.startswith("StringNot"):
                ok = not ok
            if not ok:
                return False
    return True


def _principal_ok(stmt: dict[str, Any], principal: str, cross_account: bool) -> bool:
    p = stmt.get("Principal")
    if p == "*":
        return True
    account = principal.split(":")[4]
    for name in _list((p or {}).get("AWS")):
        if name == "*" or name == principal:
            return True
        if cross_account and name in (account, f"arn:aws:iam::{account}:root"):
            return True
    return False


def _applies(stmt: dict[str, Any], action: str, resource: str, ctx: dict[str, list[str]], missing: set[str]) -> bool:
    if "Action" in stmt and not _matches(stmt["Action"], action, False):
        return False
    if "NotAction" in stmt and _matches(stmt["NotAction"], action, False):
        return False
    if "Resource" in stmt and not _matches(stmt["Resource"], resource, True):
        return False
    if "NotResource" in stmt and _matches(stmt["NotResource"], resource, True):
        return False
    return _condition_ok(stmt.get("Condition") or {}, ctx, missing)


def _effects(docs: list[str], action: str, resource: str, ctx: dict[str, list[str]], missing: set[str], principal: str | None = None, cross: bool = False) -> set[str]:
    out: set[str] = set()
    for doc in docs:
        parsed = json.loads(doc) if isinstance(doc, str) else doc
        for stmt in _list(parsed.get("Statement")):
            if principal is not None and not _principal_ok(stmt, principal, cross):
                continue
            if _applies(stmt, action, resource, ctx, missing):
                out.add(stmt.get("Effect"))
    return out


def decide(identity: list[str], resource_policy: str | None, principal: str, owner: str | None, action: str, resource: str, ctx: dict[str, list[str]]) -> tuple[str, set[str]]:
    missing: set[str] = set()
    ident = _effects(identity, action, resource, ctx, missing)
    cross = owner is not None and owner.split(":")[4] != principal.split(":")[4]
    res = _effects([resource_policy], action, resource, ctx, missing, principal, cross) if resource_policy else set()
    if "Deny" in ident or "Deny" in res:
        return "explicitDeny", missing
    allowed = ("Allow" in ident and "Allow" in res) if cross else ("Allow" in ident or "Allow" in res)
    return ("allowed" if allowed else "implicitDeny"), missing


def _principal_policies(backend: Any, arn: str) -> list[str]:
    from moto.iam.models import NotFoundException

    kind = arn.split(":")[5].split("/")[0]
    name = arn.rsplit("/", 1)[-1]
    try:
        entity = backend.get_role_by_arn(arn) if kind == "role" else backend.get_user(name) if kind == "user" else None
    except NotFoundException:
        entity = None
    except Exception:
        entity = None
    if entity is None:
        raise LookupError(arn)
    docs = list(entity.policies.values())
    for policy in entity.managed_policies.values():
        version = next((v for v in policy.versions if v.is_default), None)
        docs.append(version.document if version is not None else policy.document)
    return docs


def simulate_principal_policy(self: Any) -> Any:
    arn = self._get_param("PolicySourceArn")
    try:
        identity = _principal_policies(self.backend, arn)
    except LookupError:
        return _iam_error(404, "NoSuchEntity", f"The entity {arn} cannot be found.")
    # moto parses the query parameters against the botocore model: lists and structures arrive as such.
    identity += _list(self._get_param("PolicyInputList"))
    actions = _list(self._get_param("ActionNames"))
    resources = _list(self._get_param("ResourceArns")) or ["*"]
    ctx = {str(e["ContextKeyName"]).lower(): [str(v) for v in _list(e.get("ContextKeyValues"))] for e in _list(self._get_param("ContextEntries"))}
    resource_policy = self._get_param("ResourcePolicy")
    owner = self._get_param("ResourceOwner")
    results = []
    try:
        for action in actions:
            for resource in resources:
                decision, missing = decide(identity, resource_policy, arn, owner, action, resource, ctx)
                missing_xml = "".join(f"<member>{escape(k)}</member>" for k in sorted(missing))
                results.append(
                    f"<member><EvalActionName>{escape(action)}</EvalActionName><EvalResourceName>{escape(resource)}</EvalResourceName>"
                    f"<EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues>{missing_xml}</MissingContextValues></member>"
                )
    except (_Unsupported, ValueError) as e:
        return _iam_error(400, "PolicyEvaluationException", str(e))
    body = (
        '<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult>'
        f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(results)}</EvaluationResults>"
        "</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>"
        "</SimulatePrincipalPolicyResponse>"
    )
    return 200, {"content-type": "text/xml"}, body


def install() -> None:
    from moto.iam.responses import IamResponse

    IamResponse.simulate_principal_policy = simulate_principal_policy

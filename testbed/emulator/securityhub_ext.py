"""Security Hub BatchImportFindings / GetFindings: what moto 5.2.1 has, made to check what AWS checks.

moto imports any finding with a Resources list and ignores GetFindings' Filters. This follows
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html (1 to 100 findings per
request; a finding that does not follow the AWS Security Finding Format is reported in FailedFindings, the others
are imported), the ASFF required attributes
(https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html: AwsAccountId, CreatedAt,
Description, GeneratorId, Id, ProductArn, Resources, SchemaVersion, Severity, Title, Types, UpdatedAt), the
defaults Security Hub sets (RecordState ACTIVE, Workflow.Status NEW), and the StringFilter of
https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_StringFilter.html for GetFindings (filters of one
field: EQUALS/PREFIX/CONTAINS are OR-ed, their negations AND-ed; fields are AND-ed) on the fields listed below.
"""

from __future__ import annotations

import json
from typing import Any

from common import json_error, patch

REQUIRED = ("AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources",
            "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt")

# AwsSecurityFindingFilters member -> how to read it from a finding (a list of values).
FIELDS: dict[str, Any] = {
    "Id": lambda f: [f.get("Id")],
    "ProductArn": lambda f: [f.get("ProductArn")],
    "AwsAccountId": lambda f: [f.get("AwsAccountId")],
    "GeneratorId": lambda f: [f.get("GeneratorId")],
    "Title": lambda f: [f.get("Title")],
    "Description": lambda f: [f.get("Description")],
    "Region": lambda f: [f.get("Region")],
    "Type": lambda f: list(f.get("Types") or []),
    "SeverityLabel": lambda f: [(f.get("Severity") or {}).get("Label")],
    "ResourceId": lambda f: [r.get("Id") for r in f.get("Resources") or []],
    "ResourceType": lambda f: [r.get("Type") for r in f.get("Resources") or []],
    "RecordState": lambda f: [f.get("RecordState")],
    "WorkflowStatus": lambda f: [(f.get("Workflow") or {}).get("Status")],
    "ComplianceStatus": lambda f: [(f.get("Compliance") or {}).get("Status")],
}
POSITIVE = {"EQUALS": lambda v, x: v == x, "PREFIX": lambda v, x: v.startswith(x), "CONTAINS": lambda v, x: x in v}
NEGATIVE = {"NOT_EQUALS": "EQUALS", "PREFIX_NOT_EQUALS": "PREFIX", "NOT_CONTAINS": "CONTAINS"}


def _missing(finding: dict[str, Any]) -> str | None:
    for name in REQUIRED:
        if finding.get(name) in (None, "", []):
            return name
    severity = finding.get("Severity") or {}
    if not isinstance(severity, dict) or ("Label" not in severity and "Normalized" not in severity):
        return "Severity.Label"
    return None


def batch_import_findings(self: Any) -> Any:
    body = json.loads(self.body or "{}")
    findings = body.get("Findings")
    if not isinstance(findings, list) or not 1 <= len(findings) <= 100:
        return json_error(400, "InvalidInputException", "Findings must contain between 1 and 100 findings.")
    valid, failed = [], []
    for finding in findings:
        missing = _missing(finding) if isinstance(finding, dict) else "Finding"
        if missing:
            failed.append({"Id": (finding or {}).get("Id", "") if isinstance(finding, dict) else "", "ErrorCode": "InvalidInput",
                           "ErrorMessage": f"Finding does not adhere to Amazon Security Finding Format. data.{missing} is required"})
            continue
        finding.setdefault("RecordState", "ACTIVE")
        finding.setdefault("Workflow", {"Status": "NEW"})
        finding.setdefault("Region", self.region)
        valid.append(finding)
    imported = 0
    if valid:
        _, imported, also_failed = self.securityhub_backend.batch_import_findings(findings=valid)
        failed += [{"Id": f.get("Id", ""), "ErrorCode": f.get("ErrorCode"), "ErrorMessage": f.get("ErrorMessage")} for f in also_failed]
    return json.dumps({"FailedCount": len(failed), "SuccessCount": imported, "FailedFindings": failed})


def _matches(finding: dict[str, Any], filters: dict[str, Any]) -> bool:
    for field, conditions in (filters or {}).items():
        read = FIELDS.get(field)
        if read is None:
            continue
        values = [v for v in read(finding) if isinstance(v, str)]
        positive = [c for c in conditions if c.get("Comparison") in POSITIVE]
        negative = [c for c in conditions if c.get("Comparison") in NEGATIVE]
        if positive and not any(POSITIVE[c["Comparison"]](v, c["Value"]) for c in positive for v in values):
            return False
        if any(POSITIVE[NEGATIVE[c["Comparison"]]](v, c["Value"]) for c in negative for v in values):
            return False
    return True


def get_findings(self: Any) -> Any:
    filters = self._get_param("Filters") or {}
    unknown = [f for f in filters if f not in FIELDS]
    if unknown:
        # Not a refusal AWS makes: the emulator says it cannot filter on these rather than ignore them.
        return json_error(400, "InvalidInputException", f"The emulator does not filter on {', '.join(sorted(unknown))}")
    max_results = int(self._get_param("MaxResults") or 100)
    if not 1 <= max_results <= 100:
        return json_error(400, "InvalidInputException", "MaxResults must be a number between 1 and 100")
    token = self._get_param("NextToken")
    found = [f.as_dict() for f in self.securityhub_backend.findings if _matches(f.as_dict(), filters)]
    start = 0
    if token:
        if not token.isdigit() or int(token) > len(found):
            return json_error(400, "InvalidInputException", "The NextToken is not valid.")
        start = int(token)
    page = found[start:start + max_results]
    out: dict[str, Any] = {"Findings": page}
    if start + max_results < len(found):
        out["NextToken"] = str(start + max_results)
    return json.dumps(out)


def install() -> None:
    from moto.securityhub.responses import SecurityHubResponse

    patch(SecurityHubResponse, "batch_import_findings", batch_import_findings)
    patch(SecurityHubResponse, "get_findings", get_findings)

"""S3 Batch Operations CreateJob / DescribeJob / ListJobs, which moto 5.2.1 lacks.

Follows https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html (also API_control_DescribeJob.html,
API_control_ListJobs.html, and the user guide's "Tracking job status": a job that needs no confirmation goes
New -> Preparing -> Active; one with ConfirmationRequired waits Suspended until confirmed).
The job is accepted and recorded, never run: it stays Active (or Suspended, AWAITING_CONFIRMATION) and its
progress shows no task done. CreateJob is idempotent on ClientRequestToken: the same token returns the same
JobId; the same token with a different request is an IdempotencyException. A request with neither or both
of Manifest and ManifestGenerator, with other than exactly one operation, or with a report enabled but no
bucket, is a BadRequestException; an unknown job id is a NotFoundException (404).
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from common import patch
from common import rest_xml_error as s3_error

# moto's S3 Control routes (moto/s3control/urls.py) have no jobs: the regex form for the decorator, the Flask one for the server.
JOB_PATHS = (
    r"{0}/v20180820/jobs$",
    r"{0}/v20180820/jobs/(?P<id>[^/]+)$",
    "/v20180820/jobs",
    "/v20180820/jobs/<id>",
)


def _jobs(self: Any, account: str) -> dict[str, dict[str, Any]]:
    backend = self.backend
    if not hasattr(backend, "ext_jobs"):
        backend.ext_jobs = {}
        backend.ext_job_tokens = {}
    return backend.ext_jobs.setdefault(account, {})


def _tokens(self: Any, account: str) -> dict[str, tuple[str, str]]:
    _jobs(self, account)
    return self.backend.ext_job_tokens.setdefault(account, {})


def create_job(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account = self._get_param("AccountId")
    params = {k: v for k, v in self.params.items() if k not in ("AccountId", "ClientRequestToken")}
    token = self._get_param("ClientRequestToken")
    for required in ("Operation", "Report", "ClientRequestToken", "Priority", "RoleArn"):
        if self._get_param(required) is None:
            return s3_error(400, "BadRequestException", f"{required} is required.")
    operation = self._get_param("Operation") or {}
    if len([k for k, v in operation.items() if v is not None]) != 1:
        return s3_error(400, "BadRequestException", "Specify exactly one operation for the job.")
    if (self._get_param("Manifest") is None) == (self._get_param("ManifestGenerator") is None):
        return s3_error(400, "BadRequestException", "Specify either a Manifest or a ManifestGenerator, not both.")
    report = self._get_param("Report") or {}
    if str(report.get("Enabled")).lower() == "true" and not report.get("Bucket"):
        return s3_error(400, "BadRequestException", "Report Bucket is required when the report is enabled.")

    fingerprint = json.dumps(params, sort_keys=True, default=str)
    tokens = _tokens(self, account)
    if token in tokens:
        job_id, seen = tokens[token]
        if seen != fingerprint:
            return s3_error(400, "IdempotencyException", "The ClientRequestToken was already used for a different request.")
        return ActionResult({"JobId": job_id})

    job_id = str(uuid.uuid4())
    confirm = str(params.get("ConfirmationRequired")).lower() == "true"
    now = datetime.datetime.now(datetime.timezone.utc)
    job: dict[str, Any] = {
        "JobId": job_id,
        "JobArn": f"arn:{self.partition}:s3:{self.region}:{account}:job/{job_id}",
        "ConfirmationRequired": confirm,
        "Description": params.get("Description"),
        "Status": "Suspended" if confirm else "Active",
        "Operation": operation,
        "Priority": int(params["Priority"]),
        "RoleArn": params["RoleArn"],
        "Report": report,
        "CreationTime": now,
        "ProgressSummary": {"TotalNumberOfTasks": 0, "NumberOfTasksSucceeded": 0, "NumberOfTasksFailed": 0},
        "Tags": params.get("Tags") or [],
    }
    if confirm:
        job["SuspendedDate"] = now
        job["SuspendedCause"] = "AWAITING_CONFIRMATION"
    for optional in ("Manifest", "ManifestGenerator"):
        if params.get(optional) is not None:
            job[optional] = params[optional]
    _jobs(self, account)[job_id] = job
    tokens[token] = (job_id, fingerprint)
    return ActionResult({"JobId": job_id})


def describe_job(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account = self._get_param("AccountId")
    job_id = self._get_param("JobId")
    job = _jobs(self, account).get(job_id)
    if job is None:
        return s3_error(404, "NotFoundException", f"The specified job {job_id} does not exist.")
    return ActionResult({"Job": {k: v for k, v in job.items() if k != "Tags"}})


def list_jobs(self: Any) -> Any:
    from moto.core.responses import ActionResult

    account = self._get_param("AccountId")
    statuses = self._get_param("JobStatuses") or []
    jobs = [j for j in _jobs(self, account).values() if not statuses or j["Status"] in statuses]
    jobs.sort(key=lambda j: j["CreationTime"], reverse=True)
    limit = int(self._get_param("MaxResults") or 1000)
    token = self._get_param("NextToken")
    start = 0
    if token is not None:
        if not token.isdigit() or int(token) > len(jobs):
            return s3_error(400, "InvalidNextTokenException", "The NextToken is not valid.")
        start = int(token)
    page = jobs[start:start + limit]
    result: dict[str, Any] = {"Jobs": [{
        "JobId": j["JobId"], "Description": j.get("Description"), "Operation": next(iter(j["Operation"])),
        "Priority": j["Priority"], "Status": j["Status"], "CreationTime": j["CreationTime"], "ProgressSummary": j["ProgressSummary"],
    } for j in page]}
    if start + limit < len(jobs):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def install() -> None:
    from moto.s3control import urls
    from moto.s3control.responses import S3ControlResponse

    for path in JOB_PATHS:
        urls.url_paths[path] = S3ControlResponse.dispatch
    patch(S3ControlResponse, "create_job", create_job)
    patch(S3ControlResponse, "describe_job", describe_job)
    patch(S3ControlResponse, "list_jobs", list_jobs)

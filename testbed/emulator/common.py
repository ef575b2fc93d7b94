"""Helpers shared by the extension modules."""

from __future__ import annotations

import json
import uuid
from typing import Any
from xml.sax.saxutils import escape


def s3_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], str]:
    """An S3 REST-XML error body (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return status, {"content-type": "application/xml"}, body


def rest_xml_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any], str]:
    """The same XML error from a BaseResponse.dispatch handler, which takes the status from a "status" header."""
    status_code, headers, body = s3_error(status, code, message)
    return status_code, {**headers, "status": status}, body


def json_error(status: int, code: str, message: str) -> tuple[int, dict[str, Any], str]:
    """An awsJson1_1 error body (`__type` + `message`)."""
    # moto takes the status from the "status" header of a handler's result.
    return status, {"status": status, "content-type": "application/x-amz-json-1.1"}, json.dumps({"__type": code, "message": message})


def patch(cls: Any, name: str, new: Any) -> None:
    """Replace cls.name, keeping the original as cls._orig_<name> so the patch can call through."""
    setattr(cls, f"_orig_{name}", getattr(cls, name, None))
    setattr(cls, name, new)

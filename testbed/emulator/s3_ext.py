"""S3 behaviours moto 5.2.1 lacks: UpdateObjectEncryption, SSE-C recorded on objects, replication rules read back whole.

GetBucketReplication returns each rule as it was put (API_GetBucketReplication.html / API_ReplicationRule.html:
ID, Priority, Prefix or Filter, Status, SourceSelectionCriteria, ExistingObjectReplication,
DeleteMarkerReplication, Destination); moto rebuilt every rule with an empty Filter.Prefix and dropped
SourceSelectionCriteria and the rest.

UpdateObjectEncryption follows the API reference
https://docs.aws.amazon.com/AmazonS3/latest/API/API_UpdateObjectEncryption.html and the user guide
https://docs.aws.amazon.com/AmazonS3/latest/userguide/update-sse-encryption.html (the same text ships in
@aws-sdk/client-s3 dist-types/commands/UpdateObjectEncryptionCommand.d.ts). Request shape, from the SDK's
serializer: `PUT /{Bucket}/{Key+}?encryption[&versionId=]`, body
`<ObjectEncryption><SSE-KMS><KMSKeyArn/><BucketKeyEnabled/></SSE-KMS></ObjectEncryption>`.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from typing import Any

from common import patch, s3_error

KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key/[A-Za-z0-9-]+$")

# Messages as the API reference words them (section "Errors").
UNENCRYPTED_SOURCE = (
    "The UpdateObjectEncryption operation doesn't supported unencrypted source objects. "
    "Only source objects encrypted with SSE-S3 or SSE-KMS are supported."
)
UNSUPPORTED_SOURCE = (
    "The UpdateObjectEncryption operation doesn't support source objects with the encryption type DSSE-KMS or SSE-C. "
    "Only source objects encrypted with SSE-S3 or SSE-KMS are supported."
)
UNSUPPORTED_TARGET = (
    "The UpdateObjectEncryption operation doesn't support updating the encryption type to DSSE-KMS or SSE-C. "
    "Modify the request to specify SSE-KMS for the updated encryption type, and then try again."
)
NO_VALID_TARGET = (
    "Requests that modify an object encryption configuration require a valid new encryption type. "
    "Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated encryption type, and then try again."
)
NO_KEY_ARN = (
    "Requests that modify an object's encryption type to SSE-KMS require an AWS KMS key Amazon Resource Name (ARN). "
    "Modify the request to specify a KMS key ARN, and then try again."
)
BAD_KEY_ARN = (
    "Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key Amazon Resource Name (ARN). "
    "Confirm that you have a correctly formatted KMS key ARN in your request, and then try again."
)
BAD_BUCKET_KEY = (
    "The BucketKeyEnabled value isn't valid. Valid values are true or false. "
    "Modify the request to specify a valid value, and then try again."
)
OTHER_ACCOUNT_KEY = (
    "The AWS KMS key in the request must be owned by the same account as the bucket. "
    "Modify the request to specify a KMS key from the same account, and then try again."
)
OBJECT_LOCKED = (
    "The encryption type for the specified object can't be updated because that object is protected by S3 Object Lock."
)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _locked(key: Any) -> bool:
    if getattr(key, "lock_legal_status", None) == "ON":
        return True
    until = getattr(key, "lock_until", None)
    if getattr(key, "lock_mode", None) in ("GOVERNANCE", "COMPLIANCE") and until:
        try:
            stamp = datetime.datetime.fromisoformat(str(until).replace("Z", "+00:00"))
        except ValueError:
            return True
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
        return stamp > datetime.datetime.now(datetime.timezone.utc)
    return False


def update_object_encryption(self: Any, query: dict[str, Any], key_name: str) -> Any:
    from moto.kms.models import kms_backends

    version_id = query.get("versionId", [None])[0]
    bucket = self.backend.get_bucket(self.bucket_name)
    key = self.backend.get_object(self.bucket_name, key_name, version_id=version_id)
    if key is None:
        if version_id is not None and self.backend.get_object(self.bucket_name, key_name) is not None:
            return s3_error(404, "NoSuchVersion", "The specified version does not exist.")
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")

    try:
        root = ET.fromstring(self.body or b"")
    except ET.ParseError:
        return s3_error(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
    target = _child(root, "SSE-KMS")
    if target is None:
        if any(_local(c.tag) in ("DSSE-KMS", "SSE-C") for c in root):
            return s3_error(400, "InvalidRequest", UNSUPPORTED_TARGET)
        # SSE-S3 is not a valid target: the only member of the ObjectEncryption union is SSE-KMS.
        return s3_error(400, "InvalidRequest", NO_VALID_TARGET)

    arn_el = _child(target, "KMSKeyArn")
    arn = (arn_el.text or "").strip() if arn_el is not None else ""
    if not arn:
        return s3_error(400, "InvalidRequest", NO_KEY_ARN)
    match = KEY_ARN.match(arn)
    if not match:
        return s3_error(400, "InvalidRequest", BAD_KEY_ARN)
    bucket_key_el = _child(target, "BucketKeyEnabled")
    bucket_key = None
    if bucket_key_el is not None:
        text = (bucket_key_el.text or "").strip().lower()
        if text not in ("true", "false"):
            return s3_error(400, "InvalidRequest", BAD_BUCKET_KEY)
        bucket_key = text

    if getattr(key, "sse_customer_algorithm", None) or key.encryption == "aws:kms:dsse":
        return s3_error(400, "InvalidRequest", UNSUPPORTED_SOURCE)
    if key.encryption not in ("AES256", "aws:kms"):
        return s3_error(400, "InvalidRequest", UNENCRYPTED_SOURCE)

    key_region, key_account = match.group(1), match.group(2)
    if key_account != bucket.account_id:
        return s3_error(403, "AccessDenied", OTHER_ACCOUNT_KEY)
    key_id = arn.rsplit("/", 1)[1]
    # Not listed on the operation's page: an SSE-KMS write naming a key that does not exist in the bucket's
    # region fails in KMS, which S3 reports as KMS.NotFoundException (400), as it does for PutObject.
    kms = kms_backends[key_account][bucket.region_name]
    if key_region != bucket.region_name or key_id not in kms.keys:
        return s3_error(400, "KMS.NotFoundException", f"Invalid arn {key_region}")
    if _locked(key):
        return s3_error(403, "AccessDenied", OBJECT_LOCKED)

    # Only the encryption changes: data, storage class, dates, ETag and checksums are preserved.
    key.encryption = "aws:kms"
    key.kms_key_id = arn
    key.bucket_key_enabled = bucket_key or "false"
    return 200, {}, ""


# API_CopyObject.html: x-amz-copy-source-if-match "Copies the object if its entity tag (ETag) matches the
# specified tag", x-amz-copy-source-if-none-match "if its entity tag (ETag) is different"; otherwise
# "412 Precondition Failed". moto copied regardless.
PRECONDITION_FAILED = "At least one of the pre-conditions you specified did not hold"


def _copy_precondition(self: Any) -> Any:
    from urllib.parse import parse_qs, unquote, urlparse

    if_match = self.headers.get("x-amz-copy-source-if-match")
    if_none_match = self.headers.get("x-amz-copy-source-if-none-match")
    if not if_match and not if_none_match:
        return None
    parsed = urlparse(str(self.headers.get("x-amz-copy-source")))
    src_bucket, _, src_key = unquote(parsed.path).lstrip("/").partition("/")
    version_id = parse_qs(parsed.query).get("versionId", [None])[0]
    source = self.backend.get_object(src_bucket, src_key, version_id=version_id)
    if source is None:
        return None  # moto's own copy reports the missing source
    etag = source.etag.strip('"')
    tags = lambda header: {t.strip().strip('"') for t in header.split(",")}  # noqa: E731
    if if_match and etag not in tags(if_match) and "*" not in tags(if_match):
        return s3_error(412, "PreconditionFailed", PRECONDITION_FAILED)
    if if_none_match and (etag in tags(if_none_match) or "*" in tags(if_none_match)):
        return s3_error(412, "PreconditionFailed", PRECONDITION_FAILED)
    return None


def _key_response_put(self: Any, query: dict[str, Any], key_name: str) -> Any:
    if "x-amz-copy-source" in self.headers and "uploadId" not in query:
        failed = _copy_precondition(self)
        if failed is not None:
            return failed
    if "encryption" in query and "x-amz-copy-source" not in self.headers:
        self._set_action("KEY", "PUT", query)
        self._authenticate_and_authorize_s3_action(bucket_name=self.bucket_name, key_name=key_name)
        return update_object_encryption(self, query, key_name)
    return self._orig__key_response_put(query, key_name)


def _put_object(self: Any) -> Any:
    # moto ignores SSE-C headers; record the algorithm so UpdateObjectEncryption can refuse such sources.
    result = self._orig_put_object()
    algorithm = self.headers.get("x-amz-server-side-encryption-customer-algorithm")
    if algorithm and result[0] == 200:
        key = self.backend.get_object(self.bucket_name, self.parse_key_name())
        if key is not None:
            key.sse_customer_algorithm = algorithm
            key.encryption = None
    return result


# API_GetObject.html / API_HeadObject.html: "If you encrypt an object by using server-side encryption with
# customer-provided encryption keys (SSE-C) when you store the object in Amazon S3, then when you retrieve the
# metadata from the object, you must use the following headers ... x-amz-server-side-encryption-customer-algorithm,
# -customer-key, -customer-key-MD5"; without them S3 answers 400 InvalidRequest (a HEAD: the status, no body).
SSE_C_REQUIRED = (
    "The object was stored using a form of Server Side Encryption. "
    "The correct parameters must be provided to retrieve the object."
)
SSE_C_HEADER = "x-amz-server-side-encryption-customer-algorithm"


def _sse_c_read(self: Any, result: Any, key_name: str, query: dict[str, Any]) -> Any:
    if not isinstance(result, tuple) or result[0] not in (200, 206, 304):
        return result
    version_id = query.get("versionId", [None])[0]
    key = self.backend.get_object(self.bucket_name, key_name, version_id=version_id)
    algorithm = getattr(key, "sse_customer_algorithm", None)
    if not algorithm:
        return result
    if not self.headers.get(SSE_C_HEADER):
        return s3_error(400, "InvalidRequest", SSE_C_REQUIRED)
    status, headers, body = result
    return status, {**headers, SSE_C_HEADER: algorithm, "x-amz-server-side-encryption-customer-key-MD5": self.headers.get("x-amz-server-side-encryption-customer-key-MD5", "")}, body


def _head_object(self: Any, bucket_name: str, query: dict[str, Any], key_name: str, headers: dict[str, Any]) -> Any:
    return _sse_c_read(self, self._orig_head_object(bucket_name, query, key_name, headers), key_name, query)


def _get_object(self: Any) -> Any:
    return _sse_c_read(self, self._orig_get_object(), self.parse_key_name(), self.querystring)


def get_bucket_encryption(self: Any) -> Any:
    """GetBucketEncryption with each rule's BlockedEncryptionTypes (API_ServerSideEncryptionRule.html), which
    moto stored from PutBucketEncryption but left out of the answer."""
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ServerSideEncryptionConfigurationNotFoundError
    from moto.core.utils import ensure_boolean

    self.data["Action"] = "GetBucketEncryption"
    encryption = self.backend.get_bucket_encryption(self.bucket_name)
    if not encryption:
        raise ServerSideEncryptionConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = []
    for rule in _as_list(encryption["Rule"]):
        out: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": rule["ApplyServerSideEncryptionByDefault"],
            "BucketKeyEnabled": ensure_boolean(rule.get("BucketKeyEnabled")),
        }
        blocked = (rule.get("BlockedEncryptionTypes") or {}).get("EncryptionType")
        if blocked is not None:
            out["BlockedEncryptionTypes"] = {"EncryptionType": _as_list(blocked)}
        rules.append(out)
    return self.serialized(ActionResult({"ServerSideEncryptionConfiguration": {"Rules": rules}}))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _filter(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    if isinstance(out.get("And"), dict):
        and_ = dict(out["And"])
        # xmltodict keeps the XML element name (Tag, one dict when alone); the shape member is Tags (a list).
        if "Tag" in and_:
            and_["Tags"] = _as_list(and_.pop("Tag"))
        out["And"] = and_
    return out


def _rule(raw: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"ID": raw["ID"], "Priority": int(raw.get("Priority") or 1), "Status": raw["Status"]}
    if raw.get("Filter") is not None:
        rule["Filter"] = _filter(raw["Filter"] or {})
    elif raw.get("Prefix") is not None:
        rule["Prefix"] = raw["Prefix"]
    else:
        rule["Filter"] = {"Prefix": ""}
    for member in ("SourceSelectionCriteria", "ExistingObjectReplication"):
        if raw.get(member):
            rule[member] = raw[member]
    rule["DeleteMarkerReplication"] = raw.get("DeleteMarkerReplication") or {"Status": "Disabled"}
    rule["Destination"] = raw["Destination"]
    return rule


def get_bucket_replication(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.s3.exceptions import ReplicationConfigurationNotFoundError

    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = [_rule(r) for r in _as_list(replication["Rule"])]
    return self.serialized(ActionResult({"ReplicationConfiguration": {"Role": replication["Role"], "Rules": rules}}))


def install() -> None:
    from moto.s3 import responses

    patch(responses.S3Response, "get_bucket_replication", get_bucket_replication)
    patch(responses.S3Response, "get_bucket_encryption", get_bucket_encryption)

    # IAM: the action S3 authorizes this request as (Service Authorization Reference: s3:UpdateObjectEncryption).
    responses.ACTION_MAP["KEY"]["PUT"]["encryption"] = "UpdateObjectEncryption"
    patch(responses.S3Response, "_key_response_put", _key_response_put)
    patch(responses.S3Response, "put_object", _put_object)
    patch(responses.S3Response, "head_object", _head_object)
    patch(responses.S3Response, "get_object", _get_object)

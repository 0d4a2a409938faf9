"""Small pieces every AWS collector and action shares: batches, tags, times and error reporting."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from botfactory.clouds.base import HarvestError
from botfactory.resources.model import Resource, ResourceId

log = logging.getLogger("botfactory.clouds.aws")

GLOBAL = "global"
WORLD_CIDRS = ("0.0.0.0/0", "::/0")


@dataclass
class Batch:
    """What one collector read for one resource type.

    ``regions`` is the scope whose missing resources may be marked deleted, and only when ``complete`` (the
    listing itself succeeded). ``present`` holds resource ids that exist but whose details failed: they are
    neither updated nor marked deleted.
    """

    resource_type: str
    regions: list[str]
    resources: list[Resource] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    errors: list[HarvestError] = field(default_factory=list)
    complete: bool = True


def rid(resource_type: str, account_id: str, region: str, native_id: str) -> ResourceId:
    return ResourceId(resource_type, account_id, region, native_id)


def utc(value: Any) -> datetime | None:
    """boto3 gives aware datetimes in local time (tzlocal) or epoch strings: make them aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError):
        return None


def iso(value: Any) -> str | None:
    when = utc(value)
    return when.isoformat() if when else None


def tag_dict(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """``[{"Key": k, "Value": v}]`` (EC2, S3, IAM, SNS's lower-case variant too) as a plain dict."""
    out: dict[str, str] = {}
    for tag in tags or ():
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            out[str(key)] = str(tag.get("Value", tag.get("value", "")) or "")
    return out


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc) or type(exc).__name__


def is_aws_error(exc: BaseException) -> bool:
    return isinstance(exc, (ClientError, BotoCoreError))


def harvest_error(
    exc: BaseException, service: str, region: str, resource_type: str = "", native_id: str = ""
) -> HarvestError:
    if not is_aws_error(exc):
        # Not the cloud's fault: keep the traceback for whoever debugs our parsing code.
        log.error("unexpected error harvesting %s %s %s", service, region, native_id or resource_type, exc_info=exc)
    return HarvestError(
        service=service,
        region=region,
        message=error_message(exc),
        code=error_code(exc),
        resource_type=resource_type,
        native_id=native_id,
    )


def has_code(exc: BaseException, *codes: str) -> bool:
    return isinstance(exc, ClientError) and error_code(exc) in codes


def each_call(native_ids: list[str], call: Callable[[str], Any]) -> dict[str, str]:
    failed: dict[str, str] = {}
    for native in native_ids:
        try:
            call(native)
        except LookupError as exc:  # our own "not found" (a key or queue that no longer exists)
            failed[native] = str(exc)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            failed[native] = error_message(exc)
    return failed


def batched_call(native_ids: list[str], call_many: Callable[[list[str]], Any], size: int = 200) -> dict[str, str]:
    """One call per ``size`` ids; a failing call is redone one id at a time to find the culprit."""
    failed: dict[str, str] = {}
    for start in range(0, len(native_ids), size):
        chunk = native_ids[start : start + size]
        try:
            call_many(chunk)
        except Exception as exc:
            if not is_aws_error(exc):
                raise
            failed.update(each_call(chunk, lambda one: call_many([one])))
    return failed

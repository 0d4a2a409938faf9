"""An AWS account's settings: how to reach it, never a secret.

``{"profile"?, "role_arn"?, "external_id"?, "endpoint_url"?, "regions": [...]}``. A profile names credentials
kept by the AWS config files on the machine; a role is assumed through STS (with the profile's credentials, or
the default chain, as the base); an endpoint URL without either reaches the local emulator with its fixed test
keys. With none of the three, boto3's default credential chain of the machine running the job is used (an
instance role, environment variables). ``regions: []`` means every region the account has enabled (asked at
harvest time), or the emulator's demo regions for an endpoint URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from botfactory.errors import ValidationError

KNOWN_KEYS = ("profile", "role_arn", "external_id", "endpoint_url", "regions")
# Any of these in the settings means someone tried to store a credential: refuse, whatever the value.
SECRET_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "access_key",
    "access_key_id",
    "secret_key",
    "secret_access_key",
    "session_token",
    "secret",
    "password",
    "token",
)
EMULATOR_REGIONS = ("us-east-1", "us-west-2")

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ROLE_ARN = re.compile(r"^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_PROFILE = re.compile(r"^[\w+=,.@:/-]{1,128}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")


def _fail(field: str, message: str, value: object) -> ValidationError:
    return ValidationError(f"{field}: {message}", field=field, value=value)


def normalise_regions(value: object) -> list[str]:
    """``"us-east-1, us-west-2"`` or a list: validated, de-duplicated, in the given order."""
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise _fail("regions", "must be a list of region names or a comma-separated string", value)
    regions: list[str] = []
    for item in items:
        name = str(item).strip()
        if not name:
            continue
        if not _REGION.match(name):
            raise _fail("regions", f"{name!r} is not an AWS region name (like us-east-1)", value)
        if name not in regions:
            regions.append(name)
    return regions


def _endpoint(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("endpoint_url", "must be a URL such as http://127.0.0.1:5000", value)
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail("endpoint_url", "must be an http:// or https:// URL with a host", value)
    if parts.username or parts.password:
        raise _fail("endpoint_url", "must not carry credentials (user:password@)", "<redacted>")
    if parts.query or parts.fragment:
        raise _fail("endpoint_url", "must not have a query or fragment", value)
    try:
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError as exc:
        raise _fail("endpoint_url", f"bad port: {exc}", value) from exc
    return url


def validate_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Normalised settings, or a ValidationError that names the field."""
    raw = dict(settings or {})
    secrets = sorted(k for k in raw if k.lower() in SECRET_KEYS)
    if secrets:
        raise _fail(
            secrets[0],
            "secrets are never stored: use a profile (--profile), a role to assume (--role-arn), "
            "or the emulator's endpoint (--endpoint-url)",
            "<redacted>",
        )
    unknown = sorted(set(raw) - set(KNOWN_KEYS))
    if unknown:
        raise _fail(unknown[0], f"unknown setting; known: {', '.join(KNOWN_KEYS)}", unknown)
    clean: dict[str, Any] = {}
    if raw.get("profile") not in (None, ""):
        if not isinstance(raw["profile"], str) or not _PROFILE.match(raw["profile"]):
            raise _fail("profile", "must be a profile name from the AWS config files", raw["profile"])
        clean["profile"] = raw["profile"]
    if raw.get("role_arn") not in (None, ""):
        if not isinstance(raw["role_arn"], str) or not _ROLE_ARN.match(raw["role_arn"]):
            raise _fail("role_arn", "must be an IAM role ARN like arn:aws:iam::123456789012:role/Name", raw["role_arn"])
        clean["role_arn"] = raw["role_arn"]
    if raw.get("external_id") not in (None, ""):
        if "role_arn" not in clean:
            raise _fail("external_id", "only makes sense with role_arn", raw["external_id"])
        if not isinstance(raw["external_id"], str) or not _EXTERNAL_ID.match(raw["external_id"]):
            raise _fail("external_id", "must be 2-1224 characters of letters, digits and +=,.@:/-", "<redacted>")
        clean["external_id"] = raw["external_id"]
    if raw.get("endpoint_url") not in (None, ""):
        clean["endpoint_url"] = _endpoint(raw["endpoint_url"])
    clean["regions"] = normalise_regions(raw.get("regions"))
    return clean

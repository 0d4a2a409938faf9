"""Is this resource public? Decided as AWS decides it, because the emulator does not enforce it.

Follows S3's documented "meaning of public": an ACL is public when it grants to the AllUsers or
AuthenticatedUsers groups; a policy is public when an Allow statement names a wildcard principal (or uses
NotPrincipal) and no condition pins it to fixed values of a restricting key (source IP other than the whole
internet, source VPC/endpoint, source or principal account/org/ARN). A public access block then decides what
counts: ``IgnorePublicAcls`` makes public ACLs not count, ``RestrictPublicBuckets`` makes public policies not count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
_RESTRICTING_KEYS = {
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
}
_WORLD = {"0.0.0.0/0", "::/0"}
BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def public_acl_grants(grants: list[Mapping[str, Any]]) -> list[str]:
    """``"AllUsers:READ"`` style descriptions of grants to everyone."""
    found = []
    for grant in grants or ():
        uri = (grant.get("Grantee") or {}).get("URI")
        if uri in (ALL_USERS, AUTHENTICATED_USERS):
            found.append(f"{uri.rsplit('/', 1)[-1]}:{grant.get('Permission')}")
    return found


def _wildcard_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in _as_list(v) for v in principal.values())
    return False


def _pinned(condition: Mapping[str, Any] | None) -> bool:
    """True when a condition restricts the statement to fixed values of a restricting key."""
    for operator, clauses in (condition or {}).items():
        op = operator.lower()
        if "not" in op or op.endswith("ifexists") or not isinstance(clauses, Mapping):
            continue  # a negation or an optional key restricts nothing
        for key, values in clauses.items():
            if key.lower() not in _RESTRICTING_KEYS:
                continue
            items = [str(v) for v in _as_list(values)]
            if not items or any("*" in v or "?" in v for v in items):
                continue
            if key.lower() == "aws:sourceip" and any(v in _WORLD for v in items):
                continue
            return True
    return False


def public_statements(policy: str | Mapping[str, Any] | None) -> list[str]:
    """Sids (or positions) of the statements that make a resource policy public."""
    if not policy:
        return []
    try:
        doc = json.loads(policy) if isinstance(policy, str) else dict(policy)
    except (TypeError, ValueError):
        return []
    found = []
    for position, stmt in enumerate(_as_list(doc.get("Statement") or [])):
        if not isinstance(stmt, Mapping) or stmt.get("Effect") != "Allow":
            continue
        if ("NotPrincipal" in stmt or _wildcard_principal(stmt.get("Principal"))) and not _pinned(
            stmt.get("Condition")
        ):
            found.append(str(stmt.get("Sid") or f"#{position}"))
    return found


def merged_block(*blocks: Mapping[str, Any] | None) -> dict[str, bool]:
    """Bucket and account blocks combine: a flag set on either applies."""
    return {flag: any(bool((b or {}).get(flag)) for b in blocks) for flag in BLOCK_FLAGS}


def bucket_exposure(
    grants: list[Mapping[str, Any]],
    policy: str | Mapping[str, Any] | None,
    bucket_block: Mapping[str, Any] | None,
    account_block: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    block = merged_block(bucket_block, account_block)
    acl = public_acl_grants(grants)
    statements = public_statements(policy)
    reasons = []
    if acl and not block["IgnorePublicAcls"]:
        reasons += [f"acl grants {g}" for g in acl]
    if statements and not block["RestrictPublicBuckets"]:
        reasons += [f"policy statement {s} allows everyone" for s in statements]
    return {
        "acl_public": bool(acl),
        "policy_public": bool(statements),
        "public": bool(reasons),
        "public_reasons": reasons,
        "effective_public_access_block": block,
    }

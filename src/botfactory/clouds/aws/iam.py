"""IAM users and their access keys through boto3 (region ``global``).

Two resource types come out of one listing: ``iamuser`` (with a summary of its keys in ``access_keys``) and
``accesskey`` (one per key: status, creation and last use), so a bot can filter keys by age and disable exactly
the old ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botfactory.clouds.accounts import Account
from botfactory.clouds.aws.common import GLOBAL, Batch, harvest_error, has_code, iso, rid, tag_dict, utc
from botfactory.resources.model import Resource

IAM_USER, ACCESS_KEY = "iamuser", "accesskey"


def _key_details(client: Any, key: Mapping[str, Any]) -> dict[str, Any]:
    used = client.get_access_key_last_used(AccessKeyId=key["AccessKeyId"]).get("AccessKeyLastUsed") or {}
    service = used.get("ServiceName")
    return {
        "access_key_id": key["AccessKeyId"],
        "user_name": key.get("UserName"),
        "status": key.get("Status"),
        "create_date": iso(key.get("CreateDate")),
        "last_used_date": iso(used.get("LastUsedDate")),
        "last_used_service": None if service in (None, "N/A") else service,
        "last_used_region": None if used.get("Region") in (None, "N/A") else used.get("Region"),
    }


def access_key_resource(account_id: str, details: Mapping[str, Any]) -> Resource:
    return Resource(
        resource_id=rid(ACCESS_KEY, account_id, GLOBAL, details["access_key_id"]),
        name=f"{details['user_name']}/{details['access_key_id']}",
        state=str(details.get("status") or ""),
        properties=dict(details),
        created_at=datetime.fromisoformat(details["create_date"]) if details.get("create_date") else None,
    )


def user_resources(account: Account, user: Mapping[str, Any]) -> list[Resource]:
    """The user and its keys, read fresh."""
    client = account.client("iam", GLOBAL)
    aid = account.resource_account_id
    name = user["UserName"]
    tags = tag_dict(client.list_user_tags(UserName=name).get("Tags"))
    keys = [
        _key_details(client, key)
        for page in client.get_paginator("list_access_keys").paginate(UserName=name)
        for key in page.get("AccessKeyMetadata") or ()
    ]
    keys.sort(key=lambda k: k["access_key_id"])
    user_res = Resource(
        resource_id=rid(IAM_USER, aid, GLOBAL, name),
        name=name,
        state="active",
        tags=tags,
        properties={
            "user_id": user.get("UserId"),
            "arn": user.get("Arn"),
            "path": user.get("Path"),
            "create_date": iso(user.get("CreateDate")),
            "password_last_used": iso(user.get("PasswordLastUsed")),
            "access_keys": keys,
            "active_access_keys": sum(1 for k in keys if k["status"] == "Active"),
        },
        created_at=utc(user.get("CreateDate")),
    )
    return [user_res, *(access_key_resource(aid, k) for k in keys)]


def collect_users(account: Account, _region: str = GLOBAL) -> list[Batch]:
    users = Batch(IAM_USER, [GLOBAL])
    keys = Batch(ACCESS_KEY, [GLOBAL])
    client = account.client("iam", GLOBAL)
    for page in client.get_paginator("list_users").paginate():
        for user in page.get("Users") or ():
            try:
                found = user_resources(account, user)
            except Exception as exc:
                users.errors.append(harvest_error(exc, "iam", GLOBAL, IAM_USER, user["UserName"]))
                users.present.add(rid(IAM_USER, account.resource_account_id, GLOBAL, user["UserName"]).to_string())
                keys.complete = False  # this user's keys are unknown: do not take them for deleted
                continue
            users.resources.append(found[0])
            keys.resources += found[1:]
    return [users, keys]


def describe_users(account: Account, names: list[str]) -> list[Resource]:
    """Re-read these users and their keys; users that no longer exist are absent."""
    client = account.client("iam", GLOBAL)
    found: list[Resource] = []
    for name in names:
        try:
            user = client.get_user(UserName=name)["User"]
        except Exception as exc:
            if has_code(exc, "NoSuchEntity"):
                continue
            raise
        found += user_resources(account, user)
    return found


def key_owner(account: Account, access_key_id: str) -> str | None:
    """The user a key belongs to (UpdateAccessKey needs it), or None for an unknown key."""
    try:
        return account.client("iam", GLOBAL).get_access_key_last_used(AccessKeyId=access_key_id).get("UserName")
    except Exception as exc:
        if has_code(exc, "NoSuchEntity", "AccessDenied"):
            return None
        raise

"""boto3 sessions and clients for an account: one Session per thread per account, clients cached per thread.

boto3 Sessions are not thread-safe (boto3 #1592) and creating one costs milliseconds of JSON loading, so each
worker thread keeps its own Session per account (``threading.local``) and its own clients per (service, region).
A changed account (different settings) gets new ones because the settings are part of the cache key.

Credentials never touch the database: a profile is read by boto3 from the machine's AWS config files, a role is
assumed through STS with credentials that refresh themselves before they expire, and the emulator gets its fixed
test keys.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.loaders import Loader, create_loader
from botocore.session import Session as BotocoreSession

# moto accepts any keys; these are its documented test keys, not a secret.
EMULATOR_ACCESS_KEY = "testing"
EMULATOR_SECRET_KEY = "testing"
GLOBAL_REGION = "global"
DEFAULT_REGION = "us-east-1"
ROLE_SESSION_NAME = "botfactory"

_local = threading.local()
_service_locks: dict[str, threading.Lock] = {}


def api_region(region: str) -> str:
    """The region to send a global service's calls to (IAM lives in us-east-1)."""
    return DEFAULT_REGION if region in ("", GLOBAL_REGION) else region


class _AssumeRoleProvider(CredentialProvider):
    """Credentials of an assumed role that botocore refreshes shortly before they expire."""

    METHOD = "botfactory-assume-role"
    CANONICAL_NAME = "botfactory-assume-role"

    def __init__(self, base: boto3.session.Session, settings: Mapping[str, Any]) -> None:
        super().__init__()
        self._base = base
        self._settings = settings

    def load(self) -> RefreshableCredentials:
        return RefreshableCredentials.create_from_metadata(
            metadata=self._fetch(), refresh_using=self._fetch, method=self.METHOD
        )

    def _fetch(self) -> dict[str, str]:
        regions = self._settings.get("regions") or [DEFAULT_REGION]
        sts = self._base.client("sts", region_name=regions[0], endpoint_url=self._settings.get("endpoint_url"))
        kwargs: dict[str, Any] = {
            "RoleArn": self._settings["role_arn"],
            "RoleSessionName": ROLE_SESSION_NAME,
            "DurationSeconds": 3600,
        }
        if self._settings.get("external_id"):
            kwargs["ExternalId"] = self._settings["external_id"]
        creds = sts.assume_role(**kwargs)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }


_loader: Loader | None = None
_loader_lock = threading.Lock()


def _core_session() -> BotocoreSession:
    """A botocore session reading service models through one process-wide loader.

    Each new session would otherwise parse the API models again (EC2's alone takes ~0.2 s), once per thread per
    account. The loader only caches parsed JSON that botocore treats as read-only, which clients of one session
    already share across threads; the session state that is not thread-safe stays per thread.
    """
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = create_loader()
        loader = _loader
    core = BotocoreSession()
    core.register_component("data_loader", loader)
    return core


def _boto3_session(core: BotocoreSession, **kwargs: Any) -> boto3.session.Session:
    session = boto3.session.Session(botocore_session=core, **kwargs)
    with _loader_lock:
        # boto3 appends its own data folder to the (shared) loader's search path for every session: keep one.
        paths = core.get_component("data_loader").search_paths
        paths[:] = list(dict.fromkeys(paths))
    return session


def _base_session(settings: Mapping[str, Any]) -> boto3.session.Session:
    if settings.get("profile"):
        return _boto3_session(_core_session(), profile_name=settings["profile"])
    if settings.get("endpoint_url"):
        return _boto3_session(
            _core_session(), aws_access_key_id=EMULATOR_ACCESS_KEY, aws_secret_access_key=EMULATOR_SECRET_KEY
        )
    return _boto3_session(_core_session())


def new_session(settings: Mapping[str, Any]) -> boto3.session.Session:
    """A fresh boto3 Session for these settings (callers cache it per thread)."""
    base = _base_session(settings)
    if not settings.get("role_arn"):
        return base
    core = _core_session()
    core.register_component("credential_provider", CredentialResolver([_AssumeRoleProvider(base, settings)]))
    return _boto3_session(core)


def client_config(settings: Mapping[str, Any]) -> Config:
    options: dict[str, Any] = {
        # "standard" retries back off on throttling and transient errors, so a busy API slows a harvest down
        # instead of failing it; what still fails after that is reported per service and region.
        "retries": {"mode": "standard", "max_attempts": 5},
        "connect_timeout": 10,
        # The emulator serialises ~200 instances/s on one core: a large page on a busy machine needs minutes.
        "read_timeout": 300 if settings.get("endpoint_url") else 60,
        "user_agent_extra": "botfactory",
        "max_pool_connections": 20,
    }
    if settings.get("endpoint_url"):
        # The emulator answers on an IP address: bucket names cannot be put in the host name.
        options["s3"] = {"addressing_style": "path"}
    return Config(**options)


def _cache_key(account_id: object, settings: Mapping[str, Any]) -> tuple[str, str]:
    return str(account_id), json.dumps(settings, sort_keys=True)


def session_for(account_id: object, settings: Mapping[str, Any]) -> boto3.session.Session:
    sessions: dict[tuple[str, str], boto3.session.Session] = _local.__dict__.setdefault("sessions", {})
    key = _cache_key(account_id, settings)
    session = sessions.get(key)
    if session is None:
        session = sessions[key] = new_session(settings)
    return session


def client_for(account_id: object, settings: Mapping[str, Any], service: str, region: str) -> Any:
    """A boto3 client of this thread for the account, service and region (``global`` = the home region)."""
    clients: dict[tuple[str, str, str, str], Any] = _local.__dict__.setdefault("clients", {})
    key = (*_cache_key(account_id, settings), service, api_region(region))
    client = clients.get(key)
    if client is None:
        session = session_for(account_id, settings)
        # One thread at a time per service: the first one parses the service's models into the shared loader,
        # the others then find them there instead of parsing the same megabytes of JSON side by side.
        with _service_locks.setdefault(service, threading.Lock()):
            client = clients[key] = session.client(
                service,
                region_name=api_region(region),
                endpoint_url=settings.get("endpoint_url"),
                config=client_config(settings),
            )
    return client


def forget_thread_clients() -> None:
    """Drop this thread's sessions and clients (tests that restart the emulator on a new port)."""
    _local.__dict__.pop("sessions", None)
    _local.__dict__.pop("clients", None)

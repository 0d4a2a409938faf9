"""Built-in filters on Resource objects, with a fake clock for ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from botfactory.bots import registry as reg
from botfactory.clock import FakeClock
from tests.fixtures.bots import bot_builtins_fixture, resource  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("bot_builtins")

NOW = datetime(2026, 5, 15, 22, 0, tzinfo=UTC)


def check(uid: str, res, **config) -> bool:
    spec = reg.filters.get(uid)
    return bool(spec.function(res, spec.settings(config)))


def test_tag_filters() -> None:
    owned = resource(tags={"Owner": "alice", "Env": "Prod"})
    bare = resource(tags={"owner": "bob"})
    assert check("divvy.filter.tag_present", owned, tag_key="Owner")
    assert check("divvy.filter.tag_present", bare, tag_key="Owner")  # case-insensitive by default
    assert not check("divvy.filter.tag_present", bare, tag_key="Owner", case_sensitive=True)
    assert check("divvy.filter.tag_absent", resource(), tag_key="Owner")
    assert not check("divvy.filter.tag_absent", owned, tag_key="Owner")
    assert check("divvy.filter.tag_equals", owned, tag_key="Env", tag_value="prod")
    assert not check("divvy.filter.tag_equals", owned, tag_key="Env", tag_value="prod", case_sensitive=True)
    assert not check("divvy.filter.tag_equals", resource(), tag_key="Env", tag_value="")


def test_instance_state_and_type() -> None:
    running = resource(state="running", properties={"instance_type": "t3.micro"})
    assert check("divvy.filter.instance_state", running, states=["running", "pending"])
    assert not check("divvy.filter.instance_state", resource(state="stopped"), states=["running"])
    assert check("divvy.filter.instance_type", running, instance_types=["t3.micro", "m5.large"])
    assert not check("divvy.filter.instance_type", running, instance_types=["m5.large"])


def test_older_than_uses_the_earliest_known_creation_time(fake_clock: FakeClock) -> None:
    fake_clock.set(NOW)
    discovered_today = NOW - timedelta(hours=1)
    launched_long_ago = resource(created_at=discovered_today, properties={"launch_time": "2025-01-01T00:00:00+00:00"})
    assert check("divvy.filter.older_than", launched_long_ago, days=30)
    assert not check("divvy.filter.older_than", resource(created_at=discovered_today), days=1)
    assert check("divvy.filter.older_than", resource(created_at=NOW - timedelta(days=2)), days=1.5)
    assert not check("divvy.filter.older_than", resource(created_at=None), days=0)


def test_name_matches() -> None:
    assert check("divvy.filter.name_matches", resource(name="dev-web-1"), pattern="^dev-")
    assert not check("divvy.filter.name_matches", resource(name="DEV-web"), pattern="^dev-")
    assert check("divvy.filter.name_matches", resource(name="DEV-web"), pattern="^dev-", ignore_case=True)
    assert check("divvy.filter.name_matches", resource(native_id="i-abc"), pattern="^i-a")  # unnamed: native id
    _, errors = reg.filters.get("divvy.filter.name_matches").validate_settings({"pattern": "[z-a]"})
    assert errors and errors[0].field == "pattern"


def test_region_in() -> None:
    assert check("divvy.filter.region", resource(region="eu-west-1"), regions=["eu-west-1"])
    assert not check("divvy.filter.region", resource(region="us-east-1"), regions=["eu-west-1"])


def _group(*rules: dict) -> object:
    return resource("securitygroup", "sg-1", state="available", properties={"ingress_rules": list(rules)})


def _rule(protocol: str = "tcp", low: int | None = 22, high: int | None = 22, v4=(), v6=()) -> dict:
    return {"protocol": protocol, "from_port": low, "to_port": high, "ipv4_ranges": list(v4), "ipv6_ranges": list(v6)}


def test_security_group_open_to_the_world_on_ports() -> None:
    uid = "divvy.filter.security_group_open_to_world"
    ssh_world = _group(_rule(v4=["0.0.0.0/0"]))
    assert check(uid, ssh_world, ports=["22"])
    assert check(uid, ssh_world, ports=[])  # any port
    assert not check(uid, ssh_world, ports=["3389"])
    assert check(uid, _group(_rule(low=0, high=65535, v4=["0.0.0.0/0"])), ports=["3389"])
    assert check(uid, _group(_rule(protocol="-1", low=None, high=None, v4=["0.0.0.0/0"])), ports=["3389"])
    assert not check(uid, _group(_rule(v4=["10.0.0.0/8"])), ports=["22"])
    v6_only = _group(_rule(v6=["::/0"]))
    assert check(uid, v6_only, ports=["22"])
    assert not check(uid, v6_only, ports=["22"], include_ipv6=False)
    _, errors = reg.filters.get(uid).validate_settings({"ports": ["ssh", "70000"]})
    assert errors and errors[0].field == "ports"


def test_bucket_public() -> None:
    public = resource("bucket", "b1", properties={"public": True})
    private = resource("bucket", "b2", properties={"public": False})
    assert check("divvy.filter.bucket_public", public)
    assert not check("divvy.filter.bucket_public", private)
    assert check("divvy.filter.bucket_public", private, public=False)


def test_volume_unencrypted() -> None:
    assert check("divvy.filter.volume_unencrypted", resource("volume", "vol-1", properties={"encrypted": False}))
    assert not check("divvy.filter.volume_unencrypted", resource("volume", "vol-2", properties={"encrypted": True}))


def _key(created_days: float, used_days: float | None, status: str = "Active") -> object:
    return resource(
        "accesskey",
        "AKIA1",
        region="global",
        state=status,
        properties={
            "status": status,
            "create_date": (NOW - timedelta(days=created_days)).isoformat(),
            "last_used_date": None if used_days is None else (NOW - timedelta(days=used_days)).isoformat(),
        },
    )


def test_access_key_age_and_use(fake_clock: FakeClock) -> None:
    fake_clock.set(NOW)
    uid = "divvy.filter.access_key_older_than"
    assert check(uid, _key(120, 1), days=90)
    assert not check(uid, _key(30, None), days=90)
    assert check(uid, _key(120, None), days=90, unused_days=30)  # never used counts as unused
    assert check(uid, _key(120, 45), days=90, unused_days=30)
    assert not check(uid, _key(120, 5), days=90, unused_days=30)
    assert not check(uid, _key(120, None, status="Inactive"), days=90)
    assert check(uid, _key(120, None, status="Inactive"), days=90, active_only=False)


def test_filters_declare_supported_types() -> None:
    assert reg.filters.get("divvy.filter.instance_state").supported_resources == ("instance",)
    assert reg.filters.get("divvy.filter.tag_absent").supports("bucket")

"""ResourceId: DivvyCloud's ``type:account_id:region:native_id:`` form, both ways, and clear errors."""

from __future__ import annotations

import pytest

from botfactory.errors import ValidationError
from botfactory.resources.model import Resource, ResourceId


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("instance:1:us-east-1:i-0abc:", ("instance", "1", "us-east-1", "i-0abc")),
        ("iamuser:7:global:alice:", ("iamuser", "7", "global", "alice")),
        (
            "snstopic:1:us-east-1:arn:aws:sns:us-east-1:123456789012:alerts:",
            ("snstopic", "1", "us-east-1", "arn:aws:sns:us-east-1:123456789012:alerts"),
        ),
    ],
)
def test_parse_and_format_round_trip(text: str, parts: tuple[str, str, str, str]) -> None:
    rid = ResourceId.from_string(text)
    assert (rid.resource_type, rid.account_id, rid.region, rid.native_id) == parts
    assert rid.to_string() == text == str(rid)
    assert ResourceId(*parts) == rid


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("instance:1:us-east-1:i-0abc", "is not of the form type:account_id:region:native_id:"),
        ("instance:1:us-east-1", "is not of the form"),
        ("Instance:1:us-east-1:i-1:", "type 'Instance'"),
        ("instance:1:US EAST:i-1:", "region 'US EAST' is not valid"),
        ("instance:a b:us-east-1:i-1:", "account 'a b' is not valid"),
        ("instance:1:us-east-1::", "native id must be non-empty"),
        ("instance:1:us-east-1:i 1:", "native id must be non-empty without spaces"),
    ],
)
def test_invalid_ids_name_the_problem(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        ResourceId.from_string(text)
    assert says in str(info.value)
    assert info.value.field == "resource_id"


def test_non_string_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be a string"):
        ResourceId.from_string(42)  # type: ignore[arg-type]


def test_resource_accessors_and_dict() -> None:
    res = Resource(ResourceId("instance", "3", "us-west-2", "i-9"), tags={"Owner": "ann"}, state="running")
    assert res.get_resource_id() == "instance:3:us-west-2:i-9:"
    assert res.get_resource_type() == "instance"
    assert res.get_resource_name() == "i-9"  # no name: the native id
    assert res.get_tag("Owner") == "ann" and res.get_tag("Team") is None
    doc = res.to_dict()
    assert doc["resource_id"] == "instance:3:us-west-2:i-9:" and doc["region"] == "us-west-2"
    assert doc["deleted_at"] is None and not res.is_deleted

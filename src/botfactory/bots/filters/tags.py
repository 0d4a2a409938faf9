"""Tag filters: present, absent, equal to a value. They apply to every resource type."""

from __future__ import annotations

from typing import Any

from botfactory.bots.fields import BooleanField, FieldOptions, StringField
from botfactory.bots.filters.base import registry

_KEY = StringField(
    name="tag_key", display_name="Tag key", description="The tag's key, e.g. Owner.", options=FieldOptions.REQUIRED
)
_CASE = BooleanField(
    name="case_sensitive",
    display_name="Case sensitive",
    description="Compare keys (and values) exactly; off by default, as DivvyCloud does.",
    default=False,
)


def _value(resource: Any, key: str, case_sensitive: bool) -> str | None:
    tags = resource.tags
    if key in tags:
        return tags[key]
    if not case_sensitive:
        lowered = key.lower()
        for name, value in tags.items():
            if name.lower() == lowered:
                return value
    return None


@registry.filter(
    uid="divvy.filter.tag_present",
    name="Resource has tag",
    description="Resources that carry the tag key.",
    supported_resources=[],
    settings_config=[_KEY, _CASE],
)
def tag_present(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources that carry the tag ``tag_key`` (any value).

    Example::

        {"name": "divvy.filter.tag_present", "config": {"tag_key": "Owner"}}
    """
    return _value(resource, settings["tag_key"], settings["case_sensitive"]) is not None


@registry.filter(
    uid="divvy.filter.tag_absent",
    name="Resource lacks tag",
    description="Resources that do not carry the tag key.",
    supported_resources=[],
    settings_config=[_KEY, _CASE],
)
def tag_absent(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources without the tag ``tag_key``.

    Example::

        {"name": "divvy.filter.tag_absent", "config": {"tag_key": "Owner"}}
    """
    return _value(resource, settings["tag_key"], settings["case_sensitive"]) is None


@registry.filter(
    uid="divvy.filter.tag_equals",
    name="Resource tag equals",
    description="Resources whose tag has exactly the given value.",
    supported_resources=[],
    settings_config=[
        _KEY,
        StringField(
            name="tag_value",
            display_name="Tag value",
            description="The value to compare with (empty matches an empty value).",
            default="",
        ),
        _CASE,
    ],
)
def tag_equals(resource: Any, settings: dict[str, Any]) -> bool:
    """Resources whose tag ``tag_key`` equals ``tag_value``.

    Example::

        {"name": "divvy.filter.tag_equals", "config": {"tag_key": "Environment", "tag_value": "production"}}
    """
    value = _value(resource, settings["tag_key"], settings["case_sensitive"])
    if value is None:
        return False
    wanted = settings["tag_value"] or ""
    return value == wanted if settings["case_sensitive"] else value.lower() == wanted.lower()

"""Settings fields: coercion, defaults, required values, ranges, choices, templates; errors name the field."""

from __future__ import annotations

import math

import pytest
from jinja2.exceptions import SecurityError

from botfactory.bots.fields import (
    BooleanField,
    FieldError,
    FieldOptions,
    FloatField,
    Jinja2StringField,
    Jinja2TextField,
    MultiSelectionField,
    SelectionField,
    StringField,
    TextField,
    render_template,
)
from botfactory.errors import ValidationError


def test_divvycloud_constructor_shape() -> None:
    field = StringField(name="tag_key", display_name="Tag Key", description="The key.", options=FieldOptions.REQUIRED)
    assert (field.name, field.display_name, field.description, field.required) == (
        "tag_key",
        "Tag Key",
        "The key.",
        True,
    )
    assert StringField(name="x", options=[FieldOptions.REQUIRED, FieldOptions.MONOSPACE]).required
    assert not StringField(name="x").required
    assert StringField(name="message_text").display_name == "Message text"


@pytest.mark.parametrize(
    "bad", [{"name": "not an identifier"}, {"name": "x", "options": ["bogus"]}, {"name": "x", "y": 1}]
)
def test_bad_declarations_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        StringField(**bad)


def test_required_and_default() -> None:
    required = StringField(name="tag_key", options=FieldOptions.REQUIRED)
    for missing in (None, ""):
        with pytest.raises(FieldError, match="'tag_key'.*required") as info:
            required.validate(missing)
        assert info.value.field == "tag_key"
    assert StringField(name="x", default="d").validate(None) == "d"
    assert StringField(name="x", default="d").validate() == "d"


def test_string_and_text() -> None:
    assert StringField(name="s").validate("abc") == "abc"
    with pytest.raises(FieldError, match="'s': must be a string"):
        StringField(name="s").validate(12)
    with pytest.raises(FieldError, match="at most 1024"):
        StringField(name="s").validate("x" * 1025)
    assert TextField(name="t").validate("x" * 5000) == "x" * 5000
    with pytest.raises(FieldError, match="NUL"):
        TextField(name="t").validate("a\x00b")


def test_float_ranges_and_coercion() -> None:
    hours = FloatField(name="hours", min_value=0, max_value=48)
    assert hours.validate(0) == 0.0
    assert hours.validate("0.25") == 0.25
    assert hours.validate(2) == 2.0
    with pytest.raises(FieldError, match="'hours': must be at least 0, got -1"):
        hours.validate(-1)
    with pytest.raises(FieldError, match="at most 48"):
        hours.validate(49)
    for bad in (True, "soon", [1], math.nan, math.inf):
        with pytest.raises(FieldError, match="'hours'"):
            hours.validate(bad)
    with pytest.raises(ValidationError):
        FloatField(name="x", min_value=2, max_value=1)


def test_boolean() -> None:
    flag = BooleanField(name="flag")
    assert flag.validate(None) is False
    assert flag.validate(True) is True
    assert flag.validate("yes") is True
    assert flag.validate("False") is False
    assert flag.validate(1) is True
    with pytest.raises(FieldError, match="'flag': must be true or false"):
        flag.validate("maybe")


def test_selection_choices() -> None:
    level = SelectionField(name="level", choices=["info", "warning"], default="info")
    assert level.validate(None) == "info"
    assert level.validate("warning") == "warning"
    with pytest.raises(FieldError, match=r"'level': must be one of \['info', 'warning'\]"):
        level.validate("loud")
    labelled = SelectionField(name="port", choices=[(22, "SSH"), (3389, "RDP")])
    assert labelled.validate("22") == 22  # "22" and 22 name the same choice
    with pytest.raises(FieldError):
        labelled.validate({"a": 1})


def test_multi_selection() -> None:
    states = MultiSelectionField(name="states", choices=["running", "stopped"], options=FieldOptions.REQUIRED)
    assert states.validate(["running", "running", "stopped"]) == ["running", "stopped"]
    assert states.validate("running") == ["running"]
    with pytest.raises(FieldError, match="'states': needs at least one value"):
        states.validate([])
    with pytest.raises(FieldError, match="'states': must be one of"):
        states.validate(["running", "gone"])
    with pytest.raises(FieldError, match="must be a list"):
        states.validate(5)
    assert MultiSelectionField(name="optional").validate(None) == []


def test_tags_option_accepts_free_values() -> None:
    keys = MultiSelectionField(name="keys", options=[FieldOptions.TAGS], choices=["Owner"])
    assert keys.validate(["Owner", "CostCenter"]) == ["Owner", "CostCenter"]
    with pytest.raises(FieldError):
        keys.validate([{"nested": True}])


def test_jinja2_fields_compile_templates() -> None:
    message = Jinja2TextField(name="message")
    assert message.validate("{{ resource.name }} is open") == "{{ resource.name }} is open"
    with pytest.raises(FieldError, match="'message': template does not compile"):
        message.validate("{{ resource.name ")
    with pytest.raises(FieldError, match="'subject'"):
        Jinja2StringField(name="subject").validate("{% if %}")


def test_templates_render_in_a_sandbox() -> None:
    assert render_template("{{ a }}-{{ b|upper }}", a=1, b="x") == "1-X"
    with pytest.raises(SecurityError):
        render_template("{{ x.__class__.__mro__[1].__subclasses__() }}", x="")


def test_schema_describes_the_field() -> None:
    schema = FloatField(name="hours", options=FieldOptions.REQUIRED, min_value=0, default=1).to_schema()
    assert schema == {
        "name": "hours",
        "type": "float",
        "display_name": "Hours",
        "description": "",
        "options": ["required"],
        "required": True,
        "default": 1,
        "min_value": 0.0,
        "max_value": None,
    }
    assert SelectionField(name="s", choices=[("a", "A")]).to_schema()["choices"] == [["a", "A"]]

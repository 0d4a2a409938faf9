"""Settings fields of filters and actions, in DivvyCloud's shape (``DivvyUtils.field_definition``).

Each field is declared with ``name``, ``display_name``, ``description``, ``options`` and, per type, ``min_value``,
``max_value``, ``choices`` and ``default``. ``field.validate(value)`` returns the coerced value or raises a
``FieldError`` that names the field; a missing value (``None``) becomes the default, or an error when the field
is required. Templates are compiled in Jinja2's sandbox so a bot cannot be saved with a template that will not
render later.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from botfactory.errors import ValidationError

__all__ = [
    "BooleanField",
    "Field",
    "FieldError",
    "FieldOptions",
    "FloatField",
    "Jinja2StringField",
    "Jinja2TextField",
    "MultiSelectionField",
    "SelectionField",
    "StringField",
    "TextField",
    "render_template",
]

_MISSING: Any = object()
MAX_STRING = 1024
MAX_TEXT = 65536


class FieldOptions:
    """Flags a field may carry (``options=[FieldOptions.REQUIRED]`` or a single flag)."""

    REQUIRED = "required"
    # A free list of strings (tag keys, ports, ...): choices are suggestions, not a restriction.
    TAGS = "tags"
    # Shown in a fixed-width font (code, JSON, templates); no effect on validation.
    MONOSPACE = "monospace"

    ALL: ClassVar[tuple[str, ...]] = (REQUIRED, TAGS, MONOSPACE)


class FieldError(ValidationError):
    """A setting does not fit its field; ``field`` is the field's name."""

    @property
    def reason(self) -> str:
        """The message without its ``field 'name': `` prefix (for callers that name the field themselves)."""
        prefix = f"field {self.field!r}: "
        return self.message[len(prefix) :] if self.message.startswith(prefix) else self.message


def _options(options: Any) -> frozenset[str]:
    if options is None:
        return frozenset()
    if isinstance(options, str):
        options = [options]
    flags = frozenset(str(getattr(o, "value", o)) for o in options)
    unknown = flags - set(FieldOptions.ALL)
    if unknown:
        raise ValidationError(f"unknown field option(s) {sorted(unknown)}; known: {list(FieldOptions.ALL)}")
    return flags


class Field:
    """Base of every field type. Subclasses implement ``_coerce`` for a present (non-None) value."""

    type_name: ClassVar[str] = "field"

    def __init__(
        self,
        name: str,
        display_name: str | None = None,
        description: str = "",
        options: Any = None,
        default: Any = None,
        **extra: Any,
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(f"field name must be an identifier, got {name!r}", field="name", value=name)
        if extra:
            raise ValidationError(f"field {name!r}: unknown argument(s) {sorted(extra)}", field=name)
        self.name = name
        self.display_name = display_name or name.replace("_", " ").capitalize()
        self.description = description or ""
        self.options = _options(options)
        self.default = default

    @property
    def required(self) -> bool:
        return FieldOptions.REQUIRED in self.options

    def error(self, message: str, value: Any = None) -> FieldError:
        return FieldError(f"field {self.name!r}: {message}", field=self.name, value=value)

    def validate(self, value: Any = _MISSING) -> Any:
        """The value to use: coerced, or the default when absent. Raises ``FieldError`` naming the field."""
        if value is _MISSING or value is None or (value == "" and self.required):
            if self.required:
                raise self.error("is required")
            return self.default
        return self._coerce(value)

    def _coerce(self, value: Any) -> Any:
        return value

    def to_schema(self) -> dict[str, Any]:
        """A JSON description of the field (for docs, the API and the registry tests)."""
        schema: dict[str, Any] = {
            "name": self.name,
            "type": self.type_name,
            "display_name": self.display_name,
            "description": self.description,
            "options": sorted(self.options),
            "required": self.required,
            "default": self.default,
        }
        schema.update(self._schema_extra())
        return schema

    def _schema_extra(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class StringField(Field):
    type_name = "string"
    max_length = MAX_STRING

    def _coerce(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(f"must be a string, got {type(value).__name__}", value)
        if len(value) > self.max_length:
            raise self.error(f"must be at most {self.max_length} characters", len(value))
        if "\x00" in value:
            raise self.error("must not contain NUL bytes")
        return value


class TextField(StringField):
    type_name = "text"
    max_length = MAX_TEXT


_environment = SandboxedEnvironment(autoescape=False, undefined=jinja2.Undefined)


def render_template(source: str, **context: Any) -> str:
    """Render a template in the sandbox (templates come from bot JSON, so they may not reach Python internals)."""
    return _environment.from_string(source).render(**context)


class _Jinja2Mixin(StringField):
    def _coerce(self, value: Any) -> str:
        text = super()._coerce(value)
        try:
            _environment.parse(text)
        except jinja2.TemplateSyntaxError as exc:
            raise self.error(f"template does not compile: {exc.message} (line {exc.lineno})", text) from exc
        return text


class Jinja2StringField(_Jinja2Mixin, StringField):
    type_name = "jinja2_string"


class Jinja2TextField(_Jinja2Mixin, TextField):
    type_name = "jinja2_text"
    max_length = MAX_TEXT


class FloatField(Field):
    type_name = "float"

    def __init__(
        self,
        name: str,
        display_name: str | None = None,
        description: str = "",
        options: Any = None,
        default: Any = None,
        min_value: float | None = None,
        max_value: float | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(name, display_name, description, options, default, **extra)
        self.min_value = None if min_value is None else float(min_value)
        self.max_value = None if max_value is None else float(max_value)
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError(f"field {name!r}: min_value is above max_value", field=name)

    def _coerce(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self.error("must be a number, got a boolean", value)
        try:
            number = float(value.strip()) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise self.error(f"must be a number, got {value!r}", value) from None
        if not math.isfinite(number):
            raise self.error("must be a finite number", value)
        if self.min_value is not None and number < self.min_value:
            raise self.error(f"must be at least {self.min_value:g}, got {number:g}", value)
        if self.max_value is not None and number > self.max_value:
            raise self.error(f"must be at most {self.max_value:g}, got {number:g}", value)
        return number

    def _schema_extra(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value}


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class BooleanField(Field):
    type_name = "boolean"

    def __init__(
        self,
        name: str,
        display_name: str | None = None,
        description: str = "",
        options: Any = None,
        default: Any = False,
        **extra: Any,
    ) -> None:
        super().__init__(name, display_name, description, options, default, **extra)

    def _coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise self.error(f"must be true or false, got {value!r}", value)


def _choice_values(choices: Iterable[Any] | None) -> list[Any]:
    """Choices are plain values or ``(value, label)`` pairs; validation looks at the values."""
    values = []
    for choice in choices or ():
        if isinstance(choice, (tuple, list)) and len(choice) == 2:
            values.append(choice[0])
        elif isinstance(choice, dict) and "value" in choice:
            values.append(choice["value"])
        else:
            values.append(choice)
    return values


class SelectionField(Field):
    type_name = "selection"

    def __init__(
        self,
        name: str,
        display_name: str | None = None,
        description: str = "",
        options: Any = None,
        default: Any = None,
        choices: Sequence[Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(name, display_name, description, options, default, **extra)
        self.choices = list(choices or [])
        self.values = _choice_values(self.choices)

    def _check_one(self, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            raise self.error(f"must be one value, got {type(value).__name__}", value)
        if FieldOptions.TAGS in self.options or not self.values:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise self.error(f"must be a string or a number, got {value!r}", value)
            return value
        if value in self.values:
            return value
        text = str(value)
        for choice in self.values:
            if str(choice) == text:  # "80" and 80 name the same choice
                return choice
        raise self.error(f"must be one of {self.values}, got {value!r}", value)

    def _coerce(self, value: Any) -> Any:
        return self._check_one(value)

    def _schema_extra(self) -> dict[str, Any]:
        return {"choices": [list(c) if isinstance(c, tuple) else c for c in self.choices]}


class MultiSelectionField(SelectionField):
    type_name = "multi_selection"

    def validate(self, value: Any = _MISSING) -> Any:
        if isinstance(value, (list, tuple)) and not value and self.required:
            raise self.error("needs at least one value")
        result = super().validate(value)
        # An absent list is an empty one (a copy, so callers cannot change the declared default).
        return list(result) if result is not None else []

    def _coerce(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            value = [value]  # one value typed alone is a list of one
        if not isinstance(value, (list, tuple)):
            raise self.error(f"must be a list, got {type(value).__name__}", value)
        result: list[Any] = []
        for item in value:
            checked = self._check_one(item)
            if checked not in result:
                result.append(checked)
        return result

"""Click parameter types shared by commands."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import click

from botfactory.clock import as_utc, now

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class MomentType(click.ParamType):
    """An ISO-8601 time (naive = UTC) or a duration ago such as ``90m``, ``24h``, ``7d``."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return as_utc(value)
        text = str(value).strip()
        match = _AGO.match(text)
        if match:
            return now() - timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})
        try:
            return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            self.fail(f"{text!r} is neither an ISO-8601 time nor a duration like 24h or 7d", param, ctx)


class IdType(click.ParamType):
    """A positive 64-bit id."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an id (a positive integer)", param, ctx)
        if not 0 < number < 2**63:
            self.fail(f"{value!r} is out of range for an id", param, ctx)
        return number


MOMENT = MomentType()
ID = IdType()

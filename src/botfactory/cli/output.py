"""Output for people (rich tables on stdout) and for scripts (one JSON document on stdout, DESIGN §11)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

stderr = Console(stderr=True)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    return value


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(document), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(to_jsonable(value), sort_keys=True)
    return str(value)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Iterable[str], *, as_json: bool, title: str = "") -> None:
    """A list of objects: a JSON array of every key, or a table of the chosen columns."""
    if as_json:
        print_json(list(rows))
        return
    cols = list(columns)
    table = Table(title=title or None, show_lines=False, header_style="bold")
    for col in cols:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(col)) for col in cols))
    Console().print(table)
    if not rows:
        stderr.print("[dim](none)[/dim]")


def print_object(obj: Mapping[str, Any], *, as_json: bool, title: str = "") -> None:
    if as_json:
        print_json(obj)
        return
    table = Table(title=title or None, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in obj.items():
        table.add_row(key, _cell(value))
    Console().print(table)

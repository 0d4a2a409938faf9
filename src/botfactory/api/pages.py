"""Answer bodies: the list envelope ``{"items", "total", "limit", "offset"}`` and JSON-ready values.

Times are written with ``isoformat()`` here (``2026-11-28T21:00:00+00:00``, DESIGN §11) rather than left to
the framework, whose encoder writes ``Z``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return value


def page(items: Iterable[Any], total: int, limit: int, offset: int, **extra: Any) -> dict[str, Any]:
    body = {"items": [jsonable(item) for item in items], "total": total, "limit": limit, "offset": offset}
    body.update(jsonable(extra))
    return body

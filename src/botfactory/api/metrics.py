"""Prometheus text exposition (format 0.0.4), written by hand: a handful of gauges do not need a client library.

Every value is read from the database at scrape time, so any replica of the server reports the same fleet-wide
numbers and nothing has to be kept in process memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from botfactory.api.overview import dispatch_lag
from botfactory.api.services import Services
from botfactory.clock import now
from botfactory.events.store import EventFilter, HistoryFilter

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            self.lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def render(self) -> str:
        return "\n".join(self.lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_metrics(services: Services) -> str:
    store = services.events
    moment = now()
    # One call: the event counts, and history outcomes of the last day (an index range, not the whole table).
    stats = store.stats(HistoryFilter(since=moment - timedelta(hours=24)))
    workers = services.live_workers()
    out = Exposition()
    out.metric(
        "botfactory_events_due",
        "gauge",
        "Pending events whose due time has come.",
        [({}, store.count_events(EventFilter(states=["pending"], until=moment)))],
    )
    out.metric(
        "botfactory_events_running",
        "gauge",
        "Events a worker is running now.",
        [({}, stats["events_by_state"].get("running", 0))],
    )
    out.metric(
        "botfactory_events",
        "gauge",
        "Scheduled events by state and event type (finished ones: succeeded, failed, cancelled, skipped).",
        [
            ({"event_type": event_type, "state": state}, count)
            for event_type, states in sorted(stats["events_by_type"].items())
            for state, count in sorted(states.items())
        ],
    )
    history = stats["history_by_status"]
    out.metric(
        "botfactory_history_recent",
        "gauge",
        "Execution attempts finished in the last 24 hours, by status.",
        [({"status": status}, count) for status, count in sorted(history.items())],
    )
    out.metric(
        "botfactory_dispatch_lag_seconds",
        "gauge",
        "How long the oldest due event that a live worker could run has been waiting.",
        [({}, dispatch_lag(store, workers, now=moment))],
    )
    out.metric("botfactory_workers", "gauge", "Live worker processes.", [({}, len(workers))])
    out.metric(
        "botfactory_worker_slots",
        "gauge",
        "Threads of live worker processes.",
        [({}, sum(w.concurrency for w in workers))],
    )
    return out.render()

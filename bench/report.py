"""Comparison rows and the two result files: ``results/latest.md`` (a table) and ``results/latest.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import Case

RESULTS = Path(__file__).resolve().parent / "results"
SOLO = "— (no peer)"


@dataclass
class Row:
    """botfactory against one peer (or against itself, for the backlog), as ``ratio = botfactory / peer``."""

    workload: str
    metric: str  # unit of both values, e.g. "events/s"
    higher_is_better: bool
    bf_label: str
    bf_value: float | None
    peer_label: str
    peer_value: float | None
    target: float | None = None  # on the ratio: >= target when higher is better, <= target otherwise
    target_text: str = ""
    note: str = ""
    bf_n: int | None = None
    peer_n: int | None = None
    ratio: float | None = field(default=None, init=False)
    status: str = field(default="", init=False)

    def __post_init__(self) -> None:
        if self.bf_value is not None and self.peer_value:
            self.ratio = self.bf_value / self.peer_value
        if self.peer_label == SOLO and self.bf_value is not None:
            self.status = "botfactory only"
        elif self.bf_value is None or self.peer_value is None:
            self.status = "not measured"
        elif self.target is None:
            self.status = "reference"
        elif self.ratio is None:
            self.status = "n/a"
        else:
            met = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
            self.status = "met" if met else "MISSED"


def compare(
    workload: str,
    metric: str,
    bf: Case,
    peer: Case,
    *,
    higher_is_better: bool = True,
    target: float | None = None,
    target_text: str = "",
    note: str = "",
    value_key: str | None = None,
) -> Row:
    """A row from two measured cases (medians); a case that failed says why in the note."""
    if target is not None and not target_text:
        target_text = f"{'≥' if higher_is_better else '≤'} {target:g}×"
    bf_value = bf.median_of(value_key) if value_key else bf.median
    peer_value = peer.median_of(value_key) if value_key else peer.median
    notes = [note] if note else []
    for case in (bf, peer):
        if case.errors:
            notes.append(f"{case.label}: {case.errors[0][:300]}")
    return Row(
        workload,
        metric,
        higher_is_better,
        bf.label,
        bf_value,
        peer.label,
        peer_value,
        target,
        target_text,
        "; ".join(notes),
        bf.last("n"),
        peer.last("n"),
    )


def solo(workload: str, metric: str, case: Case, *, value_key: str | None = None, note: str = "",
         higher_is_better: bool = True) -> Row:  # fmt: skip
    """A botfactory-only row (no peer does this): the value and what it means."""
    value = case.median_of(value_key) if value_key else case.median
    notes = [note] if note else []
    if case.errors:
        notes.append(f"{case.label}: {case.errors[0][:300]}")
    return Row(workload, metric, higher_is_better, case.label, value, SOLO, None, note="; ".join(notes),
               bf_n=case.last("n"))  # fmt: skip


def _num(value: float | None, metric: str) -> str:
    if value is None:
        return "—"
    if "ms" in metric or value < 10:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return "—"
    return f"{row.ratio:,.2f}×" if row.ratio < 10 else f"{row.ratio:,.0f}×"


def markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    machine = meta["machine"]
    pg_settings = machine.get("postgresql_settings") or {}
    lines = [
        "# botfactory vs peers — latest results",
        "",
        f"Run {meta['finished_at']} ({'quick' if meta['quick'] else 'full'} mode, {meta['seconds']:.0f} s), "
        f"commit {machine.get('git_commit') or '?'}"
        + (
            f" plus {machine['src_changed_files']} uncommitted files under src/ (the working tree was measured)."
            if machine.get("src_changed_files")
            else "."
        ),
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, {machine['os']}; "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, PostgreSQL {machine.get('postgresql')} "
        f"({', '.join(f'{k}={v}' for k, v in pg_settings.items())}), Redis {machine.get('redis')}.",
        f"Load average (1, 5, 15 min) at start {meta['load']['start']}, at end {meta['load']['end']} on "
        f"{machine['nproc']} cores: other work on the machine slows every system alike; see latest.json per run.",
        "Peers: " + ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v) + ".",
        "",
        "`ratio` is botfactory ÷ peer; the `better` column says which direction wins for that row. "
        "Values are medians of the runs listed in latest.json.",
        "",
        "| workload | unit | better | botfactory | n | value | peer | n | value | ratio | target | result | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        better = "higher" if row.higher_is_better else "lower"
        cells = [
            row.workload,
            row.metric,
            better,
            row.bf_label,
            f"{row.bf_n:,}" if row.bf_n else "",
            _num(row.bf_value, row.metric),
            row.peer_label,
            f"{row.peer_n:,}" if row.peer_n else "",
            _num(row.peer_value, row.metric),
            _ratio(row),
            row.target_text or "—",
            f"**{row.status}**" if row.status == "MISSED" else row.status,
            row.note.replace("|", "/").replace("\n", " "),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    extra = meta.get("sections") or []
    for title, text in extra:
        lines += ["", f"## {title}", "", text]
    return "\n".join(lines) + "\n"


def write(rows: list[Row], cases: list[Case], meta: dict[str, Any], directory: Path = RESULTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    meta = {**meta, "finished_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (directory / "latest.md").write_text(markdown(rows, meta), encoding="utf-8")
    document = {
        "meta": meta,
        "rows": [asdict(row) for row in rows],
        "cases": {case.key: case.summary() for case in cases},
    }
    (directory / "latest.json").write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
    return directory / "latest.md"

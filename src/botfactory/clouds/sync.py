"""Store what a provider read from the cloud and tell the hookpoints what changed.

Harvests and remediations both end here, so a resource changed by a bot action fires ``modified`` exactly like
one changed by hand in the console and found by the next harvest. Handlers run after the transaction commits,
so they see the stored state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from botfactory.resources import hookpoints
from botfactory.resources.model import Resource
from botfactory.resources.store import ResourceStore


@dataclass
class SyncResult:
    created: list[Resource] = field(default_factory=list)
    modified: list[tuple[Resource, Resource]] = field(default_factory=list)
    unchanged: list[Resource] = field(default_factory=list)
    deleted: list[Resource] = field(default_factory=list)

    @property
    def current(self) -> list[Resource]:
        """The stored state of every resource written or confirmed (not the deleted ones)."""
        return self.created + [new for _old, new in self.modified] + self.unchanged

    def merge(self, other: SyncResult) -> None:
        self.created += other.created
        self.modified += other.modified
        self.unchanged += other.unchanged
        self.deleted += other.deleted


def emit_changes(result: SyncResult) -> None:
    for res in result.created:
        hookpoints.emit("created", res)
    for old, new in result.modified:
        hookpoints.emit("modified", new, old_resource=old)
    for res in result.deleted:
        hookpoints.emit("destroyed", res)


def sync_scope(
    store: ResourceStore,
    resource_type: str,
    account_id: str,
    regions: Sequence[str],
    resources: Sequence[Resource],
    *,
    present: Iterable[str] = (),
    complete: bool = True,
) -> SyncResult:
    """Upsert ``resources`` (grouped per region) and, when the listing was ``complete``, mark the resources of
    ``regions`` that were neither harvested nor in ``present`` (seen, but their details failed) deleted."""
    result = SyncResult()
    by_region: dict[str, list[Resource]] = defaultdict(list)
    for res in resources:
        by_region[res.region].append(res)
    for region_resources in by_region.values():
        done = store.upsert(region_resources)
        result.created += done.created
        result.modified += done.modified
        result.unchanged += done.unchanged
    if complete:
        keep = {res.get_resource_id() for res in resources} | set(present)
        for region in regions:
            result.deleted += store.mark_missing(resource_type, account_id, region, keep)
    emit_changes(result)
    return result


def sync_refreshed(store: ResourceStore, found: Sequence[Resource], missing: Iterable[str]) -> SyncResult:
    """After a remediation: store the re-read resources and mark the ones the cloud no longer has deleted."""
    result = SyncResult()
    by_scope: dict[tuple[str, str, str], list[Resource]] = defaultdict(list)
    for res in found:
        by_scope[(res.resource_type, res.account_id, res.region)].append(res)
    for batch in by_scope.values():
        done = store.upsert(batch)
        result.created += done.created
        result.modified += done.modified
        result.unchanged += done.unchanged
    result.deleted = store.mark_deleted(list(missing))
    emit_changes(result)
    return result

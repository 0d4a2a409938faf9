"""Harvest an AWS account through boto3 into the resource store.

Resource types (the first part of a resource id ``type:account_id:region:native_id:``):

============== ======================= =========================================================================
type           native id               what
============== ======================= =========================================================================
instance       instance id             EC2 instance; ``properties.launch_time``, type, network, groups, volumes
volume         volume id               EBS volume; size, type, encryption, attachments
securitygroup  group id                ingress/egress rules; ``world_open_ingress`` lists 0.0.0.0/0 and ::/0 rules
bucket         bucket name             S3 bucket; public access block, ACL grants, policy, and ``public`` /
                                       ``public_reasons`` computed as AWS would (the emulator does not enforce it)
iamuser        user name               region ``global``; ``access_keys`` summarises its keys
accesskey      access key id           region ``global``; status, ``create_date``, ``last_used_*``, ``user_name``
snstopic       topic ARN               attributes, policy, subscription counts
sqsqueue       queue name              URL, attributes (without the ever-changing message counts), policy
============== ======================= =========================================================================

IAM keys are both a summary on their user and resources of their own, so bots can filter and disable single
keys by age. Every configured region is read (all enabled regions when the account lists none); the units of
work (a service in a region) run on a small thread pool, while storing and hookpoints happen on the calling
thread. An error or throttling that outlasts boto3's retries fails only its unit (or only one resource) and is
reported in the result; nothing read by that unit is marked deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from botfactory import clock
from botfactory.clouds.accounts import Account, AccountStore
from botfactory.clouds.aws import ec2, iam, messaging, s3
from botfactory.clouds.aws.common import GLOBAL, Batch, harvest_error
from botfactory.clouds.aws.settings import EMULATOR_REGIONS
from botfactory.clouds.base import HarvestResult, ProgressCallback
from botfactory.clouds.sync import sync_scope
from botfactory.errors import ValidationError
from botfactory.resources.model import Resource
from botfactory.resources.store import ResourceStore

log = logging.getLogger(__name__)

RESOURCE_TYPES = (
    ec2.INSTANCE,
    ec2.VOLUME,
    ec2.SECURITY_GROUP,
    s3.BUCKET,
    iam.IAM_USER,
    iam.ACCESS_KEY,
    messaging.SNS_TOPIC,
    messaging.SQS_QUEUE,
)


HARVEST_THREADS = 4  # enough to overlap network waits; more only adds boto3 sessions to warm up
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """One long-lived pool for every harvest of the process: its threads keep their boto3 sessions and clients
    (thread-local), and a new session costs ~0.2 s of model loading per service, more than a small harvest."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=HARVEST_THREADS, thread_name_prefix="botfactory-harvest")
        return _pool


@dataclass(frozen=True)
class Unit:
    """One service in one region (or the account-wide listing of a global service)."""

    service: str
    region: str
    types: tuple[str, ...]
    collect: Callable[[], list[Batch]]

    @property
    def label(self) -> str:
        return f"{'/'.join(self.types)} {self.region}"


def regions_of(account: Account) -> list[str]:
    if account.regions:
        return account.regions
    if account.endpoint_url:
        return list(EMULATOR_REGIONS)
    response = account.client("ec2", "us-east-1").describe_regions(AllRegions=False)
    return sorted(r["RegionName"] for r in response.get("Regions") or ())


def _units(account: Account, regions: list[str], wanted: set[str]) -> list[Unit]:
    units: list[Unit] = []
    regional = (
        ("ec2", (ec2.INSTANCE,), ec2.collect_instances),
        ("ec2", (ec2.VOLUME,), ec2.collect_volumes),
        ("ec2", (ec2.SECURITY_GROUP,), ec2.collect_security_groups),
        ("sns", (messaging.SNS_TOPIC,), messaging.collect_topics),
        ("sqs", (messaging.SQS_QUEUE,), messaging.collect_queues),
    )
    for region in regions:
        for service, types, fn in regional:
            if wanted & set(types):
                units.append(Unit(service, region, types, lambda fn=fn, region=region: fn(account, region)))
    if s3.BUCKET in wanted:
        units.append(Unit("s3", GLOBAL, (s3.BUCKET,), lambda: s3.collect_buckets(account, regions)))
    if wanted & {iam.IAM_USER, iam.ACCESS_KEY}:
        units.append(Unit("iam", GLOBAL, (iam.IAM_USER, iam.ACCESS_KEY), lambda: iam.collect_users(account)))
    # Slow units first: instance listings dominate large accounts, so they should not start last.
    units.sort(key=lambda u: u.types != (ec2.INSTANCE,))
    return units


def harvest_account(
    account: Account,
    store: ResourceStore,
    *,
    progress: ProgressCallback | None = None,
    resource_types: list[str] | None = None,
) -> HarvestResult:
    """Read the account's resources into ``store``. Cloud errors are reported in the result, never raised (a
    database error is: without the store there is nothing to report into)."""
    wanted = set(resource_types or RESOURCE_TYPES)
    unknown = wanted - set(RESOURCE_TYPES)
    if unknown:
        raise ValidationError(
            f"resource_types: unknown {sorted(unknown)}; known: {', '.join(RESOURCE_TYPES)}", field="resource_types"
        )
    result = HarvestResult(account.resource_account_id, account.name, clock.now())
    try:
        regions = regions_of(account)
    except Exception as exc:
        result.errors.append(harvest_error(exc, "ec2", "us-east-1"))
        result.finished_at = clock.now()
        return result
    result.regions = regions
    units = _units(account, regions, wanted)
    total = len(units)
    if progress:
        progress(0, total, "starting")
    pool = _executor()
    futures = {pool.submit(unit.collect): unit for unit in units}
    for done, future in enumerate(as_completed(futures), start=1):
        unit = futures[future]
        try:
            batches = future.result()
        except Exception as exc:
            # The listing itself failed: report it and leave what is stored for this unit untouched.
            result.errors.append(harvest_error(exc, unit.service, unit.region, "/".join(unit.types)))
            log.warning("harvest %s: %s %s failed: %s", account.name, unit.service, unit.region, exc)
        else:
            for batch in batches:
                if batch.resource_type in wanted:
                    _store(store, account, batch, result)
        if progress:
            progress(done, total, unit.label)
    if wanted == set(RESOURCE_TYPES):  # last_harvested_at means every type was read, not a --types subset
        AccountStore(store.db).mark_harvested(account.id, clock.now())
    result.finished_at = clock.now()
    return result


def _store(store: ResourceStore, account: Account, batch: Batch, result: HarvestResult) -> None:
    result.errors += batch.errors
    synced = sync_scope(
        store,
        batch.resource_type,
        account.resource_account_id,
        batch.regions,
        batch.resources,
        present=batch.present,
        complete=batch.complete,
    )
    counts = result.count(batch.resource_type)
    counts.created += len(synced.created)
    counts.modified += len(synced.modified)
    counts.unchanged += len(synced.unchanged)
    counts.deleted += len(synced.deleted)


def describe_resources(account: Account, resource_type: str, region: str, native_ids: list[str]) -> list[Resource]:
    """Re-read resources of one type and region from the cloud; the ones that no longer exist are absent."""
    if resource_type in (ec2.INSTANCE, ec2.VOLUME, ec2.SECURITY_GROUP):
        return ec2.describe(account, resource_type, region, native_ids)
    if resource_type == s3.BUCKET:
        return s3.describe(account, region, native_ids)
    if resource_type == iam.IAM_USER:
        return [r for r in iam.describe_users(account, native_ids) if r.resource_type == iam.IAM_USER]
    if resource_type == iam.ACCESS_KEY:
        owners = {key: iam.key_owner(account, key) for key in native_ids}
        users = sorted({user for user in owners.values() if user})
        wanted = set(native_ids)
        return [
            r for r in iam.describe_users(account, users) if r.resource_type == iam.ACCESS_KEY and r.native_id in wanted
        ]
    if resource_type == messaging.SNS_TOPIC:
        return messaging.describe_topics(account, region, native_ids)
    if resource_type == messaging.SQS_QUEUE:
        return messaging.describe_queues(account, region, native_ids)
    raise ValidationError(
        f"resource type {resource_type!r} is not an AWS type this harvest knows", field="resource_type"
    )

"""Writes of the channels app: feeds, their schedules and tokens, and builds.

A build is a FeedRun: chunks of the catalog built by Celery workers in parallel (a chord), each writing
a part file and its held-back items; the last step concatenates the parts in order, checksums the file,
writes a gzip copy and swaps the feed's pointer to it in one short transaction. Until then, and if
anything fails, the channel keeps pulling the last good file.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from celery import chord
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_celery_beat.models import PeriodicTask
from django_celery_beat.validators import crontab_validator
from storages.backends.s3 import S3Storage

from apps.assets.events import AssetsChanged, AssetsExpired
from apps.campaigns.events import CampaignChanged
from apps.channels import formats, selectors
from apps.channels.events import FeedPublished
from apps.channels.models import Feed, FeedIssue, FeedRun, FeedRunStep, PullToken
from apps.core import events, tokens
from apps.core.instants import instant_check
from apps.core.models import Channel, User
from apps.core.schedules import crontab_for
from apps.core.services import audit_record
from apps.core.stored_text import parts_of, said
from apps.inventory.events import StockChanged
from apps.pricing.events import EffectivePricesChanged
from apps.pricing.modifiers import awaiting_approval_included
from apps.products import services as product_services
from apps.products.events import ProductsChanged
from apps.quality.selectors import Blocker, blocked_products
from apps.quality.services import HeldBack, feed_held_back_record

log = logging.getLogger(__name__)
KEEP_RUNS = 10
STALE_AFTER = timedelta(hours=2)


def _audit(actor: User | None, action: str, feed: Feed, diff: dict[str, Any] | None = None) -> None:
    audit_record(actor=actor, action=action, object_type="feed", object_code=str(feed), diff=diff)


def _check(feed: Feed) -> None:
    if feed.locale_id not in set(feed.channel.locales.values_list("code", flat=True)):
        raise ValidationError({"locale": f"{feed.channel.code} does not serve {feed.locale_id}"})
    feed.full_clean()


@transaction.atomic
def feed_create(
    *,
    actor: User | None,
    channel: Channel,
    name: str,
    format: str,
    locale: str,
    cron: str = "",
    **options: Any,
) -> Feed:
    feed = Feed(channel=channel, name=name, format=format, locale_id=locale, **options)
    _check(feed)
    feed.save()
    if cron:
        feed_schedule_set(actor=actor, feed=feed, cron=cron)
    _audit(actor, "feed.create", feed, {"format": format, "locale": locale})
    if feed.is_active:
        product_services.completeness_schedule()  # the channel now requires what the format requires
    return feed


FEED_SETTINGS = (
    "name", "format", "locale_id", "category_root", "mapping", "link_template", "sold_out", "strip_html",
    "push_url", "is_active",
)  # fmt: skip


# the settings that decide which attributes the feed's channel requires (see formats.required_attributes)
REQUIRING = frozenset({"format", "mapping", "is_active"})


@transaction.atomic
def feed_update(*, actor: User | None, feed: Feed, **changes: Any) -> Feed:
    """Change a feed's settings; the next build (marked due) applies them."""
    unknown = set(changes) - set(FEED_SETTINGS)
    if unknown:
        raise ValidationError({"__all__": f"not feed settings: {', '.join(sorted(unknown))}"})
    before = {key: getattr(feed, key) for key in changes}
    for key, value in changes.items():
        setattr(feed, key, value)
    _check(feed)
    feed.dirty = True
    feed.save()
    diff = {key: [before[key], value] for key, value in changes.items() if before[key] != value}
    _audit(actor, "feed.update", feed, diff)
    if REQUIRING.intersection(diff):
        product_services.completeness_schedule()  # what the channel requires may have changed
    return feed


def cron_check(cron: str) -> str:
    """The cron string, spaces tidied, once django-celery-beat's own validator accepts every field: a
    minute 61 stored as a schedule would make beat fail at every tick."""
    cron = " ".join(cron.split())
    if len(cron.split()) != 5:
        message = _("%(cron)s needs five fields: minute hour day-of-month month day-of-week")
        raise ValidationError({"cron": message % {"cron": cron}})
    try:
        crontab_validator(cron)
    except ValidationError as exc:
        message = _(
            "%(cron)s is not a valid schedule: minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6 "
            "(or *, ranges a-b, lists a,b and steps */n)"
        )
        raise ValidationError({"cron": message % {"cron": cron}}) from exc
    return cron


@transaction.atomic
def feed_schedule_set(*, actor: User | None, feed: Feed, cron: str) -> Feed:
    """Build the feed on a cron schedule (minute hour day month weekday, in the project's time zone),
    editable later in the admin."""
    crontab = crontab_for(cron_check(cron))
    task_name = f"feed {feed.channel.code}/{feed.file_name}"
    task, _created = PeriodicTask.objects.update_or_create(
        name=task_name,
        defaults={
            "task": "channels.feed_build",
            "crontab": crontab,
            "kwargs": json.dumps({"feed_id": feed.pk}),
        },
    )
    feed.schedule = task
    feed.save(update_fields=["schedule"])
    _audit(actor, "feed.schedule", feed, {"cron": cron})
    return feed


@transaction.atomic
def pull_token_create(*, actor: User | None, channel: Channel) -> str:
    """A new pull token for a channel; the raw value is shown once and only its hash is kept."""
    prefix, raw = tokens.generate()
    PullToken.objects.create(channel=channel, prefix=prefix, key_hash=tokens.digest(raw))
    audit_record(actor=actor, action="pull_token.create", object_type="channel", object_code=channel.code)
    return raw


@transaction.atomic
def pull_token_revoke(*, actor: User | None, token: PullToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="pull_token.revoke", object_type="channel", object_code=token.channel.code
    )


def pull_token_check(channel_code: str, raw: str) -> bool:
    """True when `raw` is a live pull token of this channel (constant-time comparison)."""
    parts = raw.split("_", 2)
    if len(parts) < 3 or parts[0] != "noel":
        return False
    token = (
        PullToken.objects.filter(prefix=parts[1], channel__code=channel_code, revoked_at__isnull=True)
        .only("key_hash", "last_used_at")
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, tokens.digest(raw)):
        return False
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > tokens.LAST_USED_RESOLUTION:
        PullToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return True


def _folder(run: FeedRun) -> str:
    return f"feeds/{run.feed.channel.code}/{run.feed.name}/{run.pk}"


def feed_build_start(
    *,
    actor: User | None,
    feed: Feed,
    at: datetime | None = None,
    preview: bool = False,
    include_awaiting_approval: bool = False,
) -> FeedRun:
    """Start a build (or a preview at a future instant): one task per chunk, then the merge. A preview may
    show campaigns awaiting approval as if approved; a build that publishes never does."""
    from apps.channels import tasks

    if include_awaiting_approval and not preview:
        raise ValidationError(
            {"include_awaiting_approval": _("Only a preview may show campaigns awaiting approval.")}
        )
    run, bounds = _run_start(
        actor=actor, feed=feed, at=at, preview=preview, include_awaiting_approval=include_awaiting_approval
    )
    header = [tasks.feed_build_chunk.si(run.pk, index, low, high) for index, (low, high) in enumerate(bounds)]
    finish = tasks.feed_build_finish.s(run.pk)
    failed = tasks.feed_build_failed.si(run.pk)
    if header:
        chord(header)(finish.on_error(failed))
    else:
        tasks.feed_build_finish.apply_async(args=[[], run.pk], link_error=failed)
    run.refresh_from_db()
    return run


def _run_start(
    *,
    actor: User | None,
    feed: Feed,
    at: datetime | None,
    preview: bool,
    include_awaiting_approval: bool = False,
) -> tuple[FeedRun, list[tuple[int, int]]]:
    """The run of a build, its chunks' bounds, the feed no longer dirty, audited."""
    instant_check(at, "at")  # before anything is written: a run dated 1 AD could not be read back
    at = at or timezone.now()
    with transaction.atomic():
        run = FeedRun.objects.create(
            feed=feed, at=at, preview=preview, includes_awaiting_approval=include_awaiting_approval,
            started_by=actor if actor and actor.pk else None,
        )  # fmt: skip
        bounds = selectors.chunk_bounds(feed)
        run.chunks = len(bounds)
        run.save(update_fields=["chunks"])
        if not preview:
            Feed.objects.filter(pk=feed.pk).update(dirty=False)
        _audit(
            actor, "feed.preview" if preview else "feed.build", feed, {"run": run.pk, "at": at.isoformat()}
        )
    return run, bounds


def feed_build_now(
    *, actor: User | None, feed: Feed, progress: Callable[[int, int], None] | None = None
) -> FeedRun:
    """Build a feed in this process, chunk after chunk, then merge and publish: the same steps as the
    workers take (for the shell, which waits for the result). `progress(done, chunks)` after each chunk."""
    run, bounds = _run_start(actor=actor, feed=feed, at=None, preview=False)
    results = []
    for index, (low, high) in enumerate(bounds):
        results.append(feed_chunk_build(run.pk, index, low, high))
        if progress is not None:
            progress(index + 1, len(bounds))
    return feed_build_finish(run.pk, results)


@dataclass
class ChunkResult:
    text: str
    manifest: str
    issues: list[FeedIssue]
    items: int
    published: int
    held_back: int
    dropped: int


def _verdict(
    fmt: formats.Format, item: selectors.Item, ctx: selectors.Context, blocked: dict[int, list[Blocker]]
) -> tuple[list[formats.Violation], list[str]]:
    """Why an item is held back from a feed (nothing: it is published), and its rendered entries."""
    problems: list[formats.Violation] = [
        formats.Violation("quality", f"quality:{b.rule}"[:64], _blocker_message(b, item))
        for b in blocked.get(item.product_id, [])
    ]
    if not item.complete:
        missing = ", ".join(item.missing)
        problems.append(
            formats.Violation(
                missing[:64],
                "complete",
                said(
                    gettext_noop("not complete for %(channel)s: %(missing)s"),
                    channel=ctx.channel.code,
                    missing=missing,
                ),
            )
        )
    rendered = []
    for entry in fmt.entries(item, ctx):
        problems.extend(fmt.check(entry, item, ctx.at))
        rendered.append(fmt.render(entry, item))
    return problems, rendered


PRIMARY_HELD_BACK = gettext_noop("held back from the primary feed: %(reason)s")


def _primary_verdicts(
    feed: Feed, ctx: selectors.Context, low: int, high: int, local: list[selectors.Item]
) -> dict[int, list[formats.Violation]]:
    """For a local inventory feed: why the primary Google feed holds back each item of the range at the
    same instant, checked by the same rules as a build of that feed (its channel, locale, mapping,
    category tree and sold-out choice). Without a primary feed, Google's rules over this feed's items."""
    primary = selectors.primary_feed(feed)
    fmt = formats.FORMATS[Feed.Format.GOOGLE]
    if primary is None:
        pctx, found = ctx, {item.product_id: item for item in local}
    else:
        pctx = selectors.build_context(primary, ctx.at)
        found = {item.product_id: item for item in selectors.items(pctx, low, high)}
    blocked = blocked_products(pctx.channel, list(found), pctx.locale)
    drop_sold_out = primary is not None and primary.sold_out == Feed.SoldOut.DROP
    result: dict[int, list[formats.Violation]] = {}
    for item in local:
        theirs = found.get(item.product_id)
        if theirs is None:
            result[item.product_id] = [
                formats.Violation(
                    "id",
                    "primary_absent",
                    said(gettext_noop("not sent by %(feed)s: outside its category tree"), feed=str(primary)),
                )
            ]
        elif drop_sold_out and theirs.available <= 0:
            result[item.product_id] = [
                formats.Violation(
                    "availability",
                    "primary_sold_out",
                    said(gettext_noop("sold out, left out of %(feed)s"), feed=str(primary)),
                )
            ]
        else:
            result[item.product_id] = _verdict(fmt, theirs, pctx, blocked)[0]
    return result


def chunk_render(run: FeedRun, ctx: selectors.Context, low: int, high: int) -> ChunkResult:
    """Validate and render the items of one primary-key range; invalid ones become FeedIssues. A local
    inventory feed also holds back what the primary Google feed holds back at the run's instant."""
    if run.feed.format == Feed.Format.GOOGLE_PROMOTIONS:
        return _promotions_render(run, ctx)
    fmt = formats.FORMATS[run.feed.format]
    drop_sold_out = run.feed.sold_out == Feed.SoldOut.DROP
    text, manifest, issues = [], [], []
    counts = {"items": 0, "published": 0, "held_back": 0, "dropped": 0}
    chunk_items = selectors.items(ctx, low, high)
    blocked = blocked_products(ctx.channel, [item.product_id for item in chunk_items], ctx.locale)
    primary: dict[int, list[formats.Violation]] = {}
    if run.feed.format == Feed.Format.GOOGLE_LOCAL:
        primary = _primary_verdicts(run.feed, ctx, low, high, chunk_items)
    for item in chunk_items:
        counts["items"] += 1
        if drop_sold_out and item.available <= 0:
            counts["dropped"] += 1
            continue
        problems, rendered = _verdict(fmt, item, ctx, blocked)
        own = {(p.field, p.rule, p.message) for p in problems}
        problems.extend(
            formats.Violation(p.field, p.rule, said(PRIMARY_HELD_BACK, reason=p.message))
            for p in primary.get(item.product_id, [])
            if (p.field, p.rule, p.message) not in own  # the same channel's finding, said once
        )
        if problems:
            counts["held_back"] += 1
            issues.extend(
                FeedIssue(
                    run=run,
                    sku=item.sku,
                    product_id=item.product_id,
                    field=p.field,
                    rule=p.rule,
                    message=p.message,
                    message_parts=parts_of(p.message),
                )
                for p in problems
            )
            continue
        counts["published"] += 1
        chunk = "".join(rendered)
        text.append(chunk)
        manifest.append(f"{item.sku}\t{hashlib.sha1(chunk.encode(), usedforsecurity=False).hexdigest()}\n")
    return ChunkResult("".join(text), "".join(manifest), issues, **counts)


def _promotions_render(run: FeedRun, ctx: selectors.Context) -> ChunkResult:
    """A promotions feed's items are the channel's announced promotions and shared codes at the run's
    instant, each checked against Google's rules; one that breaks any is held back with the reason."""
    fmt = formats.FORMATS[run.feed.format]
    text, manifest, issues = [], [], []
    counts = {"items": 0, "published": 0, "held_back": 0, "dropped": 0}
    for checked in selectors.promotions_checked(ctx):
        counts["items"] += 1
        announced = checked.announced
        if checked.problems:
            counts["held_back"] += 1
            issues.extend(
                FeedIssue(
                    run=run, sku=announced.promotion_id[:64], field=p.field, rule=p.rule, message=p.message
                )
                for p in checked.problems
            )
            continue
        counts["published"] += 1
        chunk = "".join(fmt.render(entry, announced) for entry in checked.entries)  # type: ignore[arg-type]
        text.append(chunk)
        digest = hashlib.sha1(chunk.encode(), usedforsecurity=False).hexdigest()
        manifest.append(f"{announced.promotion_id}\t{digest}\n")
    return ChunkResult("".join(text), "".join(manifest), issues, **counts)


def _blocker_message(blocker: Blocker, item: selectors.Item) -> str:
    if blocker.on_product == item.product_id:
        return said(
            gettext_noop("quality finding #%(finding)s %(rule)s: %(message)s"),
            finding=blocker.finding_id, rule=blocker.rule, message=blocker.message,
        )  # fmt: skip
    return said(
        gettext_noop("quality finding #%(finding)s %(rule)s (on its model %(model)s): %(message)s"),
        finding=blocker.finding_id, rule=blocker.rule, model=item.group or blocker.on_product,
        message=blocker.message,
    )  # fmt: skip


class StepTaken(Exception):
    """This step of the build was already taken by a worker: a second delivery of its task does nothing."""


def _step_take(run_id: int, index: int, worker: str | None) -> FeedRunStep:
    now = timezone.now()
    try:
        with transaction.atomic():
            return FeedRunStep.objects.create(
                run_id=run_id,
                index=index,
                worker=(worker or socket.gethostname())[:255],
                pid=os.getpid(),
                started_at=now,
                beat_at=now,
            )
    except IntegrityError:
        raise StepTaken(f"run {run_id} step {index}") from None


def _beat(step_id: int, stop: threading.Event) -> None:
    """Until `stop`: the step's sign of life, on a connection of this thread (closed when it ends)."""
    try:
        while not stop.wait(settings.NOEL_FEED_HEARTBEAT):
            FeedRunStep.objects.filter(pk=step_id).update(beat_at=timezone.now())
    except Exception:
        log.exception("feed run step %s: the sign of life could not be written", step_id)
    finally:
        connections.close_all()


@contextmanager
def _step(run_id: int, index: int, worker: str | None) -> Iterator[FeedRunStep]:
    """Take a step of a build and beat for it while it works, in a thread: a step that is slow (a large
    chunk, a lock waited for) is alive as long as its process is; only a process gone quiet is dead."""
    step = _step_take(run_id, index, worker)
    stop = threading.Event()
    beating = threading.Thread(target=_beat, args=(step.pk, stop), name=f"feed-step-{step.pk}", daemon=True)
    beating.start()
    try:
        yield step
    finally:
        stop.set()
        beating.join()
        FeedRunStep.objects.filter(pk=step.pk).update(finished_at=timezone.now())


def feed_chunk_build(
    run_id: int, index: int, low: int, high: int, worker: str | None = None
) -> dict[str, int]:
    """Build one chunk of a run into a part file (and its manifest), recording its held-back items.
    Raises StepTaken when this chunk was already taken (the broker delivered its task again)."""
    run = FeedRun.objects.select_related("feed__channel", "feed__locale").get(pk=run_id)
    if run.status != FeedRun.Status.RUNNING:
        return {}
    with _step(run_id, index, worker):
        return _chunk_build(run, index, low, high)


def _chunk_build(run: FeedRun, index: int, low: int, high: int) -> dict[str, int]:
    run_id = run.pk
    try:
        with awaiting_approval_included(run.preview and run.includes_awaiting_approval):
            result = chunk_render(run, selectors.build_context(run.feed, run.at), low, high)
        folder = _folder(run)
        _save(f"{folder}/part-{index:05d}", ContentFile(result.text.encode()))
        _save(f"{folder}/part-{index:05d}.manifest", ContentFile(result.manifest.encode()))
        FeedIssue.objects.bulk_create(result.issues, batch_size=2000)
    except Exception as exc:
        feed_build_fail(run_id, f"chunk {index + 1} of {run.chunks}: {exc}")
        raise
    return {
        "items": result.items,
        "published": result.published,
        "held_back": result.held_back,
        "dropped": result.dropped,
    }


def feed_build_finish(run_id: int, results: list[dict[str, int]], worker: str | None = None) -> FeedRun:
    """Concatenate the parts in order, checksum and gzip the file, then swap the feed's pointer to it.
    Raises StepTaken when the merge was already taken (the broker delivered its task again)."""
    run = FeedRun.objects.select_related("feed__channel").get(pk=run_id)
    if run.status != FeedRun.Status.RUNNING:
        return run
    with _step(run_id, run.chunks, worker):
        try:
            return _merge(run, results)
        except Exception as exc:
            feed_build_fail(run_id, f"merging the parts: {exc}")
            raise


def _merge(run: FeedRun, results: list[dict[str, int]]) -> FeedRun:
    fmt = formats.FORMATS[run.feed.format]
    ctx = selectors.build_context(run.feed, run.at)
    folder = _folder(run)
    digest = hashlib.sha256()
    name = f"{folder}/{run.feed.file_name}"
    with (
        tempfile.TemporaryFile() as plain,
        tempfile.TemporaryFile() as packed,
        tempfile.TemporaryFile() as manifest,
    ):
        with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0) as zipped:
            for block in _blocks(fmt, ctx, folder, run.chunks, manifest):
                digest.update(block)
                plain.write(block)
                zipped.write(block)
        size = plain.tell()
        for source, target in ((plain, name), (packed, f"{name}.gz"), (manifest, f"{folder}/manifest.tsv")):
            source.seek(0)
            _save(target, File(source))
    totals = {
        key: sum(result.get(key, 0) for result in results)
        for key in ("items", "published", "held_back", "dropped")
    }
    return _publish(run, name=name, checksum=digest.hexdigest(), size=size, totals=totals)


def _blocks(
    fmt: formats.Format, ctx: selectors.Context, folder: str, chunks: int, manifest
) -> Iterator[bytes]:
    yield fmt.header(ctx).encode()
    for index in range(chunks):
        part = f"{folder}/part-{index:05d}"
        with default_storage.open(part, "rb") as source:
            while block := source.read(1 << 20):
                yield block
        with default_storage.open(f"{part}.manifest", "rb") as source:
            manifest.write(source.read())
        default_storage.delete(part)
        default_storage.delete(f"{part}.manifest")
    yield fmt.footer(ctx).encode()


def _save(name: str, content: File) -> None:
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(name, content)


def _publish(run: FeedRun, *, name: str, checksum: str, size: int, totals: dict[str, int]) -> FeedRun:
    with transaction.atomic():
        run = FeedRun.objects.select_for_update().select_related("feed__channel").get(pk=run.pk)
        if run.status != FeedRun.Status.RUNNING:
            return run
        run.file, run.checksum, run.size = name, checksum, size
        run.items, run.published, run.held_back, run.dropped = (
            totals["items"], totals["published"], totals["held_back"], totals["dropped"]
        )  # fmt: skip
        run.status, run.finished_at = FeedRun.Status.SUCCEEDED, timezone.now()
        run.warning = _warning(run)
        run.save()
        if not run.preview:
            feed = Feed.objects.select_for_update().get(pk=run.feed_id)
            if feed.current_run_id is None or feed.current_run_id < run.pk:
                feed.current_run = run
                feed.save(update_fields=["current_run"])
        if run.feed.push_url and not run.preview:
            from apps.channels.tasks import feed_push

            transaction.on_commit(lambda: feed_push.delay(run.pk))
        action = "feed.previewed" if run.preview else "feed.published"
        _audit(None, action, run.feed, {"run": run.pk, "checksum": checksum, "published": run.published})
        if not run.preview:
            events.publish(
                FeedPublished(
                    channel_code=run.feed.channel.code,
                    feed=run.feed.name,
                    run_id=run.pk,
                    published=run.published,
                    held_back=run.held_back,
                )
            )
    _prune(run.feed)
    if not run.preview and run.status == FeedRun.Status.SUCCEEDED:
        _record_held_back(run)
    return run


# a run publishing less than this share of the last good run's items is flagged
SHRINK_FLAGGED_BELOW = Decimal("0.5")


def _warning(run: FeedRun) -> dict[str, Any]:
    """Flag a run that published nothing, or far fewer items than the last good (unflagged) run, with
    the figures and the commonest reason items were held back."""
    offered = run.items - run.dropped
    warning: dict[str, Any] = {}
    if offered > 0 and run.published == 0:
        warning = {"code": "none_published", "items": offered}
    else:
        last = (
            FeedRun.objects.filter(
                feed_id=run.feed_id, pk__lt=run.pk, preview=False, status=FeedRun.Status.SUCCEEDED,
                published__gt=0, warning={},
            )
            .order_by("-pk")
            .values_list("pk", "published")
            .first()
        )  # fmt: skip
        if last and run.published < last[1] * SHRINK_FLAGGED_BELOW:
            warning = {"code": "fewer_than_last", "published": run.published, "last": last[1], "run": last[0]}
    if warning:
        for reason, count in selectors.held_back_reasons(run, 1):
            warning.update(reason=str(reason), reason_parts=parts_of(reason), count=count)
    return warning


def _record_held_back(run: FeedRun) -> None:
    """Tell the quality app what this run held back, so it shows among the product's findings."""
    held = FeedIssue.objects.filter(run=run, product__isnull=False).values_list(
        "product_id", "field", "rule", "message", "message_parts"
    )
    feed_held_back_record(
        channel=run.feed.channel,
        run=run.pk,
        items=(
            HeldBack(pid, field, rule, message, parts)
            for pid, field, rule, message, parts in held.iterator(chunk_size=5000)
        ),
    )


def _push_target(url: str) -> S3Storage:
    """The S3 bucket and prefix of a push URL, reached with the same endpoint and keys as the media."""
    parts = urlsplit(url)
    return S3Storage(bucket_name=parts.netloc, location=parts.path.strip("/"), file_overwrite=True)


def feed_push(run_id: int) -> FeedRun:
    """Copy a published file (and its gzip copy) to the feed's push target; the outcome is kept on the run."""
    run = FeedRun.objects.select_related("feed__channel").get(pk=run_id)
    target = _push_target(run.feed.push_url)
    try:
        for name, suffix in ((run.file, ""), (f"{run.file}.gz", ".gz")):
            with default_storage.open(name, "rb") as source:
                target.save(f"{run.feed.file_name}{suffix}", File(source))
    except Exception as exc:
        FeedRun.objects.filter(pk=run.pk).update(push_error=f"{run.feed.push_url}: {exc}"[:2000])
        raise
    FeedRun.objects.filter(pk=run.pk).update(pushed_at=timezone.now(), push_error="")
    _audit(None, "feed.pushed", run.feed, {"run": run.pk, "to": run.feed.push_url})
    run.refresh_from_db()
    return run


def feed_build_fail(run_id: int, reason: str) -> None:
    """Mark a run failed; the feed keeps serving its last good file."""
    with transaction.atomic():
        updated = FeedRun.objects.filter(pk=run_id, status=FeedRun.Status.RUNNING).update(
            status=FeedRun.Status.FAILED, finished_at=timezone.now(), error=reason[:2000]
        )
        if updated:
            run = FeedRun.objects.select_related("feed__channel").get(pk=run_id)
            Feed.objects.filter(pk=run.feed_id).update(dirty=True)
            _audit(None, "feed.failed", run.feed, {"run": run_id, "error": reason[:500]})


@transaction.atomic
def feed_run_cancel(*, actor: User | None, run: FeedRun) -> bool:
    """Stop a running build: its remaining chunks are skipped and nothing is swapped in."""
    updated = FeedRun.objects.filter(pk=run.pk, status=FeedRun.Status.RUNNING).update(
        status=FeedRun.Status.CANCELLED, finished_at=timezone.now(), error=f"cancelled by {actor or 'system'}"
    )
    if updated:
        _audit(actor, "feed.cancel", run.feed, {"run": run.pk})
    return bool(updated)


WORKER_LOST = (
    "the worker building this feed stopped (killed or crashed): {worker}, process {pid}, gave no sign of "
    "life for {silent} s while building {step}; the previous file is still served"
)
REBUILT = " and the feed is built again"


def feed_runs_reap() -> list[int]:
    """Fail the builds whose worker stopped: a step taken and unfinished whose last sign of life is older
    than NOEL_FEED_WORKER_LOST_AFTER. Each such feed is built again at once (a preview is not). A build
    whose steps are waiting for a free worker has none taken: it is waiting, not dead. Returns the runs
    started."""
    now = timezone.now()
    lost = (
        FeedRunStep.objects.filter(
            finished_at__isnull=True,
            beat_at__lt=now - timedelta(seconds=settings.NOEL_FEED_WORKER_LOST_AFTER),
            run__status=FeedRun.Status.RUNNING,
        )
        .select_related("run")
        .order_by("run_id", "index")
    )
    failed: dict[int, FeedRun] = {}
    for step in lost:
        if step.run_id in failed:
            continue
        run = step.run
        what = (
            f"chunk {step.index + 1} of {run.chunks}" if step.index < run.chunks else "the merge of its parts"
        )
        silent = int((now - step.beat_at).total_seconds())
        rebuilt = not run.preview and Feed.objects.filter(pk=run.feed_id, is_active=True).exists()
        reason = WORKER_LOST.format(worker=step.worker, pid=step.pid, silent=silent, step=what)
        feed_build_fail(run.pk, reason + (REBUILT if rebuilt else ""))
        failed[run.pk] = run
    feeds = {run.feed_id for run in failed.values() if not run.preview}
    at = timezone.now()
    return [
        run.pk
        for feed in Feed.objects.filter(pk__in=feeds, is_active=True).select_related("channel")
        if (run := _feed_build_if_idle(feed, at)) is not None
    ]


def _feed_build_if_idle(feed: Feed, at: datetime) -> FeedRun | None:
    """Build a feed with changes that no build is running for. The feed is claimed by one UPDATE (its row
    lock decides): two callers at once (the reaper and "build feeds with changes", on two workers) start
    one build, not two."""
    busy = FeedRun.objects.filter(feed_id=feed.pk, status=FeedRun.Status.RUNNING, preview=False)
    if (
        not Feed.objects.filter(pk=feed.pk, dirty=True)
        .exclude(pk__in=busy.values("feed_id"))
        .update(dirty=False)
    ):
        return None
    try:
        return feed_build_start(actor=None, feed=feed, at=at)
    except Exception:
        Feed.objects.filter(pk=feed.pk).update(dirty=True)  # not built: still due
        raise


def feed_runs_expire() -> int:
    """Runs still 'running' long after they started lost their worker: mark them failed."""
    stale = FeedRun.objects.filter(status=FeedRun.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER)
    ids = list(stale.values_list("pk", flat=True))
    for run_id in ids:
        feed_build_fail(run_id, "no worker finished this build (lost worker or broker)")
    return len(ids)


def _prune(feed: Feed) -> None:
    """Keep the files of the last runs (for diffs and rollbacks) and the one serving; delete older ones."""
    keep = set(feed.runs.order_by("-id").values_list("pk", flat=True)[:KEEP_RUNS])
    if feed.current_run_id:
        keep.add(feed.current_run_id)
    old = feed.runs.exclude(pk__in=keep).exclude(file="")
    for run in old.select_related("feed__channel"):
        folder = _folder(run)
        for name in (run.file, f"{run.file}.gz", f"{folder}/manifest.tsv"):
            if default_storage.exists(name):
                default_storage.delete(name)
    old.update(file="")
    # a step says who is building; finished runs no longer need it, kept with the files for a while
    FeedRunStep.objects.filter(run__feed=feed).exclude(run_id__in=keep).delete()


def _read_manifest(run: FeedRun) -> dict[str, str]:
    if not run.file:
        return {}
    with default_storage.open(f"{_folder(run)}/manifest.tsv", "rb") as source:
        return dict(line.split("\t", 1) for line in source.read().decode().splitlines() if line)


@dataclass(frozen=True)
class RunDiff:
    added: list[str]
    removed: list[str]
    changed: list[str]


def feed_runs_diff(old: FeedRun, new: FeedRun) -> RunDiff:
    """Items added, removed and changed between two runs, from their manifests (id → item hash)."""
    before, after = _read_manifest(old), _read_manifest(new)
    return RunDiff(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        changed=sorted(sku for sku in before.keys() & after.keys() if before[sku] != after[sku]),
    )


def feeds_mark_dirty(*, channel_codes: list[str] | None = None, promotions: bool = False) -> int:
    """Mark the feeds of these channels (all when None) as having changes since their last build. A local
    inventory feed holds back what its primary Google feed holds back, so a change to a channel with a
    Google feed marks the local inventory feeds too. A promotions feed depends on campaigns and its
    channel, not on the catalog: it is marked only when `promotions` says so."""
    queryset = Feed.objects.filter(dirty=False)
    if not promotions:
        queryset = queryset.exclude(format=Feed.Format.GOOGLE_PROMOTIONS)
    if channel_codes is not None:
        reaches = Q(channel__code__in=channel_codes)
        if Feed.objects.filter(reaches, format=Feed.Format.GOOGLE, is_active=True).exists():
            reaches |= Q(format=Feed.Format.GOOGLE_LOCAL)
        queryset = queryset.filter(reaches)
    return queryset.update(dirty=True)


def feed_build_scheduled(*, feed: Feed) -> FeedRun | None:
    """A build on the feed's own schedule: only when something it depends on changed since its last build
    (or it was never built). Rebuilding a clean feed gives the same file under a new run, and hides the
    builds that matter among identical ones."""
    with transaction.atomic():
        feed = Feed.objects.select_for_update().select_related("channel").get(pk=feed.pk)
        if not feed.dirty and feed.current_run_id is not None:
            return None
        if FeedRun.objects.filter(feed=feed, status=FeedRun.Status.RUNNING, preview=False).exists():
            return None  # the running build takes the changes made before it started; later ones re-mark
    return feed_build_start(actor=None, feed=feed)


def feeds_build_dirty() -> list[int]:
    """Start a build of every active feed with changes since its last build (beat, every minute), all as of
    one instant: a campaign's start reaches the web shop's and the stores' feeds with the same data."""
    feed_runs_expire()
    at = timezone.now()
    busy = FeedRun.objects.filter(status=FeedRun.Status.RUNNING, preview=False).values("feed_id")
    return [
        run.pk
        for feed in Feed.objects.filter(dirty=True, is_active=True)
        .exclude(pk__in=busy)
        .select_related("channel")
        if (run := _feed_build_if_idle(feed, at)) is not None
    ]


def _on_products(event: ProductsChanged) -> None:
    feeds_mark_dirty()


def _on_prices(event: EffectivePricesChanged) -> None:
    feeds_mark_dirty(channel_codes=list(event.channel_codes))


def _on_stock(event: StockChanged) -> None:
    feeds_mark_dirty()


def _on_assets(event: AssetsChanged | AssetsExpired) -> None:
    feeds_mark_dirty()


def _on_channel(event: events.ChannelChanged) -> None:
    feeds_mark_dirty(channel_codes=[event.code], promotions=True)


def _on_campaign(event: CampaignChanged) -> None:
    """A campaign's approval (or its return to draft, its cancellation) changes what the channel's Google
    feeds announce before any price moves: those feeds are due."""
    Feed.objects.filter(
        dirty=False,
        channel__code__in=list(event.channel_codes),
        format__in=[Feed.Format.GOOGLE, Feed.Format.GOOGLE_PROMOTIONS],
    ).update(dirty=True)


def subscribe() -> None:
    events.subscribe(ProductsChanged, _on_products)
    events.subscribe(EffectivePricesChanged, _on_prices)
    events.subscribe(StockChanged, _on_stock)
    events.subscribe(events.ChannelChanged, _on_channel)
    events.subscribe(CampaignChanged, _on_campaign)
    events.subscribe(AssetsChanged, _on_assets)
    events.subscribe(AssetsExpired, _on_assets)

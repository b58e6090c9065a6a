"""Celery tasks of the channels app: thin wrappers over services."""

from celery import shared_task
from celery.exceptions import Ignore
from django.core.exceptions import PermissionDenied

from apps.channels import policies, services
from apps.channels.models import Feed
from apps.core import context


@shared_task(name="channels.feed_build")
def feed_build(feed_id: int, actor_id: int | None = None) -> int | None:
    """Build of one feed: for a person (checked again now: they may build that channel), or on the feed's
    own schedule (its django-celery-beat crontab; refused for a feed without one, and nothing is built
    when nothing the feed depends on changed since its last build)."""
    from apps.core.models import User

    with context.bound(origin="task"):
        feed = Feed.objects.select_related("channel").get(pk=feed_id)
        actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
        if refusal := policies.build_refusal(actor, feed, by_person=actor_id is not None):
            raise PermissionDenied(refusal)
        if actor_id is None:
            run = services.feed_build_scheduled(feed=feed)
            return run.pk if run else None
        return services.feed_build_start(actor=actor, feed=feed).pk


# A step delivered again (its worker died and the broker handed it on) was taken: it is ignored, neither a
# result nor a failure, so the build's chord does not count it twice; channels.feed_runs_reap deals with it.


@shared_task(name="channels.feed_build_chunk", bind=True)
def feed_build_chunk(self, run_id: int, index: int, low: int, high: int) -> dict[str, int]:
    try:
        return services.feed_chunk_build(run_id, index, low, high, worker=self.request.hostname)
    except services.StepTaken:
        raise Ignore() from None


@shared_task(name="channels.feed_build_finish", bind=True)
def feed_build_finish(self, results: list[dict[str, int]], run_id: int) -> int:
    try:
        return services.feed_build_finish(run_id, results, worker=self.request.hostname).pk
    except services.StepTaken:
        raise Ignore() from None


@shared_task(name="channels.feed_build_failed")
def feed_build_failed(run_id: int) -> None:
    services.feed_build_fail(run_id, "a chunk of the build failed; the previous file is still served")


@shared_task(name="channels.feeds_build_dirty")
def feeds_build_dirty() -> list[int]:
    with context.bound(origin="task"):
        return services.feeds_build_dirty()


@shared_task(name="channels.feed_push", autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def feed_push(run_id: int) -> int:
    """Copy a published feed to its push target; retried with back-off when the target is unreachable."""
    return services.feed_push(run_id).pk


@shared_task(name="channels.feed_runs_reap")
def feed_runs_reap() -> list[int]:
    """Beat, every minute: fail the builds whose worker stopped and build those feeds again."""
    with context.bound(origin="task"):
        return services.feed_runs_reap()

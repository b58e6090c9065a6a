"""`manage.py build_feeds [CHANNEL…] [--user NAME]`: build the active feeds of the channels named (all
active channels' by default) now, in this process, with a progress line per feed on a terminal and a
summary per feed: items published and held back, and the commonest reasons. With --user, as that person
(the channels policy decides which channels' feeds they may build); without, as the system."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from apps.channels import policies, selectors, services
from apps.channels.models import Feed, FeedRun
from apps.core import context
from apps.core.management.shell_jobs import person


class Command(BaseCommand):
    help = "Build the feeds of some channels (or all) now, and say what each published and held back."

    def add_arguments(self, parser) -> None:
        parser.add_argument("channels", nargs="*", help="channel codes (default: every active channel)")
        parser.add_argument("--user", help="build as this person (their channel rights apply)")

    def handle(self, *args, **options) -> None:
        actor = person(options.get("user"), required=False)
        feeds = Feed.objects.filter(is_active=True, channel__is_active=True)
        feeds = feeds.select_related("channel", "locale")
        if options["channels"]:
            wanted = set(options["channels"])
            unknown = sorted(wanted - set(feeds.values_list("channel__code", flat=True)))
            if unknown:
                raise CommandError(f"no active feed on channel(s) {', '.join(unknown)}")
            feeds = feeds.filter(channel__code__in=wanted)
        feeds = list(feeds.order_by("channel__code", "name"))
        if not feeds:
            raise CommandError("no active feed to build")
        if actor is not None:
            for feed in feeds:
                if refusal := policies.build_refusal(actor, feed, by_person=True):
                    raise CommandError(refusal)
        failed = []
        terminal = sys.stderr.isatty()
        with context.bound(origin="task"):
            for feed in feeds:

                def progress(done: int, chunks: int, feed: Feed = feed) -> None:
                    if terminal:
                        sys.stderr.write(f"\r  {feed}: chunk {done}/{chunks}")
                        sys.stderr.flush()

                self.stdout.write(f"{feed} ({feed.get_format_display()}, {feed.locale_id})")
                try:
                    run = services.feed_build_now(actor=actor, feed=feed, progress=progress)
                except Exception as exc:  # the run is marked failed; the other feeds still build
                    failed.append(str(feed))
                    self.stderr.write(f"  failed: {exc}")
                    continue
                finally:
                    if terminal:
                        sys.stderr.write("\n")
                run.refresh_from_db()
                if run.status != FeedRun.Status.SUCCEEDED:
                    failed.append(str(feed))
                    self.stderr.write(f"  failed: {run.error}")
                    continue
                self.stdout.write(
                    f"  {run.published} published, {run.held_back} held back, {run.dropped} sold out left out"
                    f" (of {run.items} items; run #{run.pk})"
                )
                for reason, count in selectors.held_back_reasons(run):
                    self.stdout.write(f"  {count} held back: {reason}")
        if failed:
            raise CommandError(f"builds failed: {', '.join(failed)}; the previous files are still served")

"""A feed build started for a person checks, when it runs, that they may build that channel; a timed
build runs only for a feed that has a schedule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from guardian.shortcuts import assign_perm

from apps.channels import services
from apps.channels import tasks as channel_tasks
from apps.channels.models import FeedRun
from apps.core.models import Role
from tests.core.factories import UserFactory


def test_a_feed_build_for_a_person_is_refused_on_a_channel_they_do_not_manage(feeds):
    feeds.sellable("GOOD")
    manager = UserFactory(username="chloe", roles=[Role.CHANNEL_MANAGER])
    assign_perm("core.manage_channel", manager, feeds.shop.web)
    with pytest.raises(PermissionDenied):
        channel_tasks.feed_build(feeds.google.pk, actor_id=manager.pk)
    assert not FeedRun.objects.exists()
    assign_perm("core.manage_channel", manager, feeds.shop.google)
    channel_tasks.feed_build(feeds.google.pk, actor_id=manager.pk)
    assert FeedRun.objects.get().started_by == manager


def test_a_scheduled_feed_build_runs_only_the_feed_that_schedule_belongs_to(feeds):
    feeds.sellable("GOOD")
    with pytest.raises(PermissionDenied):  # no schedule: nobody asked for timed builds of this feed
        channel_tasks.feed_build(feeds.google.pk)
    services.feed_schedule_set(actor=None, feed=feeds.google, cron="0 6 * * *")
    channel_tasks.feed_build(feeds.google.pk)
    assert FeedRun.objects.count() == 1


@pytest.mark.parametrize("cron", ["61 * * * *", "* 25 * * *", "* * * 13 *", "* * * * 8", "*/0 * * * *"])
def test_a_cron_out_of_range_is_refused_by_the_service(feeds, cron):
    with pytest.raises(ValidationError) as excinfo:
        services.feed_schedule_set(actor=None, feed=feeds.google, cron=cron)
    assert "cron" in excinfo.value.message_dict


def test_a_feed_schedule_runs_in_the_projects_time_zone(feeds, settings):
    settings.TIME_ZONE = "Europe/London"  # a retailer outside France sets its own
    services.feed_schedule_set(actor=None, feed=feeds.google, cron="0 6 * * *")
    feeds.google.refresh_from_db()
    assert str(feeds.google.schedule.crontab.timezone) == settings.TIME_ZONE

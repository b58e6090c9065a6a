"""Feeds pushed to an S3 target (moto in server mode on localhost): each published file, and its gzip copy."""

import gzip

import pytest
from django.core.exceptions import ValidationError

from apps.channels import services
from tests.channels.helpers import read
from tests.s3 import create_bucket


@pytest.fixture
def bucket(s3_server):
    create_bucket(s3_server, "partner-feeds")
    return s3_server


def test_a_published_feed_is_copied_to_its_s3_target(feeds, bucket, django_capture_on_commit_callbacks):
    services.feed_update(actor=None, feed=feeds.google, push_url="s3://partner-feeds/noel/google")
    feeds.sellable("TOY-1")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.feed_build_start(actor=None, feed=feeds.google)
    run.refresh_from_db()
    assert run.pushed_at is not None and run.push_error == ""
    body = bucket.get_object(Bucket="partner-feeds", Key="noel/google/products.xml")["Body"].read()
    packed = bucket.get_object(Bucket="partner-feeds", Key="noel/google/products.xml.gz")["Body"].read()
    assert body.decode() == read(run) and gzip.decompress(packed) == body


def test_an_unreachable_target_is_recorded_on_the_run_and_the_feed_still_serves(feeds, bucket):
    services.feed_update(actor=None, feed=feeds.google, push_url="s3://no-such-bucket/x")
    feeds.sellable("TOY-1")
    run = services.feed_build_start(actor=None, feed=feeds.google)
    with pytest.raises(Exception, match="NoSuchBucket"):
        services.feed_push(run.pk)
    run.refresh_from_db()
    feeds.google.refresh_from_db()
    assert "no-such-bucket" in run.push_error and feeds.google.current_run == run


def test_only_s3_urls_are_accepted_as_push_targets(feeds):
    with pytest.raises(ValidationError, match="s3://bucket/prefix"):
        services.feed_update(actor=None, feed=feeds.google, push_url="ftp://example.com/x")

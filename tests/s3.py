"""The `s3_server` fixture: moto in server mode on a free local port, with Django's AWS_* settings pointed
at it as production's are; yields a boto3 client to create buckets and look inside them."""

import socket
import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_server(settings):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    settings.AWS_S3_ENDPOINT_URL = endpoint
    settings.AWS_S3_REGION_NAME = "eu-west-3"
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = "test-key", "test-secret"
    yield boto3.client(
        "s3", endpoint_url=endpoint, region_name="eu-west-3",
        aws_access_key_id="test-key", aws_secret_access_key="test-secret",
    )  # fmt: skip
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    server.stop()


def create_bucket(client, name: str) -> None:
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})

"""Feed pull tokens given as `?token=` never reach the access logs, of gunicorn (production) or of the
development server (`make run`)."""

import http.client
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.core.test_settings import GOOD

ROOT = Path(__file__).resolve().parents[2]
SECRET = "noel_ab12cd_s3cr3tvalue"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_blanks_the_feed_token():
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SETTINGS_MODULE", "NOEL_", "DEBUG"))
    }
    env.update(GOOD, PORT=str(port), WEB_CONCURRENCY="1", ALLOWED_HOSTS="127.0.0.1")
    server = subprocess.Popen(
        [Path(sys.executable).parent / "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", f"/feeds/google/products.xml?format=x&token={SECRET}")
                connection.getresponse().read()  # the SSL redirect's 301: logged all the same
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.5)
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    request_lines = [line for line in log.splitlines() if "/feeds/google/products.xml" in line]
    assert request_lines, log
    assert SECRET not in log
    assert "format=x&token=[redacted]" in request_lines[0]


def test_the_development_server_log_blanks_the_feed_token():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("django.server")
    keep = Keep()
    logger.addHandler(keep)
    try:  # what runserver's request handler writes for each request
        logger.info('"%s" %s %s', f"GET /feeds/google/products.xml?token={SECRET} HTTP/1.1", "200", "512")
    finally:
        logger.removeHandler(keep)
    assert records == ['"GET /feeds/google/products.xml?token=[redacted] HTTP/1.1" 200 512']

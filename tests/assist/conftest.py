"""An OpenAI-compatible chat server on loopback, run by the tests: a real HTTP server thread that answers
each request with what the test queued (a text, an HTTP status, or a silence longer than the timeout), and
keeps what it was sent."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from apps.core.models import Locale, Role
from apps.products import services as product_services
from tests.core.factories import UserFactory


class ChatServer:
    def __init__(self):
        self.answers: deque = deque()
        self.received: list[dict] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.received.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                answer = outer.answers.popleft() if outer.answers else {"text": "no answer queued"}
                if "sleep" in answer:
                    outer.stop.wait(answer["sleep"])
                status = answer.get("status", 200)
                if status == 200:
                    payload = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": answer["text"]}}
                        ],
                        "usage": {"prompt_tokens": 80, "completion_tokens": 40, "total_tokens": 120},
                    }
                else:
                    payload = {"error": {"message": "slow down", "type": "rate_limit"}}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "30")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (timeout)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, *texts: str) -> None:
        self.answers.extend({"text": t} for t in texts)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat(settings):
    """The assistant pointed at a loopback chat server for this test."""
    with ChatServer() as server:
        settings.NOEL_ASSIST_CHAT_URL = server.url
        settings.NOEL_ASSIST_CHAT_MODEL = "test-model"
        settings.NOEL_ASSIST_CHAT_KEY = "sk-test"
        settings.NOEL_ASSIST_TIMEOUT = 1.0
        settings.NOEL_ASSIST_TRANSLATOR = ""
        yield server


@pytest.fixture
def no_provider(settings):
    settings.NOEL_ASSIST_CHAT_URL = ""
    settings.NOEL_ASSIST_TRANSLATOR = ""


@pytest.fixture
def reindeer(shop):
    """A plush reindeer with a name in both languages, a brand, a weight, a French description and none in
    English."""
    Locale.objects.filter(code__in=["fr_FR", "en_GB"]).update(is_active=True)
    product = product_services.product_create(
        actor=None,
        sku="TOY-1",
        family=shop.toys,
        categories=["plush"],
        values={
            "name": {"fr_FR": {"*": "Renne en peluche"}, "en_GB": {"*": "Plush reindeer"}},
            "brand": {"*": {"*": "Lutin"}},
            "weight": {"*": {"*": {"amount": "350", "unit": "GRAM"}}},
            "age_min": {"*": {"*": 3}},
            "description": {"fr_FR": {"web": "Renne en peluche douce de 350 g, dès 3 ans, marque Lutin."}},
        },
    )
    # another product's brand, which the reindeer's texts must not borrow
    product_services.product_create(
        actor=None, sku="TOY-2", family=shop.toys, values={"brand": {"*": {"*": "Polaris"}}}
    )
    return product


@pytest.fixture
def people(shop):
    return SimpleNamespace(
        merchandiser=shop.merchandiser,
        merchandiser2=shop.merchandiser2,
        approver=shop.approver,
        approver2=UserFactory(username="agathe", roles=[Role.APPROVER]),
        marketer=UserFactory(username="karim", roles=[Role.MARKETER]),
    )


def wait_until(check, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not check():
        if time.monotonic() > end:
            raise AssertionError("not reached in time")
        time.sleep(0.05)

"""Standard Webhooks signatures (https://www.standardwebhooks.com), through the `standardwebhooks` package:
`webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret in force
(the new and the previous one while a secret is being rotated), separated by spaces."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature_header(secrets_in_force: list[str], message_id: str, at: datetime, body: bytes) -> str:
    return " ".join(Webhook(s).sign(message_id, at, body) for s in secrets_in_force if s)


def headers(secrets_in_force: list[str], message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(secrets_in_force, message_id, at, body),
    }

"""Idempotency keys: a retried batch (same key and body) gets the first answer and is never applied twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.models import IdempotencyKey, User


def fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def client_of(actor: User | None, client: str | None = None) -> str:
    """Whose keys these are: the client named (an API token: `token:<id>`), else the person, else the
    system (commands, tasks)."""
    if client:
        return client
    return f"user:{actor.pk}" if actor is not None and actor.pk else "system"


def run_once(
    *, client: str, scope: str, key: str | None, payload: Any, apply: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Apply once per (client, scope, key); a replay by the same client returns the stored result, a
    reuse with another body is refused. Another client's key of the same name is another write.

    Must run inside the caller's transaction, so the key and the writes commit or roll back together.
    """
    if not key:
        return apply()
    if len(key) > 128 or "\x00" in key:
        raise ValidationError(
            {"idempotency_key": "an idempotency key is at most 128 characters, without NUL"}
        )
    digest = fingerprint(payload)
    existing = IdempotencyKey.objects.select_for_update().filter(client=client, scope=scope, key=key).first()
    if existing is not None:
        if existing.fingerprint != digest:
            raise ValidationError(
                {"idempotency_key": f"key {key!r} was already used with another request body"}
            )
        return {**existing.result, "replayed": True}
    result = apply()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                client=client, scope=scope, key=key, fingerprint=digest, result=result
            )
    except IntegrityError as exc:  # a concurrent twin committed first: ours rolls back with the caller
        raise ValidationError(
            {"idempotency_key": f"key {key!r} is being applied by another request"}
        ) from exc
    return {**result, "replayed": False}

"""What the shell commands that act as a person share: the person named by `--user` (active, or the
command stops), and progress lines on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.management.base import CommandError

from apps.core.models import User


def person(username: str | None, *, required: bool = True) -> User | None:
    """The active user named `username`; without one, None when not `required`."""
    if not username:
        if required:
            raise CommandError("name the person the command acts as: --user NAME")
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username}")
    return user


def progress_line(label: str, total: int) -> Callable[[int], None]:
    """A progress callback writing "label: done/total" over itself on a terminal (nothing otherwise,
    so that a script's log holds the summary only)."""
    terminal = sys.stderr.isatty()

    def progress(done: int) -> None:
        if terminal:
            sys.stderr.write(f"\r  {label}: {done:,}/{total:,}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return progress

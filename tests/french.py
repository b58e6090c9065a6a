"""French for tests of new messages: the catalogue, with this branch's pending entries (locale/fr/
pending-<branch>.po, not yet folded into django.po) compiled in front of it."""

import re
import struct
from pathlib import Path

import pytest

PENDING = Path(__file__).resolve().parents[1] / "locale" / "fr"


@pytest.fixture
def french(settings, tmp_path):
    """The French catalogue, with the pending entries in front of it (none once they are folded in)."""
    entries = {}
    for pending in sorted(PENDING.glob("pending-*.po")):
        entries.update(re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', pending.read_text(), re.M))
    if entries:
        folder = tmp_path / "fr" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "django.mo").write_bytes(_mo({"": "Content-Type: text/plain; charset=UTF-8\n", **entries}))
        settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]


def _mo(entries: dict[str, str]) -> bytes:
    """A GNU gettext catalogue (the .mo format msgfmt writes)."""
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    start = 7 * 4 + 16 * len(keys)
    offsets, data = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(data)))
        data += text + b"\0"
    header = struct.pack("7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    return header + b"".join(struct.pack("2I", *o) for o in offsets) + data

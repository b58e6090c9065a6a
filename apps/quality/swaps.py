"""Swapped descriptions judged against the whole catalog, whichever path runs the rule.

A product's description is compared with its own profile (name, brand, family and categories) and with
the profile of every other product of the catalog, not only with the products checked at the same time:
a nightly chunk of 2,000 products and an on-change check of one product then reach the same verdict on the
same data, and an unrelated change (a stock movement) no longer closes a finding whose text is still
swapped.

The catalog's profiles are kept per locale in a `ProfileIndex`, built once per nightly run; between runs a
worker keeps its copy and brings it up to date at each check from the products changed since (their
`updated_at`, their variants, and the products being checked), so that its verdicts are those a fresh
index would give. Identical profiles (templated names) are stored once: weights and candidates are
counted over distinct profiles.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from apps.products.models import Category, Family, Product
from apps.products.values import ANY
from apps.quality import similarity
from apps.quality.registry import CheckContext

# A profile shares its rarest grams with few other profiles; grams found in more than this share of the
# distinct profiles are left out of the candidate search (they weigh little and would make every look-up
# walk most of the catalog), never out of the cosine itself.
COMMON_SHARE = 4
# Products changed while an index was being read may carry an `updated_at` slightly before it: re-read them.
SLACK = timedelta(minutes=1)

_FIELDS = ("pk", "sku", "parent_id", "family_id", "categories", "values__name", "values__brand")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a description does not belong to its product: its cosine with its own profile, and the product
    (if any) whose profile it fits clearly better."""

    own: float
    fits: int | None
    fits_score: float


def _scopes(by_locale: Any, locale: str) -> dict[str, Any]:
    value = (by_locale or {}).get(locale) if isinstance(by_locale, dict) else None
    return dict(value) if isinstance(value, dict) else {}


class ProfileIndex:
    """Every product's profile in one locale, as character n-grams, with their document frequencies over
    the distinct profiles of the catalog."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.rows: dict[int, tuple] = {}
        self.children: dict[int, set[int]] = {}
        self.profile: dict[int, str] = {}
        self.named: set[int] = set()
        self.owners: dict[str, list[int]] = {}
        self.grams: dict[str, Counter[str]] = {}
        self.df: Counter[str] = Counter()
        self.postings: dict[str, set[str]] = {}
        self._vectors: dict[str, similarity.Vector] = {}
        self.families = dict(Family.objects.values_list("pk", "labels"))
        self.categories = dict(Category.objects.values_list("code", "labels"))
        self.seen = self._now()
        self.built = time.monotonic()
        for row in Product.objects.values_list(*_FIELDS).iterator(chunk_size=5000):
            self._store(row)
        for pid in list(self.rows):
            self._place(pid)

    @staticmethod
    def _now() -> datetime:
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            return cursor.fetchone()[0] - SLACK

    @classmethod
    def of(cls, ctx: CheckContext, locale: str, product_ids: Iterable[int] = ()) -> ProfileIndex:
        """The run's index. A whole-catalog run builds it afresh; any other check reuses this process's
        copy while it is younger than NOEL_QUALITY_INDEX_TTL, brought up to date first."""
        key = f"profiles:{locale}"
        if key in ctx.cache:
            return ctx.cache[key]
        index = _recent.get(locale)
        if (
            ctx.whole_catalog
            or index is None
            or time.monotonic() - index.built > settings.NOEL_QUALITY_INDEX_TTL
            or not index.refresh(product_ids)
        ):
            index = cls(locale)
            _recent[locale] = index
        ctx.cache[key] = index
        return index

    # -- upkeep --

    def _store(self, row: tuple) -> None:
        pid, _sku, parent, *_rest = row
        old = self.rows.get(pid)
        if old and old[2] != parent and old[2] in self.children:
            self.children[old[2]].discard(pid)
        self.rows[pid] = row
        if parent:
            self.children.setdefault(parent, set()).add(pid)

    def _lineage(self, pid: int) -> list[tuple]:
        """The product's row and its ancestors', farthest first."""
        chain, row = [], self.rows.get(pid)
        while row is not None and len(chain) < 4:
            chain.append(row)
            row = self.rows.get(row[2]) if row[2] else None
        return chain[::-1]

    def _profile_of(self, pid: int) -> tuple[str, bool]:
        """(profile text, whether the product has a name in this locale)."""
        chain = self._lineage(pid)
        name: dict[str, Any] = {}
        brand: dict[str, Any] = {}
        categories: set[str] = set()
        for _pid, _sku, _parent, _family, cats, names, brands in chain:
            name.update({k: v for k, v in _scopes(names, self.locale).items() if v not in (None, "")})
            brand.update({k: v for k, v in _scopes(brands, ANY).items() if v not in (None, "")})
            categories |= set(cats or ())
        family = chain[-1][3] if chain else None
        parts = [v for v in name.values() if isinstance(v, str) and v.strip()]
        named = bool(parts)
        if isinstance(brand.get(ANY), str):
            parts.append(brand[ANY])
        parts.append((self.families.get(family) or {}).get(self.locale, ""))
        parts += [(self.categories.get(c) or {}).get(self.locale, "") for c in sorted(categories)]
        return " ".join(p for p in parts if p), named

    def _place(self, pid: int) -> None:
        """(Re)compute one product's profile and move it among the distinct profiles."""
        old = self.profile.pop(pid, None)
        self.named.discard(pid)
        if old is not None:
            owners = self.owners[old]
            owners.remove(pid)
            if not owners:
                self._forget(old)
        if pid not in self.rows:
            return
        text, named = self._profile_of(pid)
        if named:
            self.named.add(pid)
        if not text:
            return
        self.profile[pid] = text
        if text not in self.owners:
            self.owners[text] = []
            counts = similarity.grams(text)
            self.grams[text] = counts
            self.df.update(counts.keys())
            for gram in counts:
                self.postings.setdefault(gram, set()).add(text)
            self._vectors.clear()
        owners = self.owners[text]
        owners.append(pid)
        owners.sort()

    def _forget(self, text: str) -> None:
        del self.owners[text]
        counts = self.grams.pop(text)
        self.df.subtract(counts.keys())
        for gram in counts:
            if self.df[gram] <= 0:
                del self.df[gram]
            entries = self.postings.get(gram)
            if entries is not None:
                entries.discard(text)
                if not entries:
                    del self.postings[gram]
        self._vectors.clear()

    def refresh(self, product_ids: Iterable[int] = ()) -> bool:
        """Bring the index up to date with the products changed since it was read (and those named);
        False when it cannot be (products deleted): the caller builds a new one."""
        since, self.seen = self.seen, self._now()
        wanted = set(product_ids)
        changed = list(Product.objects.filter(updated_at__gte=since).values_list(*_FIELDS)) + list(
            Product.objects.filter(pk__any=sorted(wanted)).values_list(*_FIELDS)
        )
        for row in changed:
            self._store(row)
        touched = {row[0] for row in changed}
        frontier = set(touched)
        while frontier:
            below = {c for p in frontier for c in self.children.get(p, ())} - touched
            touched |= below
            frontier = below
        for pid in sorted(touched):
            self._place(pid)
        return Product.objects.count() == len(self.rows)

    # -- judgement --

    def idf(self, gram: str) -> float:
        n = self.df.get(gram, 0)
        return math.log((1 + len(self.owners)) / (1 + n)) + 1 if n else 1.0

    def vector(self, counts: Counter[str]) -> similarity.Vector:
        weights = {g: (1 + math.log(n)) * self.idf(g) for g, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    def profile_vector(self, text: str) -> similarity.Vector:
        if text not in self._vectors:
            self._vectors[text] = self.vector(self.grams[text])
        return self._vectors[text]

    def judge(
        self,
        pid: int,
        description: str,
        *,
        threshold: float = 0.3,
        margin: float = 0.1,
        floor: float = 0.02,
        shortlist: int = 5,
    ) -> Verdict | None:
        """A verdict when the description does not belong to the product: it shares little with its own
        profile (cosine below `threshold`) and fits another product's profile better by `margin`, or it
        shares nearly nothing with its own (`floor`). None for a product with no name in this locale:
        missing data is reported as missing (translation_missing, missing_required), not as a mismatch."""
        own_text = self.profile.get(pid)
        if own_text is None or pid not in self.named:
            return None
        counts = similarity.grams(description)
        if not counts:
            return None
        vector = self.vector(counts)
        own = similarity.cosine(vector, self.profile_vector(own_text))
        if own >= threshold:
            return None
        common = max(10, len(self.owners) // COMMON_SHARE)
        partial: Counter[str] = Counter()
        for gram, weight in vector.items():
            texts = self.postings.get(gram)
            if texts and len(texts) <= common:
                for text in texts:
                    if text != own_text:
                        partial[text] += weight * self.profile_vector(text)[gram]
        best_text, best_score = None, 0.0
        for text, _score in sorted(partial.items(), key=lambda item: (-item[1], item[0]))[:shortlist]:
            score = similarity.cosine(vector, self.profile_vector(text))
            if score > best_score or (score == best_score and best_text is not None and text < best_text):
                best_text, best_score = text, score
        if best_text is not None and best_score >= own + margin:
            fits = next((o for o in self.owners[best_text] if o != pid), None)
            return Verdict(round(own, 3), fits, round(best_score, 3))
        if own < floor:
            return Verdict(round(own, 3), None, round(best_score, 3))
        return None

    def judge_by_embedding(
        self, pids: Sequence[int], descriptions: Sequence[str], find
    ) -> dict[int, Verdict]:
        """The same decision with the sentence-embedding method: each description against its own profile
        and every distinct profile of the catalog."""
        keep = [(pid, text) for pid, text in zip(pids, descriptions, strict=True) if pid in self.named]
        if not keep:
            return {}
        catalog = sorted(self.owners)
        profiles = [self.profile[pid] for pid, _t in keep] + catalog
        texts = [text for _pid, text in keep] + [""] * len(catalog)
        found = {}
        for m in find(profiles, texts):
            pid = keep[m.index][0]
            fits = None
            if m.best is not None:
                best_text = profiles[m.best]
                fits = next((o for o in self.owners.get(best_text, ()) if o != pid), None)
                if best_text == self.profile[pid] or fits is None:
                    continue
            found[pid] = Verdict(m.own, fits, m.best_score)
        return found

    def sku(self, pid: int) -> str | None:
        row = self.rows.get(pid)
        return row[1] if row else None


_recent: dict[str, ProfileIndex] = {}

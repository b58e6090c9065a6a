"""Texts: HTML and forbidden words in channel texts, missing or untranslated translations, descriptions
that belong to another product, and near-duplicate descriptions across the catalog."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_noop

from apps.core.stored_text import said
from apps.products.models import Attribute, Category, Family, Product
from apps.products.values import ANY, is_empty
from apps.quality import similarity
from apps.quality.models import Finding, Severity
from apps.quality.registry import Batch, CheckContext, Hit, Rule, register

_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:[a-z]+|#\d+);")
TEXT_TYPES = (Attribute.Type.TEXT, Attribute.Type.TEXTAREA)


def text_attributes(ctx: CheckContext) -> dict[str, bool]:
    """Text attribute code → localizable, once per run."""
    if "text_attributes" not in ctx.cache:
        ctx.cache["text_attributes"] = dict(
            Attribute.objects.filter(type__in=TEXT_TYPES).values_list("code", "localizable")
        )
    return ctx.cache["text_attributes"]


def texts(batch: Batch, pid: int) -> Iterator[tuple[str, str, str, str]]:
    """(attribute, locale, channel scope, text) of a product's own text values."""
    attributes = text_attributes(batch.ctx)
    for code, by_locale in batch.products[pid]["values"].items():
        if code not in attributes:
            continue
        for locale, by_channel in by_locale.items():
            for scope, value in by_channel.items():
                if isinstance(value, str) and value.strip():
                    yield code, locale, scope, value


def _where(batch: Batch, locale: str, scope: str) -> dict[str, Any]:
    return {
        "locale": "" if locale == ANY else locale,
        "channel_id": None if scope == ANY else batch.ctx.channel_ids.get(scope),
    }


def _label(code: str, locale: str, scope: str) -> str:
    return "-".join(part for part in (code, locale, scope) if part != ANY)


@register
class HtmlInText(Rule):
    code = "html_in_text"
    severity = Severity.WARNING
    category = "text"
    description = "HTML tags or entities in a text that channels take as plain text."

    def run(self, batch: Batch) -> Iterator[Hit]:
        for pid in batch.ids:
            for code, locale, scope, text in texts(batch, pid):
                if match := _HTML.search(text):
                    yield Hit(
                        pid,
                        said(
                            gettext_noop("%(text)s contains HTML (%(found)s)"),
                            text=_label(code, locale, scope),
                            found=match.group(0)[:40],
                        ),
                        {"attribute": code, "found": match.group(0)[:100]},
                        **_where(batch, locale, scope),
                    )


@register
class ForbiddenWords(Rule):
    code = "forbidden_words"
    severity = Severity.BLOCKING
    category = "text"
    description = (
        "Words that must never reach a channel (NOEL_QUALITY_FORBIDDEN_WORDS), accents and case ignored."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        words = [similarity.fold(w) for w in settings.NOEL_QUALITY_FORBIDDEN_WORDS if similarity.fold(w)]
        if not words:
            return
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")
        for pid in batch.ids:
            for code, locale, scope, text in texts(batch, pid):
                found = sorted(set(pattern.findall(similarity.fold(text))))
                if found:
                    yield Hit(
                        pid,
                        said(
                            gettext_noop("%(text)s contains forbidden words: %(words)s"),
                            text=_label(code, locale, scope),
                            words=", ".join(found),
                        ),
                        {"attribute": code, "words": found},
                        **_where(batch, locale, scope),
                    )


def _scopes_needing(batch: Batch, scope: str) -> list[str]:
    """The locales a value of this channel scope must exist in: the channel's, or every served one."""
    if scope == ANY:
        return batch.ctx.locales
    channel = next((c for c in batch.ctx.channels if c.code == scope), None)
    return sorted(loc.code for loc in channel.locales.all()) if channel else []


def _translations(batch: Batch) -> Iterator[tuple[int, str, str, str, str, str | None]]:
    """(product, attribute, scope, target locale, source text, target text) for each localizable text
    the source locale has, in every locale its channel serves."""
    source = settings.NOEL_QUALITY_SOURCE_LOCALE
    attributes = text_attributes(batch.ctx)
    for pid in batch.ids:
        values = batch.products[pid]["values"]
        for code, by_locale in values.items():
            if not attributes.get(code):
                continue
            for scope, text in (by_locale.get(source) or {}).items():
                if not isinstance(text, str) or not text.strip():
                    continue
                for locale in _scopes_needing(batch, scope):
                    if locale != source:
                        target = (by_locale.get(locale) or {}).get(scope)
                        yield pid, code, scope, locale, text, None if is_empty(target) else target


@register
class TranslationMissing(Rule):
    code = "translation_missing"
    severity = Severity.WARNING
    category = "text"
    description = "A text written in the source locale (NOEL_QUALITY_SOURCE_LOCALE) has no translation."

    def run(self, batch: Batch) -> Iterator[Hit]:
        for pid, code, scope, locale, _text, target in _translations(batch):
            if target is None:
                yield Hit(
                    pid,
                    said(
                        gettext_noop("%(text)s: no translation of the %(source)s text"),
                        text=_label(code, locale, scope),
                        source=settings.NOEL_QUALITY_SOURCE_LOCALE,
                    ),
                    {"attribute": code},
                    **_where(batch, locale, scope),
                )


@register
class TranslationIdentical(Rule):
    code = "translation_identical"
    severity = Severity.WARNING
    category = "text"
    description = "A translation identical to the source text (copied, not translated)."

    def run(self, batch: Batch) -> Iterator[Hit]:
        for pid, code, scope, locale, text, target in _translations(batch):
            if (
                isinstance(target, str)
                and len(similarity.fold(text)) >= 12
                and similarity.fold(target) == similarity.fold(text)
            ):
                yield Hit(
                    pid,
                    said(
                        gettext_noop("%(text)s is the %(source)s text, untranslated"),
                        text=_label(code, locale, scope),
                        source=settings.NOEL_QUALITY_SOURCE_LOCALE,
                    ),
                    {"attribute": code},
                    **_where(batch, locale, scope),
                )


def description_of(values: dict[str, Any], locale: str) -> tuple[str, str]:
    """(scope, text) of a product's description in a locale: the non-scoped one, else the first channel's."""
    by_channel = (values.get(settings.NOEL_QUALITY_DESCRIPTION) or {}).get(locale) or {}
    for scope in sorted(by_channel, key=lambda s: (s != ANY, s)):
        if isinstance(by_channel[scope], str) and by_channel[scope].strip():
            return scope, by_channel[scope]
    return "", ""


class Labels:
    """Family and category labels per locale, loaded once per run."""

    def __init__(self, ctx: CheckContext) -> None:
        self.families = dict(Family.objects.values_list("pk", "labels"))
        self.categories = dict(Category.objects.values_list("code", "labels"))

    @classmethod
    def of(cls, ctx: CheckContext) -> Labels:
        if "labels" not in ctx.cache:
            ctx.cache["labels"] = cls(ctx)
        return ctx.cache["labels"]


def profile(batch: Batch, pid: int, locale: str, labels: Labels) -> str:
    """What a description should talk about: the product's name, brand, family and categories."""
    row = batch.products[pid]
    values = batch.merged_values(pid)
    parts = []
    name = (values.get("name") or {}).get(locale) or {}
    parts += [v for v in name.values() if isinstance(v, str)]
    brand = ((values.get("brand") or {}).get(ANY) or {}).get(ANY)
    if isinstance(brand, str):
        parts.append(brand)
    parts.append((labels.families.get(row["family_id"]) or {}).get(locale, ""))
    categories = set(row["categories"]) | {
        c for a in batch.lineage(pid) for c in batch.ancestors[a]["categories"]
    }
    parts += [(labels.categories.get(c) or {}).get(locale, "") for c in sorted(categories)]
    return " ".join(p for p in parts if p)


@register
class DescriptionMismatch(Rule):
    code = "description_mismatch"
    severity = Severity.WARNING
    category = "text"
    description = (
        "A description that talks about another product (swapped descriptions), against the product's "
        "name, brand, family and categories and every other product's of the catalog: character n-gram "
        "TF-IDF, or a sentence embedding with [ai]. A product with no name in the locale is left to the "
        "rules that report missing data."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        from apps.quality.swaps import ProfileIndex

        method, find = similarity.mismatch_method(settings.NOEL_QUALITY_SWAP_METHOD)
        for locale in batch.ctx.locales:
            index = ProfileIndex.of(batch.ctx, locale, batch.ids)
            described = []
            for pid in batch.ids:
                scope, text = description_of(batch.products[pid]["values"], locale)
                if text:
                    described.append((pid, scope, text))
            if method == similarity.LEXICAL:
                verdicts = {pid: index.judge(pid, text) for pid, _scope, text in described}
            else:
                verdicts = index.judge_by_embedding(
                    [pid for pid, _s, _t in described], [text for _p, _s, text in described], find
                )
            for pid, scope, _text in described:
                verdict = verdicts.get(pid)
                if verdict is None:
                    continue
                other = index.sku(verdict.fits) if verdict.fits is not None else None
                message = (
                    said(
                        gettext_noop(
                            "description (%(locale)s) does not match the product; it fits %(other)s "
                            "better (swapped?)"
                        ),
                        locale=locale,
                        other=other,
                    )
                    if other
                    else said(
                        gettext_noop("description (%(locale)s) does not match the product"), locale=locale
                    )
                )
                yield Hit(
                    pid,
                    message,
                    {"own": verdict.own, "fits": other, "fits_score": verdict.fits_score, "method": method},
                    **_where(batch, locale, scope),
                )

    def involved(self, batch: Batch) -> Iterable[int]:
        """Both sides of a swap: the products this batch's open findings name, and the products whose
        open findings name one of this batch (a change of its name may settle or move their verdict)."""
        skus = [row["sku"] for row in batch.products.values()]
        named = Finding.objects.filter(
            rule=self.code, resolved_at__isnull=True, product_id__any=batch.ids
        ).values_list("details__fits", flat=True)
        return set(
            Product.objects.filter(sku__any=[s for s in named if isinstance(s, str)]).values_list(
                "pk", flat=True
            )
        ) | set(
            Finding.objects.filter(
                rule=self.code, resolved_at__isnull=True, details__fits__in=skus
            ).values_list("product_id", flat=True)
        )


_recent: dict[str, tuple[float, DuplicateIndex]] = {}


class DuplicateIndex:
    """Every long-enough description of the catalog as word-shingle sets and bottom-k sketches, built
    once per run: a batch then finds its near-duplicates among all products without comparing pairs."""

    def __init__(self, locale: str) -> None:
        minimum = settings.NOEL_QUALITY_DUPLICATE_MIN_CHARS
        code = settings.NOEL_QUALITY_DESCRIPTION
        self.shingles: dict[int, set[int]] = {}
        self.skus: dict[int, str] = {}
        self.roots: dict[int, int] = {}
        self.by_hash: dict[int, list[int]] = {}
        rows = (
            Product.objects.filter(Q(**{f"values__{code}__has_key": locale}))
            .values_list("pk", "sku", "parent_id", "parent__parent_id", "values")
            .iterator(chunk_size=5000)
        )
        for pid, sku, parent, grand, values in rows:
            _scope, text = description_of(values, locale)
            if len(text) < minimum:
                continue
            hashes = similarity.shingles(text)
            self.shingles[pid], self.skus[pid] = hashes, sku
            self.roots[pid] = grand or parent or pid
            for h in similarity.sketch(hashes):
                self.by_hash.setdefault(h, []).append(pid)

    @classmethod
    def of(cls, ctx: CheckContext, locale: str) -> DuplicateIndex:
        """The run's index; outside a whole-catalog run, this process's copy while it is recent."""
        key = f"duplicates:{locale}"
        if key not in ctx.cache:
            built_at, index = _recent.get(locale, (0.0, None))
            if (
                ctx.whole_catalog
                or index is None
                or time.monotonic() - built_at > settings.NOEL_QUALITY_INDEX_TTL
            ):
                index = cls(locale)
                _recent[locale] = (time.monotonic(), index)
            ctx.cache[key] = index
        return ctx.cache[key]

    def neighbours(self, pid: int, hashes: set[int], limit: int = 50) -> list[tuple[int, float]]:
        """Other products (not of the same model) whose description resembles this one, best first."""
        seen: dict[int, int] = {}
        for h in similarity.sketch(hashes):
            for other in self.by_hash.get(h, ())[: limit * 4]:
                seen[other] = seen.get(other, 0) + 1
        root = self.roots.get(pid, pid)
        threshold = settings.NOEL_QUALITY_DUPLICATE_SIMILARITY
        found = [
            (other, score)
            for other, shared in seen.items()
            if other != pid and shared >= 2 and self.roots.get(other) != root
            and (score := similarity.jaccard(hashes, self.shingles[other])) >= threshold
        ]  # fmt: skip
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))[:limit]


@register
class DescriptionDuplicate(Rule):
    code = "description_duplicate"
    severity = Severity.WARNING
    category = "text"
    description = (
        "A description (NOEL_QUALITY_DUPLICATE_MIN_CHARS characters or more) nearly identical to another "
        "product's: word-shingle resemblance at least NOEL_QUALITY_DUPLICATE_SIMILARITY."
    )

    def run(self, batch: Batch) -> Iterator[Hit]:
        minimum = settings.NOEL_QUALITY_DUPLICATE_MIN_CHARS
        for locale in batch.ctx.locales:
            index = DuplicateIndex.of(batch.ctx, locale)
            for pid in batch.ids:
                scope, text = description_of(batch.products[pid]["values"], locale)
                if len(text) < minimum:
                    continue
                near = index.neighbours(pid, similarity.shingles(text))
                if near:
                    other, score = near[0]
                    params = {"locale": locale, "other": index.skus[other], "score": f"{score:.0%}"}
                    yield Hit(
                        pid,
                        said(
                            gettext_noop(
                                "description (%(locale)s) nearly identical to %(other)s and %(more)s more "
                                "(%(score)s)"
                            ),
                            **params,
                            more=len(near) - 1,
                        )
                        if len(near) > 1
                        else said(
                            gettext_noop(
                                "description (%(locale)s) nearly identical to %(other)s (%(score)s)"
                            ),
                            **params,
                        ),
                        {"similar": [index.skus[o] for o, _s in near[:10]], "resemblance": round(score, 3)},
                        **_where(batch, locale, scope),
                    )

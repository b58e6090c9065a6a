"""Suggestions: asked of a provider (or brought by an integrator), judged by the guard rails, stored, then
accepted (an ordinary change of the product, through the catalog's services: four eyes, history and
completeness apply) or rejected by a person. Bulk jobs with their caps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.assist import guards, policies, providers
from apps.assist.facts import facts_text, product_facts
from apps.assist.models import AssistJob, ChannelStyle, GlossaryTerm, Suggestion
from apps.assist.prompts import DRAFT_PROMPT, draft_messages
from apps.core.models import Channel, Locale, User
from apps.core.services import audit_record
from apps.products import services as product_services
from apps.products import values as vals
from apps.products.models import Attribute, Product

S = Suggestion.Status
_TEXT_TYPES = (Attribute.Type.TEXT, Attribute.Type.TEXTAREA)


def style_for(channel: str, attribute: Attribute) -> guards.Style:
    """The channel's tone, limit and HTML, the attribute's own limit if stricter."""
    found = ChannelStyle.objects.filter(channel__code=channel).first() if channel != vals.ANY else None
    limits = [n for n in (found.max_length if found else None, attribute.max_length) if n]
    return guards.Style(
        max_length=min(limits) if limits else None,
        allowed_tags=list(found.allowed_tags) if found else [],
        tone=found.tone if found else "",
    )


def glossary_for(locale: str) -> list[guards.Term]:
    return [
        guards.Term(t.term, t.translation, t.do_not_translate)
        for t in GlossaryTerm.objects.filter(locale_id=locale)
    ]


def catalog_brands() -> set[str]:
    """Every brand the catalog knows: a brand the product's data does not name is another's. Read once per
    state of the catalog (its last change, by index), not once per suggestion of a job."""
    last = Product.objects.aggregate(at=Max("updated_at"), pk=Max("pk"))
    stamp = last["at"].timestamp() if last["at"] else 0
    key = f"assist:brands:{settings.NOEL_ASSIST_BRAND_ATTRIBUTE}:{stamp}:{last['pk']}"
    return cache.get_or_set(key, _catalog_brands, 600)


def _catalog_brands() -> set[str]:
    code = settings.NOEL_ASSIST_BRAND_ATTRIBUTE
    found = (
        Product.objects.annotate(brand=KT(f"values__{code}__*__*"))
        .exclude(brand=None)
        .values_list("brand", flat=True)
        .distinct()
    )
    return {b for b in found if b}


def _attribute(product: Product, code: str) -> Attribute:
    attribute = Attribute.objects.filter(code=code).first()
    if attribute is None or code not in product_services.allowed_attributes(product):
        raise ValidationError(
            {"attribute": _("%(sku)s has no attribute %(code)s") % {"sku": product.sku, "code": code}}
        )
    if attribute.type not in _TEXT_TYPES:
        raise ValidationError(
            {"attribute": _("%(code)s is not a text: only texts are suggested") % {"code": code}}
        )
    return attribute


def _slot(attribute: Attribute, locale: str, channel: str) -> tuple[str, str]:
    return (locale if attribute.localizable else vals.ANY, channel if attribute.scopable else vals.ANY)


def _own_value(product: Product, attribute: str, locale: str, channel: str) -> str:
    """The text the product holds in exactly this slot (its pending change included), or ""."""
    proposed = product_services.product_proposed(product)
    value = ((proposed.values.get(attribute) or {}).get(locale) or {}).get(channel)
    return value if isinstance(value, str) else ""


def _check_locale_channel(locale: str, channel: str) -> None:
    if not Locale.objects.filter(code=locale, is_active=True).exists():
        raise ValidationError({"locale": _("%(code)s is not an active locale") % {"code": locale}})
    if channel != vals.ANY and not Channel.objects.filter(code=channel).exists():
        raise ValidationError({"channel": _("%(code)s is not a channel") % {"code": channel}})


def _refuse_unless(refusal: str | None) -> None:
    if refusal:
        raise PermissionDenied(refusal)


def _filled(product: Product, attribute: str, locale: str, channel: str) -> ValidationError:
    return ValidationError(
        _(
            "%(sku)s already has a text for %(attribute)s (%(locale)s, %(channel)s): only empty fields are "
            "filled, a person's text is never overwritten"
        )
        % {"sku": product.sku, "attribute": attribute, "locale": locale, "channel": channel}
    )


def _store(
    *,
    actor: User | None,
    product: Product,
    attribute: Attribute,
    locale: str,
    channel: str,
    kind: str,
    verdict: guards.Verdict,
    current: str,
    provider: str,
    model: str,
    prompt_version: str,
    inputs: dict[str, Any],
    tokens: int = 0,
    source_locale: str = "",
    source_text: str = "",
    job: AssistJob | None = None,
) -> Suggestion:
    suggestion = Suggestion.objects.create(
        product=product,
        attribute=attribute.code,
        locale=locale,
        channel=channel,
        kind=kind,
        text=verdict.text,
        source_locale=source_locale,
        source_text=source_text,
        current_text=current,
        base_version=product.version,
        provider=provider,
        model=model,
        prompt_version=prompt_version,
        inputs=inputs,
        tokens=tokens,
        flags=verdict.flags,
        status=S.REFUSED if verdict.refused else S.PENDING,
        job=job,
        created_by=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        actor=actor,
        action="suggestion.refused" if verdict.refused else "suggestion.create",
        object_type="product",
        object_code=product.sku,
        diff={
            "suggestion": suggestion.pk,
            "attribute": attribute.code,
            "locale": locale,
            "channel": channel,
            "provider": provider,
            "flags": [f["rule"] for f in verdict.flags],
        },
    )
    return suggestion


def suggestion_draft(
    *,
    actor: User | None,
    product: Product,
    locale: str,
    channel: str,
    attribute: str | None = None,
    only_empty: bool = True,
    job: AssistJob | None = None,
) -> Suggestion:
    """Ask the chat provider for a draft of `attribute` (the description by default) for one locale and
    channel, from the product's own data, in the channel's tone and limits. Stored pending, or refused by
    the guard rails. Raises ProviderError when the provider gives no text (nothing stored)."""
    _refuse_unless(policies.suggest_refusal(actor, product))
    target = _attribute(product, attribute or settings.NOEL_ASSIST_DRAFT_ATTRIBUTE)
    _check_locale_channel(locale, channel)
    locale, channel = _slot(target, locale, channel)
    current = _own_value(product, target.code, locale, channel)
    if only_empty and current:
        raise _filled(product, target.code, locale, channel)
    chat = providers.writer()
    if chat is None:
        raise providers.NotConfigured(providers.how_to_enable())
    proposed = product_services.product_proposed(product)
    read_as = (
        channel if channel != vals.ANY else (Channel.objects.values_list("code", flat=True).first() or "")
    )
    facts = product_facts(proposed, locale=locale, channel=read_as, leave_out=target.code)
    style = style_for(channel, target)
    reply = chat.chat(draft_messages(facts, locale=locale, style=style))
    verdict = guards.check(
        reply.text,
        locale=locale,
        known=facts_text(facts),
        style=style,
        brands=catalog_brands(),
        glossary=glossary_for(locale),
    )
    return _store(
        actor=actor, product=product, attribute=target, locale=locale, channel=channel,
        kind=Suggestion.Kind.DRAFT, verdict=verdict, current=current, provider=chat.name, model=chat.model,
        prompt_version=DRAFT_PROMPT, inputs={"facts": facts, "tone": style.tone, "only_empty": only_empty},
        tokens=reply.tokens, job=job,
    )  # fmt: skip


def suggestion_translate(
    *,
    actor: User | None,
    product: Product,
    attribute: str,
    source_locale: str,
    locale: str,
    channel: str = vals.ANY,
    only_empty: bool = True,
    job: AssistJob | None = None,
) -> Suggestion:
    """Translate one text value of the product from `source_locale` into `locale` (same channel)."""
    _refuse_unless(policies.suggest_refusal(actor, product))
    target = _attribute(product, attribute)
    if not target.localizable:
        raise ValidationError({"attribute": _("%(code)s is the same in every locale") % {"code": attribute}})
    _check_locale_channel(locale, channel)
    _check_locale_channel(source_locale, channel)
    locale, channel = _slot(target, locale, channel)
    source = _own_value(product, target.code, source_locale, channel)
    if not source:
        raise ValidationError(
            _("%(sku)s has no %(attribute)s in %(locale)s to translate")
            % {"sku": product.sku, "attribute": target.code, "locale": source_locale}
        )
    current = _own_value(product, target.code, locale, channel)
    if only_empty and current:
        raise _filled(product, target.code, locale, channel)
    translator = providers.translator()
    if translator is None:
        raise providers.NotConfigured(providers.how_to_enable())
    glossary = glossary_for(locale)
    keep = sorted({t.term for t in glossary if t.do_not_translate and t.term.lower() in source.lower()})
    reply = translator.translate(source, source=source_locale, target=locale, keep=keep)
    proposed = product_services.product_proposed(product)
    read_as = (
        channel if channel != vals.ANY else (Channel.objects.values_list("code", flat=True).first() or "")
    )
    facts = product_facts(proposed, locale=locale, channel=read_as, leave_out=target.code)
    verdict = guards.check(
        reply.text,
        locale=locale,
        known=facts_text(facts),
        source=source,
        style=style_for(channel, target),
        brands=catalog_brands(),
        glossary=glossary,
    )
    return _store(
        actor=actor, product=product, attribute=target, locale=locale, channel=channel,
        kind=Suggestion.Kind.TRANSLATION, verdict=verdict, current=current, provider=translator.name,
        model=getattr(translator, "model", ""), prompt_version=providers.TRANSLATE_PROMPT,
        inputs={"source": source, "keep": keep, "only_empty": only_empty}, tokens=reply.tokens,
        source_locale=source_locale, source_text=source, job=job,
    )  # fmt: skip


def suggestion_create(
    *,
    actor: User,
    product: Product,
    attribute: str,
    locale: str,
    channel: str,
    kind: str,
    text: str,
    model: str = "",
    prompt_version: str = "",
    inputs: dict[str, Any] | None = None,
    source_locale: str = "",
    only_empty: bool = True,
) -> Suggestion:
    """A text an integrator's own model wrote, judged by the same guard rails; refused ones are not kept
    (the caller is told why)."""
    _refuse_unless(policies.suggest_refusal(actor, product))
    target = _attribute(product, attribute)
    _check_locale_channel(locale, channel)
    locale, channel = _slot(target, locale, channel)
    current = _own_value(product, target.code, locale, channel)
    if only_empty and current:
        raise _filled(product, target.code, locale, channel)
    source = _own_value(product, target.code, source_locale, channel) if source_locale else ""
    proposed = product_services.product_proposed(product)
    read_as = (
        channel if channel != vals.ANY else (Channel.objects.values_list("code", flat=True).first() or "")
    )
    facts = product_facts(proposed, locale=locale, channel=read_as, leave_out=target.code)
    verdict = guards.check(
        text,
        locale=locale,
        known=facts_text(facts),
        source=source,
        style=style_for(channel, target),
        brands=catalog_brands(),
        glossary=glossary_for(locale),
    )
    if verdict.refused:
        raise ValidationError({"text": guards.describe_all(f for f in verdict.flags if f["blocking"])})
    return _store(
        actor=actor, product=product, attribute=target, locale=locale, channel=channel, kind=kind,
        verdict=verdict, current=current, provider=f"api:{actor.get_username()}", model=model,
        prompt_version=prompt_version, inputs={**(inputs or {}), "only_empty": only_empty},
        source_locale=source_locale, source_text=source,
    )  # fmt: skip


def decided_message(suggestion: Suggestion) -> str:
    """Who decided the suggestion and when, for whoever tries to decide it again."""
    return _decided(suggestion).messages[0]


def _decided(suggestion: Suggestion) -> ValidationError:
    who = suggestion.decided_by.get_username() if suggestion.decided_by else _("the guard rails")
    when = date_format(timezone.localtime(suggestion.decided_at or suggestion.created_at), "DATETIME_FORMAT")
    return ValidationError(
        _("This suggestion is already %(status)s (%(who)s, %(when)s): nothing was changed")
        % {"status": suggestion.get_status_display().lower(), "who": who, "when": when},
        code="decided",
    )


def _locked(suggestion: Suggestion, actor: User | None) -> Suggestion:
    locked = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("product", "decided_by")
        .get(pk=suggestion.pk)
    )
    _refuse_unless(policies.decide_refusal(actor, locked))
    if locked.status != S.PENDING:
        raise _decided(locked)
    return locked


@transaction.atomic
def suggestion_accept(*, actor: User | None, suggestion: Suggestion, text: str | None = None) -> Suggestion:
    """Write the suggested text (or the person's edit of it) into the product through the catalog's
    update: an approved product gets a pending change for an approver (four eyes), a draft a new version.
    Refused when the value changed since the suggestion was made (stale), or when it was decided."""
    locked = _locked(suggestion, actor)
    product = Product.objects.select_related("family").get(pk=locked.product_id)
    current = _own_value(product, locked.attribute, locked.locale, locked.channel)
    if current != locked.current_text:
        raise ValidationError(
            _(
                "%(sku)s's %(attribute)s (%(locale)s, %(channel)s) changed since this suggestion was made: "
                "ask for a new one"
            )
            % {
                "sku": product.sku, "attribute": locked.attribute, "locale": locked.locale,
                "channel": locked.channel,
            },
            code="stale",
        )  # fmt: skip
    final = locked.text
    if text is not None and text.strip() != locked.text.strip():
        attribute = Attribute.objects.get(code=locked.attribute)
        verdict = guards.check(
            text,
            locale=locked.locale,
            known=facts_text(locked.inputs.get("facts") or {}),
            source=locked.source_text,
            style=style_for(locked.channel, attribute),
            glossary=glossary_for(locked.locale),
            by_person=True,
        )
        if verdict.refused:
            raise ValidationError({"text": guards.describe_all(f for f in verdict.flags if f["blocking"])})
        locked.inputs = {**locked.inputs, "suggested_text": locked.text}
        locked.flags = verdict.flags
        locked.edited = True
        final = verdict.text
    if not final.strip():
        raise ValidationError({"text": _("The text is empty: reject the suggestion instead")})
    product_services.product_update(
        actor=actor,
        product=product,
        expected_version=product.version,
        changes={"values": {locked.attribute: {locked.locale: {locked.channel: final}}}},
    )
    locked.text = final
    locked.status = S.ACCEPTED
    locked.decided_by = actor if actor is not None and actor.pk else None
    locked.decided_at = timezone.now()
    locked.save()
    audit_record(
        actor=actor,
        action="suggestion.accept",
        object_type="product",
        object_code=product.sku,
        diff={"suggestion": locked.pk, "attribute": locked.attribute, "edited": locked.edited},
    )
    return locked


@transaction.atomic
def suggestion_reject(*, actor: User | None, suggestion: Suggestion, reason: str = "") -> Suggestion:
    locked = _locked(suggestion, actor)
    locked.status = S.REJECTED
    locked.reason = reason
    locked.decided_by = actor if actor is not None and actor.pk else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="suggestion.reject",
        object_type="product",
        object_code=locked.product.sku,
        diff={"suggestion": locked.pk, "reason": reason},
    )
    return locked


def suggestions_decide(
    *, actor: User, suggestions: Iterable[Suggestion], accept: bool
) -> tuple[int, list[tuple[Suggestion, str]]]:
    """Accept or reject many, each on its own: one refusal holds back that suggestion only."""
    done, refused = 0, []
    for suggestion in suggestions:
        try:
            if accept:
                suggestion_accept(actor=actor, suggestion=suggestion)
            else:
                suggestion_reject(actor=actor, suggestion=suggestion)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            refused.append((suggestion, " ".join(getattr(exc, "messages", [str(exc)]))))
    return done, refused


# Bulk jobs --------------------------------------------------------------------------------------------------


def calls_today() -> int:
    """Provider calls made today (Noel's time zone): the suggestions its providers gave, kept or refused,
    and the jobs' failed calls."""
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    stored = Suggestion.objects.filter(created_at__gte=midnight).exclude(provider__startswith="api:").count()
    failed = sum(AssistJob.objects.filter(created_at__gte=midnight).values_list("failed", flat=True))
    return stored + failed


@transaction.atomic
def job_start(
    *, actor: User, kind: str, products: Iterable[Product], locale: str, source_locale: str = ""
) -> AssistJob:
    """Queue a job over the chosen products; refused beyond the per-job cap, when the day's cap is spent,
    or when no provider is set."""
    from apps.assist import tasks

    if not actor.has_perm("assist.add_assistjob"):
        raise PermissionDenied(_("%(user)s may not ask for suggestions") % {"user": actor.get_username()})
    if not providers.enabled(kind):
        raise providers.NotConfigured(providers.how_to_enable())
    chosen = list(products)
    outside = [p.sku for p in product_services.policies.products_outside(actor, chosen)]
    if outside:
        raise PermissionDenied(product_services.policies.outside_message(actor, ", ".join(outside[:5])))
    cap = settings.NOEL_ASSIST_MAX_PER_JOB
    if len(chosen) > cap:
        raise ValidationError(
            _(
                "%(count)d products chosen: a job takes at most %(cap)d (NOEL_ASSIST_MAX_PER_JOB); "
                "choose fewer"
            )
            % {"count": len(chosen), "cap": cap}
        )
    if calls_today() >= settings.NOEL_ASSIST_MAX_CALLS_PER_DAY:
        raise ValidationError(
            _("Today's cap of provider calls is spent (NOEL_ASSIST_MAX_CALLS_PER_DAY): try tomorrow")
        )
    job = AssistJob.objects.create(
        kind=kind,
        locale=locale,
        source_locale=source_locale,
        product_ids=[p.pk for p in chosen],
        total=len(chosen),
        created_by=actor,
    )
    audit_record(actor=actor, action="assist.job", object_type="assistjob", object_code=str(job.pk),
                 diff={"kind": kind, "locale": locale, "products": len(chosen)})  # fmt: skip
    transaction.on_commit(lambda: tasks.run_job.delay(job.pk))
    return job


def _draft_channels(locale: str) -> list[str]:
    """The channels drafts are written for: those with a style (else every active one) selling in the
    locale."""
    channels = Channel.objects.filter(is_active=True, locales__code=locale)
    styled = channels.filter(assist_style__isnull=False)
    return list((styled if styled.exists() else channels).order_by("code").values_list("code", flat=True))


def _slots(job: AssistJob, product: Product) -> list[dict[str, Any]]:
    """What one product asks of the provider in this job: one call each."""
    if job.kind == AssistJob.Kind.DRAFT:
        code = settings.NOEL_ASSIST_DRAFT_ATTRIBUTE
        attribute = Attribute.objects.filter(code=code).first()
        if attribute is None or code not in product_services.allowed_attributes(product):
            return []
        channels = _draft_channels(job.locale) if attribute.scopable else [vals.ANY]
        return [
            {"channel": c}
            for c in channels
            if not _own_value(product, code, _slot(attribute, job.locale, c)[0], c)
        ]
    slots = []
    values = product_services.product_proposed(product).values
    for code in settings.NOEL_ASSIST_TRANSLATED_ATTRIBUTES:
        for channel, text in ((values.get(code) or {}).get(job.source_locale) or {}).items():
            target = ((values.get(code) or {}).get(job.locale) or {}).get(channel)
            if isinstance(text, str) and text.strip() and not target:
                slots.append({"attribute": code, "channel": channel})
    return slots


def job_run(job_id: int) -> AssistJob:
    """Run a job, product after product, saying its progress after each; it stops at the day's cap or
    when the provider is busy (429), with the reason."""
    job = AssistJob.objects.select_related("created_by").get(pk=job_id)
    if job.status not in (AssistJob.Status.QUEUED, AssistJob.Status.RUNNING):
        return job
    job.status = AssistJob.Status.RUNNING
    job.save(update_fields=["status"])
    products = {
        p.pk: p for p in Product.objects.filter(pk__in=job.product_ids).select_related("family", "parent")
    }
    cap = settings.NOEL_ASSIST_MAX_CALLS_PER_DAY
    stop = ""
    for product_id in job.product_ids:
        product = products.get(product_id)
        if product is None:
            job.done += 1
            continue
        for slot in _slots(job, product):
            if calls_today() >= cap:
                stop = _("stopped: today's cap of %(cap)d provider calls is reached") % {"cap": cap}
                break
            try:
                if job.kind == AssistJob.Kind.DRAFT:
                    made = suggestion_draft(actor=job.created_by, product=product, locale=job.locale,
                                            channel=slot["channel"], job=job)  # fmt: skip
                else:
                    made = suggestion_translate(
                        actor=job.created_by, product=product, attribute=slot["attribute"],
                        source_locale=job.source_locale, locale=job.locale, channel=slot["channel"], job=job,
                    )  # fmt: skip
            except providers.ProviderBusy as exc:
                job.failed += 1
                job.calls += 1
                stop = _("stopped: %(reason)s") % {"reason": exc}
                break
            except providers.ProviderError as exc:
                job.failed += 1
                job.calls += 1
                job.message = str(exc)
                continue
            except (ValidationError, PermissionDenied):
                continue  # filled meanwhile, or no longer theirs: nothing asked
            job.calls += 1
            job.tokens += made.tokens
            if made.status == S.REFUSED:
                job.refused += 1
            else:
                job.suggested += 1
        if stop:
            break
        job.done += 1
        job.save(update_fields=["done", "suggested", "refused", "failed", "calls", "tokens", "message"])
    job.status = AssistJob.Status.STOPPED if stop else AssistJob.Status.DONE
    if stop:
        job.message = stop
    job.finished_at = timezone.now()
    job.save()
    return job

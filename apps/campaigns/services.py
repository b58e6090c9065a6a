"""Writes of campaigns. Each is atomic, audited, and announces itself after commit.

The switch (start, end, cancel of a live campaign) flips the status and recomputes the effective prices
of every affected product on every channel of the campaign in one transaction: a reader sees the whole
campaign or none of it. The price modifier decides by status and by instant, so running the switch
twice changes nothing the second time, and a start missed while the workers were down is caught up.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext

from apps.assets.models import Asset
from apps.campaigns import selectors
from apps.campaigns.events import CampaignChanged
from apps.campaigns.models import (
    APPLYING,
    EDITABLE,
    Banner,
    Benefit,
    Campaign,
    Coupon,
    Promotion,
    PromotionOverride,
)
from apps.core import events
from apps.core.instants import instant_check
from apps.core.models import Channel, User
from apps.core.money import MoneyError, currency_exponent, to_decimal
from apps.core.services import audit_record
from apps.pricing.services import effective_prices_refresh

S = Campaign.Status


class GuardRailsFailed(ValidationError):
    """Submission or start refused: the findings say which product, channel, rule and numbers."""

    def __init__(self, campaign: Campaign, impact: selectors.Impact):
        self.campaign, self.impact = campaign, impact
        errors = impact.errors
        head = f"{campaign.code}: {len(errors)} guard-rail error(s)"
        super().__init__([head, *(f.message for f in errors[:50])])


# --- input -------------------------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": f"{name!r} is not a known timezone (e.g. Europe/Paris)"}) from exc


def localize(value: datetime, zone_name: str, field: str) -> datetime:
    """An aware instant from what a person typed: naive times are read in the campaign's timezone, and
    a local time that a DST change skips or repeats is refused rather than guessed, an instant outside
    2000–2100 too."""
    instant_check(value, field)
    if timezone.is_aware(value):
        return value
    zone = _zone(zone_name)
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        local = value.strftime("%Y-%m-%d %H:%M")
        roundtrip = first.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
        kind = (
            "does not exist (clocks go forward)" if roundtrip != value else "happens twice (clocks go back)"
        )
        raise ValidationError({field: f"{local} {kind} in {zone_name}: give the UTC offset or another time"})
    return first


def _check_window(starts_at: datetime, ends_at: datetime, now: datetime, *, planning: bool) -> None:
    if ends_at <= starts_at:
        raise ValidationError(
            {"ends_at": f"the end ({ends_at:%Y-%m-%d %H:%M %Z}) is not after the start "
                        f"({starts_at:%Y-%m-%d %H:%M %Z})"}
        )  # fmt: skip
    if ends_at <= now:
        raise ValidationError({"ends_at": f"the window ended {ends_at:%Y-%m-%d %H:%M %Z}: it is in the past"})
    if planning and starts_at < now:
        raise ValidationError(
            {"starts_at": f"the start {starts_at:%Y-%m-%d %H:%M %Z} is in the past: start now or later"}
        )


def window_check(
    starts_at: datetime, ends_at: datetime, zone_name: str, *, planning: bool = True
) -> tuple[datetime, datetime]:
    """The window as instants, or the reason it is refused (forms call it to show the error on its field)."""
    _zone(zone_name)
    starts_at, ends_at = localize(starts_at, zone_name, "starts_at"), localize(ends_at, zone_name, "ends_at")
    _check_window(starts_at, ends_at, timezone.now(), planning=planning)
    return starts_at, ends_at


def _decimal(value: Any, field: str) -> Decimal:
    try:
        return to_decimal(value)
    except MoneyError as exc:
        raise ValidationError({field: str(exc)}) from exc


def _check_benefit(
    benefit: str, value: Decimal, currency: str | None, where: str, *, field: str, confirm: bool
) -> None:
    if benefit not in Benefit.values:
        raise ValidationError(
            {field: f"{where}: unknown benefit {benefit!r}; one of {', '.join(Benefit.values)}"}
        )
    if value <= 0:
        raise ValidationError({field: f"{where}: {value} must be more than 0"})
    if benefit == Benefit.PERCENTAGE_OFF:
        if value > 100:
            raise ValidationError({field: f"{where}: a percentage of {value} % is more than 100 %"})
        if value < 1 and not confirm:
            meant = f"{(value * 100).normalize():f}"
            raise ValidationError(
                {field: f"{where}: {value} % off is ambiguous: did you mean {meant} %? "
                        f"Enter {meant} for {meant} %, or confirm {value} %"}
            )  # fmt: skip
        return
    places = currency_exponent(currency or "EUR")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValidationError(
            {field: f"{where}: {value} has more decimals than {currency} allows ({places})"}
        )


def _check_currencies(promotion: Promotion, channels: Iterable[Channel]) -> None:
    """An amount is in one currency: it may only apply, without a per-channel override, where it is sold."""
    if promotion.benefit == Benefit.PERCENTAGE_OFF:
        return
    overridden = {o.channel_id for o in promotion.overrides.all()}
    for channel in channels:
        if channel.pk not in overridden and channel.currency_id != promotion.currency_id:
            raise ValidationError(
                {"currency": f"{promotion.code}: {promotion.value.normalize():f} {promotion.currency_id} "
                             f"cannot apply on {channel.code}, which sells in {channel.currency_id}; "
                             f"give {channel.code} its own amount (channel override)"}
            )  # fmt: skip


def _announce(campaign: Campaign, *, transition: str = "") -> None:
    codes = tuple(sorted(c.code for c in campaign.channels.all()))
    events.publish(
        CampaignChanged(
            code=campaign.code, status=campaign.status, channel_codes=codes, transition=transition
        )
    )


def _audit(actor: User | None, campaign: Campaign, action: str, diff: dict | None = None) -> None:
    audit_record(
        actor=actor, action=f"campaign.{action}", object_type="campaign", object_code=campaign.code, diff=diff
    )


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _editable(campaign: Campaign, actor: User, version: int | None) -> Campaign:
    campaign = _locked(campaign)
    if version is not None and version != campaign.version:
        raise ValidationError(
            {"version": f"{campaign.code} was changed by someone else (version {campaign.version}, "
                        f"you edited {version}): reload it"}
        )  # fmt: skip
    if campaign.status not in EDITABLE:
        raise ValidationError(
            f"{campaign.code} is {campaign.get_status_display().lower()}: only a draft or a submission can "
            f"change; cancel it and plan a new one"
        )
    return campaign


def _touch(campaign: Campaign, actor: User) -> None:
    """An edit sends a submission back to draft: what the approver would approve has changed."""
    if campaign.status == S.SUBMITTED:
        campaign.status = S.DRAFT
    campaign.version += 1
    campaign.updated_by = actor
    _contributed(campaign, actor)
    campaign.save()


def _contributed(campaign: Campaign, actor: User | None) -> None:
    """Count `actor` among the campaign's contributors (four eyes), on the instance about to be saved."""
    if actor is not None and actor.pk not in campaign.contributors:
        campaign.contributors = [*campaign.contributors, actor.pk]


# --- campaigns ---------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    code: str,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    channels: Sequence[Channel],
    tz: str = "Europe/Paris",
    notes: str = "",
) -> Campaign:
    starts_at, ends_at = window_check(starts_at, ends_at, tz)
    if not channels:
        raise ValidationError({"channels": "choose at least one channel"})
    if Campaign.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": f"a campaign {code} already exists"})
    campaign = Campaign(
        code=code, name=name, starts_at=starts_at, ends_at=ends_at, timezone=tz, owner=actor,
        updated_by=actor, notes=notes, contributors=[actor.pk],
    )  # fmt: skip
    campaign.full_clean(exclude=["channels"])
    campaign.save()
    campaign.channels.set(channels)
    _audit(actor, campaign, "create", {
        "window": [starts_at.isoformat(), ends_at.isoformat()], "timezone": tz,
        "channels": sorted(c.code for c in channels),
    })  # fmt: skip
    _announce(campaign)
    return campaign


@transaction.atomic
def campaign_update(
    *, actor: User, campaign: Campaign, version: int | None = None, channels: Sequence[Channel] | None = None,
    **changes: Any,
) -> Campaign:  # fmt: skip
    """Change a draft or a submission (which goes back to draft). `version` detects a concurrent edit."""
    campaign = _editable(campaign, actor, version)
    allowed = {"name", "starts_at", "ends_at", "timezone", "notes"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "cannot be changed here"})
    tz = changes.get("timezone", campaign.timezone)
    _zone(tz)
    for field in ("starts_at", "ends_at"):
        if field in changes:
            changes[field] = localize(changes[field], tz, field)
    diff = {k: [str(getattr(campaign, k)), str(v)] for k, v in changes.items() if getattr(campaign, k) != v}
    for key, value in changes.items():
        setattr(campaign, key, value)
    if {"starts_at", "ends_at"} & set(diff):
        _check_window(campaign.starts_at, campaign.ends_at, timezone.now(), planning=True)
    if channels is not None:
        if not channels:
            raise ValidationError({"channels": "choose at least one channel"})
        for promotion in campaign.promotions.prefetch_related("overrides"):
            _check_currencies(promotion, channels)
        before = sorted(campaign.channels.values_list("code", flat=True))
        campaign.channels.set(channels)
        after = sorted(c.code for c in channels)
        if before != after:
            diff["channels"] = [before, after]
    campaign.full_clean(exclude=["channels"])
    _touch(campaign, actor)
    _audit(actor, campaign, "update", diff)
    _announce(campaign)
    return campaign


def _promotion_checked(
    campaign: Campaign, where: str, *, benefit: str, value: Any, currency: str | None, skus: Sequence[str],
    categories: Sequence[str], families: Sequence[str], brands: Sequence[str], product_filter: dict,
    overrides: dict[str, tuple[str, Any]], stacking: str, buy_x_get_y: tuple[int, int] | None,
    confirm: bool, confirm_overrides: bool,
) -> tuple[dict[str, Any], list[PromotionOverride]]:  # fmt: skip
    """Every check of a promotion's content, shared by add and update: the model fields and the
    per-channel overrides to store, or the first reason it is refused."""
    amount = _decimal(value, "value")
    channels = list(campaign.channels.all())
    currency = currency or (
        channels[0].currency_id if benefit != Benefit.PERCENTAGE_OFF and channels else None
    )
    _check_benefit(benefit, amount, currency, where, field="value", confirm=confirm)
    if stacking not in Promotion.Stacking.values:
        raise ValidationError({"stacking": f"{where}: stacking is exclusive or cumulative, not {stacking!r}"})
    _check_target(where, skus, categories, families, brands, product_filter)
    by_code = {c.code: c for c in channels}
    parsed_overrides = []
    for channel_code, (o_benefit, o_value) in overrides.items():
        channel = by_code.get(channel_code)
        if channel is None:
            raise ValidationError(
                {"overrides": f"{where}: {channel_code} is not a channel of {campaign.code}"}
            )
        o_amount = _decimal(o_value, "overrides")
        _check_benefit(
            o_benefit, o_amount, channel.currency_id, f"{where} on {channel_code}", field="overrides",
            confirm=confirm_overrides,
        )  # fmt: skip
        parsed_overrides.append(PromotionOverride(channel=channel, benefit=o_benefit, value=o_amount))
    buy, free = buy_x_get_y or (None, None)
    if buy_x_get_y is not None and (buy < 1 or free < 1):
        raise ValidationError({"buy_x_get_y": f"{where}: buy X get Y needs X and Y of at least 1"})
    fields = {
        "skus": list(skus), "categories": list(categories), "families": list(families),
        "brands": list(brands), "product_filter": product_filter, "benefit": benefit, "value": amount,
        "currency_id": currency, "stacking": stacking, "buy_x_get_y": buy_x_get_y is not None,
        "buy_quantity": buy, "free_quantity": free,
    }  # fmt: skip
    return fields, parsed_overrides


def _promotion_store(promotion: Promotion, overrides: list[PromotionOverride], campaign: Campaign) -> None:
    """Validate and save the promotion with exactly these overrides, then check its currencies."""
    promotion.full_clean(exclude=["campaign", "currency"])
    promotion.save()
    promotion.overrides.all().delete()
    for override in overrides:
        override.promotion = promotion
    PromotionOverride.objects.bulk_create(overrides)
    _check_currencies(promotion, list(campaign.channels.all()))


def _overrides_out(overrides: dict[str, tuple[str, Any]]) -> dict[str, list[str]]:
    return {c: [b, str(v)] for c, (b, v) in sorted(overrides.items())}


@transaction.atomic
def promotion_add(
    *,
    actor: User,
    campaign: Campaign,
    code: str,
    benefit: str,
    value: Any,
    currency: str | None = None,
    skus: Sequence[str] = (),
    categories: Sequence[str] = (),
    families: Sequence[str] = (),
    brands: Sequence[str] = (),
    product_filter: dict | None = None,
    overrides: dict[str, tuple[str, Any]] | None = None,
    priority: int = 0,
    stacking: str = Promotion.Stacking.EXCLUSIVE,
    buy_x_get_y: tuple[int, int] | None = None,
    name: str = "",
    confirm: bool = False,
) -> Promotion:
    """Add a promotion to a draft (or a submission, which goes back to draft).

    `overrides` maps a channel code to its own (benefit, value), amounts in that channel's currency.
    `confirm` accepts a percentage below 1 (otherwise refused as ambiguous: 0.9 for 90 %?).
    """
    campaign = _editable(campaign, actor, None)
    if Promotion.objects.filter(code__iexact=code).exists():
        raise ValidationError({"code": f"a promotion {code} already exists"})
    fields, parsed_overrides = _promotion_checked(
        campaign, f"promotion {code}", benefit=benefit, value=value, currency=currency, skus=skus,
        categories=categories, families=families, brands=brands, product_filter=product_filter or {},
        overrides=overrides or {}, stacking=stacking, buy_x_get_y=buy_x_get_y, confirm=confirm,
        confirm_overrides=confirm,
    )  # fmt: skip
    promotion = Promotion(campaign=campaign, code=code, name=name, priority=priority, **fields)
    _promotion_store(promotion, parsed_overrides, campaign)
    _touch(campaign, actor)
    _audit(actor, campaign, "promotion_add", {
        "promotion": code, "benefit": benefit, "value": f"{fields['value'].normalize():f}",
        "currency": fields["currency_id"], "overrides": _overrides_out(overrides or {}),
    })  # fmt: skip
    _announce(campaign)
    return promotion


PROMOTION_EDITABLE = frozenset({
    "name", "skus", "categories", "families", "brands", "product_filter", "benefit", "value", "currency",
    "overrides", "priority", "stacking", "buy_x_get_y",
})  # fmt: skip


def _promotion_now(promotion: Promotion) -> dict[str, Any]:
    """A promotion as promotion_add takes it, to compare and merge with an edit."""
    return {
        "name": promotion.name, "skus": list(promotion.skus), "categories": list(promotion.categories),
        "families": list(promotion.families), "brands": list(promotion.brands),
        "product_filter": dict(promotion.product_filter or {}), "benefit": promotion.benefit,
        "value": promotion.value, "currency": promotion.currency_id, "priority": promotion.priority,
        "stacking": promotion.stacking,
        "overrides": {
            o.channel.code: (o.benefit, o.value) for o in promotion.overrides.select_related("channel")
        },
        "buy_x_get_y": (promotion.buy_quantity, promotion.free_quantity) if promotion.buy_x_get_y else None,
    }  # fmt: skip


def _same(field: str, old: Any, new: Any) -> bool:
    if field == "value":
        return _decimal(new, "value") == old
    if field == "overrides":
        return {c: (b, _decimal(v, "overrides")) for c, (b, v) in new.items()} == old
    if field == "buy_x_get_y" and new is not None:
        return tuple(new) == old
    return new == old


@transaction.atomic
def promotion_update(
    *, actor: User, promotion: Promotion, confirm: bool = False, **changes: Any
) -> Promotion:
    """Change a promotion of a draft (or a submission, which goes back to draft) with the checks of
    promotion_add; a percentage below 1 already accepted stays accepted while it is not changed."""
    campaign = _editable(promotion.campaign, actor, None)
    promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    unknown = set(changes) - PROMOTION_EDITABLE
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "cannot be changed here"})
    now = _promotion_now(promotion)
    diff = {k: [now[k], v] for k, v in changes.items() if not _same(k, now[k], v)}
    if not diff:
        return promotion
    wanted = {**now, **changes}
    fields, parsed_overrides = _promotion_checked(
        campaign, f"promotion {promotion.code}", benefit=wanted["benefit"], value=wanted["value"],
        currency=wanted["currency"], skus=wanted["skus"], categories=wanted["categories"],
        families=wanted["families"], brands=wanted["brands"], product_filter=wanted["product_filter"] or {},
        overrides=wanted["overrides"] or {}, stacking=wanted["stacking"], buy_x_get_y=wanted["buy_x_get_y"],
        confirm=confirm or not {"benefit", "value"} & set(diff),
        confirm_overrides=confirm or "overrides" not in diff,
    )  # fmt: skip
    for key, value in {**fields, "name": wanted["name"], "priority": wanted["priority"]}.items():
        setattr(promotion, key, value)
    _promotion_store(promotion, parsed_overrides, campaign)
    _touch(campaign, actor)
    _audit(actor, campaign, "promotion_update", {
        "promotion": promotion.code,
        **{k: [_jsonable(a), _jsonable(b)] for k, (a, b) in diff.items()},
    })  # fmt: skip
    _announce(campaign)
    return promotion


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@transaction.atomic
def promotion_remove(*, actor: User, promotion: Promotion) -> None:
    """Take a promotion out of a draft (or a submission, which goes back to draft)."""
    campaign = _editable(promotion.campaign, actor, None)
    code = promotion.code
    promotion.delete()
    _touch(campaign, actor)
    _audit(actor, campaign, "promotion_remove", {"promotion": code})
    _announce(campaign)


def _check_target(
    where: str, skus: Sequence[str], categories: Sequence[str], families: Sequence[str],
    brands: Sequence[str], product_filter: dict,
) -> None:  # fmt: skip
    from apps.products.models import Category, Family, Product

    if not (skus or categories or families or brands or product_filter):
        raise ValidationError({"target": f"{where}: choose SKUs, categories, families, brands or a filter"})
    unknown_keys = set(product_filter) - selectors.FILTER_KEYS
    if unknown_keys:
        raise ValidationError(
            {"product_filter": f"{where}: unknown filter {', '.join(sorted(unknown_keys))}; "
                               f"use {', '.join(sorted(selectors.FILTER_KEYS))}"}
        )  # fmt: skip
    checks = [
        ("skus", Product.objects.filter(sku__in=skus).values_list("sku", flat=True), skus),
        (
            "categories",
            Category.objects.filter(code__in=categories).values_list("code", flat=True),
            categories,
        ),
        ("families", Family.objects.filter(code__in=families).values_list("code", flat=True), families),
    ]
    for field, found, asked in checks:
        missing = sorted(set(asked) - set(found)) if asked else []
        if missing:
            raise ValidationError({field: f"{where}: unknown {field} {', '.join(missing[:10])}"})


# --- banners -----------------------------------------------------------------------------------------


def _check_banner(campaign: Campaign, asset: Asset) -> None:
    name = asset.original_name
    if asset.kind != Asset.Kind.IMAGE:
        raise ValidationError({"banners": f"{name} is a {asset.get_kind_display().lower()}, not an image"})
    if asset.status != Asset.Status.ACTIVE:
        raise ValidationError(
            {"banners": f"{name} is {asset.get_status_display().lower()}: pick an active image"}
        )
    if asset.valid_until is not None and asset.valid_until < campaign.ends_at:
        zone = ZoneInfo(campaign.timezone)
        raise ValidationError(
            {"banners": f"{name}: its rights end {asset.valid_until.astimezone(zone):%Y-%m-%d %H:%M %Z}, "
                        f"before the campaign does ({campaign.ends_at.astimezone(zone):%Y-%m-%d %H:%M %Z})"}
        )  # fmt: skip


@transaction.atomic
def campaign_banners_set(*, actor: User, campaign: Campaign, assets: Sequence[Asset]) -> list[Banner]:
    """The campaign's banners, in this order: DAM images whose rights last the whole window. A draft or
    a submission (which goes back to draft) only; the same list again changes nothing."""
    campaign = _editable(campaign, actor, None)
    before = list(campaign.banners.order_by("position", "pk").values_list("asset_id", flat=True))
    wanted = [asset.pk for asset in assets]
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"banners": "the same picture is listed twice"})
    if wanted == before:
        return list(campaign.banners.order_by("position", "pk"))
    for asset in assets:
        if asset.pk not in before:
            _check_banner(campaign, asset)
    campaign.banners.all().delete()
    banners = Banner.objects.bulk_create(
        [Banner(campaign=campaign, asset=asset, position=n) for n, asset in enumerate(assets)]
    )
    _touch(campaign, actor)
    _audit(actor, campaign, "banners", {"assets": [before, wanted]})
    _announce(campaign)
    return banners


# --- coupons -----------------------------------------------------------------------------------------

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud at the till


def _coupon_scope(
    campaign: Campaign, channels: Sequence[Channel] | None, valid_from: datetime | None,
    valid_until: datetime | None,
) -> tuple[list[Channel], datetime, datetime]:  # fmt: skip
    own = list(campaign.channels.all())
    chosen = list(channels) if channels else own
    outside = sorted({c.code for c in chosen} - {c.code for c in own})
    if outside:
        raise ValidationError({"channels": f"{', '.join(outside)} not in the campaign {campaign.code}"})
    start = localize(valid_from, campaign.timezone, "valid_from") if valid_from else campaign.starts_at
    end = localize(valid_until, campaign.timezone, "valid_until") if valid_until else campaign.ends_at
    if start < campaign.starts_at or end > campaign.ends_at or end <= start:
        raise ValidationError(
            {"valid_until": f"a coupon is valid inside the campaign window "
                            f"({campaign.starts_at:%Y-%m-%d %H:%M} – {campaign.ends_at:%Y-%m-%d %H:%M} UTC), "
                            f"not {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"}
        )  # fmt: skip
    return chosen, start, end


def _coupons_contributed(campaign: Campaign, actor: User) -> None:
    """Whoever adds coupons contributes to the campaign's next approval (four eyes). Coupons do not send
    a submission back to draft: they change no price, and the approver's page does not list them."""
    if actor is not None and actor.pk not in campaign.contributors:
        _contributed(campaign, actor)
        campaign.save(update_fields=["contributors", "updated_at"])


def _coupon_editable(campaign: Campaign) -> Campaign:
    campaign = _locked(campaign)
    if campaign.status in (S.ENDED, S.CANCELLED):
        raise ValidationError(f"{campaign.code} is {campaign.get_status_display().lower()}: no more coupons")
    return campaign


@transaction.atomic
def coupon_create(
    *, actor: User, campaign: Campaign, code: str, usage_limit: int | None = None,
    channels: Sequence[Channel] | None = None, promotion: Promotion | None = None,
    valid_from: datetime | None = None, valid_until: datetime | None = None,
) -> Coupon:  # fmt: skip
    """One code (a single code shared by many customers, e.g. NOEL10): unique whatever its case."""
    campaign = _coupon_editable(campaign)
    code = code.strip()
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        raise ValidationError({"code": f"{code!r}: letters, digits, - and _ only"})
    owner = Coupon.objects.filter(code__iexact=code).select_related("campaign").first()
    if owner is not None:
        raise ValidationError(
            {"code": f"coupon code {code} is already used (campaign {owner.campaign.code})"}
        )
    chosen, start, end = _coupon_scope(campaign, channels, valid_from, valid_until)
    coupon = Coupon(
        campaign=campaign, promotion=promotion, code=code, usage_limit=usage_limit, valid_from=start,
        valid_until=end,
    )  # fmt: skip
    coupon.full_clean(exclude=["campaign", "promotion"])
    coupon.save()
    coupon.channels.set(chosen)
    _coupons_contributed(campaign, actor)
    _audit(actor, campaign, "coupon_create", {"code": code, "usage_limit": usage_limit})
    return coupon


@transaction.atomic
def coupons_generate(
    *, actor: User, campaign: Campaign, count: int, prefix: str = "", length: int = 8,
    usage_limit: int | None = 1, channels: Sequence[Channel] | None = None,
    promotion: Promotion | None = None,
) -> list[Coupon]:  # fmt: skip
    """A batch of unique random codes (single-use by default), for mailings and receipts."""
    campaign = _coupon_editable(campaign)
    prefix = prefix.strip().upper()
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": f"generate between 1 and 100,000 codes, not {count}"})
    if not 6 <= length <= 20 or len(prefix) > 16 or (prefix and not prefix.replace("-", "").isalnum()):
        raise ValidationError(
            {"prefix": "a prefix of up to 16 letters, digits or -, and 6 to 20 random characters"}
        )
    chosen, start, end = _coupon_scope(campaign, channels, None, None)
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {
            prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
            for _ in range(count - len(codes))
        }
        taken = set(
            Coupon.objects.annotate(lower=Lower("code"))
            .filter(lower__in=[c.lower() for c in fresh])
            .values_list("code", flat=True)
        )
        codes |= {c for c in fresh if c.upper() not in {t.upper() for t in taken}}
    batch = f"{campaign.code}-{timezone.now():%Y%m%d%H%M%S}"
    coupons = Coupon.objects.bulk_create(
        [
            Coupon(
                campaign=campaign, promotion=promotion, code=code, usage_limit=usage_limit, valid_from=start,
                valid_until=end, batch=batch,
            )
            for code in sorted(codes)
        ],
        batch_size=5000,
    )  # fmt: skip
    through = Coupon.channels.through
    through.objects.bulk_create(
        [through(coupon_id=c.pk, channel_id=ch.pk) for c in coupons for ch in chosen], batch_size=10_000
    )
    _coupons_contributed(campaign, actor)
    _audit(actor, campaign, "coupons_generate", {"count": count, "batch": batch, "usage_limit": usage_limit})
    return coupons


# --- workflow ----------------------------------------------------------------------------------------


def _check(campaign: Campaign, now: datetime, *, warnings: bool = True) -> selectors.Impact:
    """Guard rails, stored on the campaign for the approver; errors refuse with every finding. At the
    start only errors matter (warnings were shown at approval), so they are not recomputed then."""
    impact = selectors.campaign_impact(campaign, now=now, warnings=warnings)
    if warnings or impact.errors:
        campaign.findings = impact.summary(now)
    return impact


@transaction.atomic
def campaign_submit(*, actor: User, campaign: Campaign) -> selectors.Impact:
    """Ask for approval. Guard-rail errors refuse the submission (nothing changes); warnings are kept."""
    campaign = _locked(campaign)
    if campaign.status != S.DRAFT:
        raise ValidationError(f"{campaign.code} is {campaign.get_status_display().lower()}, not a draft")
    now = timezone.now()
    _check_window(campaign.starts_at, campaign.ends_at, now, planning=False)
    promotions = selectors.campaign_promotions(campaign)
    if not promotions:
        raise ValidationError(f"{campaign.code} has no promotion to submit")
    channels = list(campaign.channels.all())
    for promotion in promotions:
        _check_currencies(promotion, channels)
    impact = _check(campaign, now)
    if impact.errors:
        raise GuardRailsFailed(campaign, impact)
    campaign.status, campaign.submitted_by, campaign.rejection_comment = S.SUBMITTED, actor, ""
    _contributed(campaign, actor)
    campaign.save()
    _audit(actor, campaign, "submit", {"errors": 0, "warnings": len(impact.warnings)})
    _announce(campaign)
    return impact


def campaign_approval_refusal(campaign: Campaign, actor: User, verb: str = "approve") -> str | None:
    """Why `actor` may not approve (or, verb "reject", send back) the campaign, in their language; None
    when they may. Four eyes: nobody who contributed to what is decided (planned or edited the campaign,
    its promotions, banners or coupons since its last approval, or submitted it) decides; administrators
    neither."""
    with translation.override(actor.language or translation.get_language()):
        if not actor.has_perm("campaigns.approve_campaign"):
            message = (
                gettext("%(user)s may not approve campaigns")
                if verb == "approve"
                else gettext("%(user)s may not send back campaigns")
            )
            return message % {"user": actor.get_username()}
        if actor.pk not in campaign.contributors:
            return None
        submitted = campaign.status == S.SUBMITTED and campaign.submitted_by_id == actor.pk
        if verb == "approve" and submitted:
            message = gettext(
                "%(user)s may not approve %(code)s: they submitted it; another approver must approve it"
            )
        elif verb == "approve":
            message = gettext(
                "%(user)s may not approve %(code)s: they planned or edited it, its promotions, banners or "
                "coupons since its last approval; another approver must approve it"
            )
        elif submitted:
            message = gettext(
                "%(user)s may not send back %(code)s: they submitted it; another approver must decide"
            )
        else:
            message = gettext(
                "%(user)s may not send back %(code)s: they planned or edited it, its promotions, banners or "
                "coupons since its last approval; another approver must decide"
            )
        return message % {"user": actor.get_username(), "code": campaign.code}


def _four_eyes(campaign: Campaign, actor: User, verb: str) -> None:
    refusal = campaign_approval_refusal(campaign, actor, verb)
    if refusal is not None:
        raise PermissionDenied(refusal)


@transaction.atomic
def campaign_approve(*, actor: User, campaign: Campaign, comment: str = "") -> Campaign:
    campaign = _locked(campaign)
    if campaign.status != S.SUBMITTED:
        raise ValidationError(f"{campaign.code} is not waiting for approval")
    _four_eyes(campaign, actor, "approve")
    _check_window(campaign.starts_at, campaign.ends_at, timezone.now(), planning=False)
    campaign.status, campaign.approver = S.APPROVED, actor
    campaign.contributors = []  # a new review cycle starts
    campaign.save()
    _audit(actor, campaign, "approve", {"comment": comment} if comment else {})
    _announce(campaign)
    transaction.on_commit(_tick_soon)
    return campaign


@transaction.atomic
def campaign_reject(*, actor: User, campaign: Campaign, comment: str) -> Campaign:
    if not comment.strip():
        raise ValidationError({"comment": "say why the campaign is sent back"})
    campaign = _locked(campaign)
    if campaign.status != S.SUBMITTED:
        raise ValidationError(f"{campaign.code} is not waiting for approval")
    _four_eyes(campaign, actor, "reject")
    campaign.status, campaign.rejection_comment = S.DRAFT, comment
    campaign.save()
    _audit(actor, campaign, "reject", {"comment": comment})
    _announce(campaign)
    return campaign


def _tick_soon() -> None:
    from apps.campaigns.tasks import campaigns_tick

    campaigns_tick.delay()


def _switch(campaign: Campaign, now: datetime, pairs: list[tuple[int, int]] | None = None) -> int:
    """Recompute, in the caller's transaction, the effective prices the campaign touches on all its
    channels (`pairs` when the guard rails just listed them). The modifier reads the status just
    written, so the new prices commit with it."""
    pairs = selectors.campaign_pairs(campaign) if pairs is None else pairs
    return effective_prices_refresh(pairs, at=now)


@transaction.atomic
def campaign_cancel(*, actor: User, campaign: Campaign, comment: str = "") -> Campaign:
    """Stop a campaign whatever its state; a running one gives its prices back at once."""
    campaign = _locked(campaign)
    if campaign.status in (S.ENDED, S.CANCELLED):
        raise ValidationError(f"{campaign.code} is already {campaign.get_status_display().lower()}")
    was = campaign.status
    campaign.status = S.CANCELLED
    campaign.ended_at = timezone.now()
    campaign.save()
    switched = _switch(campaign, campaign.ended_at) if was in APPLYING else 0
    _audit(
        actor,
        campaign,
        "cancel",
        {"from": was, "prices": switched, **({"comment": comment} if comment else {})},
    )
    _announce(campaign, transition="ended" if was == S.LIVE else "")
    return campaign


@transaction.atomic
def campaign_schedule(*, campaign: Campaign) -> Campaign:
    """The scheduler took an approved campaign in charge; it starts at its start instant."""
    campaign = _locked(campaign)
    if campaign.status != S.APPROVED:
        return campaign
    campaign.status = S.SCHEDULED
    campaign.save()
    _audit(None, campaign, "schedule", {"starts_at": campaign.starts_at.isoformat()})
    _announce(campaign)
    return campaign


@transaction.atomic
def campaign_start(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Switch a due campaign on: guard rails again (prices may have moved since approval), then status
    and every effective price in one transaction. Nothing happens if it is not due or already live."""
    now = now or timezone.now()
    campaign = _locked(campaign)
    if campaign.status not in (S.APPROVED, S.SCHEDULED) or campaign.starts_at > now:
        return campaign
    if campaign.ends_at <= now:  # the whole window was missed: there is nothing left to switch on
        campaign.status, campaign.ended_at = S.ENDED, now
        campaign.save()
        _audit(None, campaign, "end", {"missed": True})
        _announce(campaign)
        return campaign
    impact = _check(campaign, now, warnings=False)
    if impact.errors:
        campaign.status = S.DRAFT
        campaign.rejection_comment = (
            f"Not started at {now:%Y-%m-%d %H:%M %Z}: {len(impact.errors)} guard-rail error(s), e.g. "
            f"{impact.errors[0].message}"
        )
        campaign.save()
        _audit(None, campaign, "start_refused", {"errors": len(impact.errors)})
        _announce(campaign)
        return campaign
    campaign.status, campaign.started_at = S.LIVE, now
    campaign.save()
    switched = _switch(campaign, now, impact.pairs)
    _audit(
        None,
        campaign,
        "start",
        {"prices": switched, "late_by_s": int((now - campaign.starts_at).total_seconds())},
    )
    _announce(campaign, transition="started")
    return campaign


@transaction.atomic
def campaign_end(*, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Switch a live campaign off at its end; idempotent like the start."""
    now = now or timezone.now()
    campaign = _locked(campaign)
    if campaign.status != S.LIVE or campaign.ends_at > now:
        return campaign
    campaign.status, campaign.ended_at = S.ENDED, now
    campaign.save()
    switched = _switch(campaign, now)
    _audit(None, campaign, "end", {"prices": switched})
    _announce(campaign, transition="ended")
    return campaign


def campaigns_tick(*, now: datetime | None = None) -> dict[str, int]:
    """What the beat runs every minute: schedule the approved, start the due (catching up any missed
    start), end the finished. Each campaign switches in its own transaction."""
    now = now or timezone.now()
    counts = {"scheduled": 0, "started": 0, "ended": 0}
    for campaign in Campaign.objects.filter(status=S.APPROVED, starts_at__gt=now):
        counts["scheduled"] += campaign_schedule(campaign=campaign).status == S.SCHEDULED
    for campaign in Campaign.objects.filter(
        status__in=[S.APPROVED, S.SCHEDULED], starts_at__lte=now
    ).order_by("starts_at"):
        counts["started"] += campaign_start(campaign=campaign, now=now).status == S.LIVE
    for campaign in Campaign.objects.filter(status=S.LIVE, ends_at__lte=now).order_by("ends_at"):
        counts["ended"] += campaign_end(campaign=campaign, now=now).status == S.ENDED
    return counts

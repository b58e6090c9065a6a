"""Writes of the catalog's set-up records by code (attribute groups, attributes, options, families,
family variants, association types, categories, measurement families, locales, currencies, channels), for
the imports that set a catalog up from files. The admin edits the same records through its model forms;
these services give imports the same validation (`full_clean`), an audit row per changed record, the
family services' completeness recompute, and nothing written at all for a record that did not change
(idempotent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from apps.core.models import Channel, Currency, Locale, User
from apps.core.services import audit_record, channel_fallbacks_set, channel_record_change
from apps.products import services
from apps.products.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    Family,
    FamilyRequirement,
    FamilyVariant,
    MeasurementFamily,
    MeasurementUnit,
)

Outcome = Literal["created", "updated", "unchanged"]


def _plain(value: Any) -> Any:
    """A field value as the audit diff shows it: related records by code, decimals as text."""
    if isinstance(value, models.Model):
        return getattr(value, "code", value.pk)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _record_save(
    *,
    actor: User | None,
    model: type[models.Model],
    lookup: Mapping[str, Any],
    fields: Mapping[str, Any],
    m2m: Mapping[str, Sequence[models.Model]] | None = None,
    object_type: str,
    audit: bool = True,
) -> tuple[Any, Outcome, dict[str, list[Any]]]:
    """Create or update one record found by `lookup`; only the fields given are compared and set."""
    record = model.objects.filter(**lookup).first()
    created = record is None
    if record is None:
        record = model(**lookup)
    diff = {
        name: [None if created else _plain(getattr(record, name)), _plain(value)]
        for name, value in fields.items()
        if created or _plain(getattr(record, name)) != _plain(value)
    }
    wanted = {name: sorted(r.pk for r in related) for name, related in (m2m or {}).items()}
    for name, pks in wanted.items():
        current = [] if created else sorted(getattr(record, name).values_list("pk", flat=True))
        if current != pks:
            diff[name] = [
                [] if created else sorted(getattr(record, name).values_list("code", flat=True)),
                sorted(r.code for r in m2m[name]),  # type: ignore[index]
            ]
    if not diff and not created:
        return record, "unchanged", {}
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean(validate_unique=created, validate_constraints=False)
    record.save()
    for name in wanted:
        getattr(record, name).set(m2m[name])  # type: ignore[index]
    if audit:
        code = getattr(record, "code", record.pk)
        audit_record(
            actor=actor,
            action=f"{object_type}.{'create' if created else 'update'}",
            object_type=object_type,
            object_code=str(code) if object_type != "attribute_option" else f"{record.attribute.code}.{code}",
            diff=diff,
        )
    return record, ("created" if created else "updated"), diff


@transaction.atomic
def attribute_group_save(
    *, actor: User | None, code: str, labels: Mapping[str, str], sort_order: int | None = None
) -> tuple[AttributeGroup, Outcome]:
    fields: dict[str, Any] = {"labels": dict(labels)}
    if sort_order is not None:
        fields["sort_order"] = sort_order
    group, outcome, _diff = _record_save(
        actor=actor, model=AttributeGroup, lookup={"code": code}, fields=fields, object_type="attribute_group"
    )
    return group, outcome


@transaction.atomic
def measurement_family_save(
    *, actor: User | None, code: str, standard_unit: str, units: Iterable[tuple[str, str, str]]
) -> tuple[MeasurementFamily, Outcome]:
    """A measurement family with its units (code, symbol, factor to the standard unit); units already
    there are left alone, so a family adjusted in the admin keeps its factors."""
    family, outcome, _diff = _record_save(
        actor=actor,
        model=MeasurementFamily,
        lookup={"code": code},
        fields={"standard_unit": standard_unit},
        object_type="measurement_family",
    )
    known = set(family.units.values_list("code", flat=True))
    new = [
        MeasurementUnit(family=family, code=unit, symbol=symbol, factor=Decimal(factor))
        for unit, symbol, factor in units
        if unit not in known
    ]
    if new:
        MeasurementUnit.objects.bulk_create(new)
        if outcome == "unchanged":
            outcome = "updated"
            audit_record(
                actor=actor,
                action="measurement_family.update",
                object_type="measurement_family",
                object_code=code,
                diff={"units": [sorted(known), sorted(known | {u.code for u in new})]},
            )
    return family, outcome


@transaction.atomic
def attribute_save(
    *, actor: User | None, code: str, type: str, fields: Mapping[str, Any]
) -> tuple[Attribute, Outcome]:
    """An attribute by code; its type never changes once created (its values are stored in that type), nor
    whether it is unique (as in Akeneo: the values products already hold were never checked, or are held
    once by the database, see UniqueValue)."""
    current = Attribute.objects.filter(code=code).first()
    if current is not None and current.type != type:
        raise ValidationError(
            {"type": f"attribute {code} is a {current.type} in Noel: its type cannot change to {type}"}
        )
    if current is not None and "unique" in fields and bool(fields["unique"]) != current.unique:
        held = "unique" if current.unique else "not unique"
        raise ValidationError(
            {"unique": f"attribute {code} is {held} in Noel: this cannot change once created"}
        )
    attribute, outcome, _diff = _record_save(
        actor=actor,
        model=Attribute,
        lookup={"code": code},
        fields={"type": type, **fields},
        object_type="attribute",
    )
    return attribute, outcome


@transaction.atomic
def attribute_option_save(
    *,
    actor: User | None,
    attribute: Attribute,
    code: str,
    labels: Mapping[str, str],
    sort_order: int | None = None,
) -> tuple[AttributeOption, Outcome]:
    if attribute.type not in (Attribute.Type.SELECT, Attribute.Type.MULTISELECT):
        raise ValidationError({"attribute": f"{attribute.code} is a {attribute.type}: it has no options"})
    fields: dict[str, Any] = {"labels": dict(labels)}
    if sort_order is not None:
        fields["sort_order"] = sort_order
    option, outcome, _diff = _record_save(
        actor=actor,
        model=AttributeOption,
        lookup={"attribute": attribute, "code": code},
        fields=fields,
        object_type="attribute_option",
    )
    return option, outcome


@transaction.atomic
def family_save(
    *,
    actor: User | None,
    code: str,
    labels: Mapping[str, str],
    attributes: Sequence[Attribute],
    label_attribute: Attribute | None = None,
    image_attribute: Attribute | None = None,
    requirements: Mapping[Channel, Sequence[Attribute]] | None = None,
) -> tuple[Family, Outcome]:
    """A family with its attributes and, per channel named, its required attributes (channels not named
    keep theirs); audited and its products' completeness recomputed through `family_record_change`."""
    family, outcome, diff = _record_save(
        actor=actor,
        model=Family,
        lookup={"code": code},
        fields={
            "labels": dict(labels),
            "label_attribute": label_attribute,
            "image_attribute": image_attribute,
        },
        m2m={"attributes": attributes},
        object_type="family",
        audit=False,
    )
    members = {a.pk for a in attributes}
    for channel, required in (requirements or {}).items():
        outside = sorted(a.code for a in required if a.pk not in members)
        if outside:
            raise ValidationError(
                {f"requirements-{channel.code}": f"not attributes of the family {code}: {', '.join(outside)}"}
            )
        current = FamilyRequirement.objects.filter(family=family, channel=channel)
        have = set(current.values_list("attribute_id", flat=True))
        want = {a.pk for a in required}
        if have != want:
            current.exclude(attribute_id__in=want).delete()
            FamilyRequirement.objects.bulk_create(
                [FamilyRequirement(family=family, channel=channel, attribute_id=pk) for pk in want - have]
            )
            diff[f"requirements-{channel.code}"] = [
                sorted(Attribute.objects.filter(pk__in=have).values_list("code", flat=True)),
                sorted(a.code for a in required),
            ]
    if not diff:
        return family, "unchanged"
    services.family_record_change(actor=actor, family=family, diff=diff)
    return family, "updated" if outcome == "unchanged" else outcome


@transaction.atomic
def family_variant_save(
    *,
    actor: User | None,
    code: str,
    family: Family,
    labels: Mapping[str, str],
    axes: Sequence[Attribute],
    variant_attributes: Sequence[Attribute],
    sub_axes: Sequence[Attribute] = (),
    sub_attributes: Sequence[Attribute] = (),
) -> tuple[FamilyVariant, Outcome]:
    """How a family's models split into variants; axes must be simple selects or yes/no of the family."""
    members = set(family.attributes.values_list("pk", flat=True))
    for name, chosen in (
        ("axes", axes),
        ("attributes", variant_attributes),
        ("axes", sub_axes),
        ("attributes", sub_attributes),
    ):
        outside = sorted(a.code for a in chosen if a.pk not in members)
        if outside:
            raise ValidationError({name: f"not attributes of the family {family.code}: {', '.join(outside)}"})
    if not axes:
        raise ValidationError({"axes": "a family variant needs at least one axis"})
    for axis in [*axes, *sub_axes]:
        if axis.type not in (Attribute.Type.SELECT, Attribute.Type.BOOLEAN, Attribute.Type.MEASUREMENT):
            reason = "an axis is a simple select, a yes/no or a measurement"
            raise ValidationError({"axes": f"{axis.code} is a {axis.type}: {reason}"})
    current = FamilyVariant.objects.filter(code=code).first()
    if current is not None and current.family_id != family.pk:
        raise ValidationError({"family": f"family variant {code} belongs to {current.family.code}"})
    variant, outcome, _diff = _record_save(
        actor=actor,
        model=FamilyVariant,
        lookup={"code": code},
        fields={"family": family, "labels": dict(labels)},
        m2m={
            "axes": axes,
            "variant_attributes": variant_attributes,
            "sub_axes": sub_axes,
            "sub_attributes": sub_attributes,
        },
        object_type="family_variant",
    )
    return variant, outcome


@transaction.atomic
def association_type_save(
    *, actor: User | None, code: str, labels: Mapping[str, str]
) -> tuple[AssociationType, Outcome]:
    kind, outcome, _diff = _record_save(
        actor=actor,
        model=AssociationType,
        lookup={"code": code},
        fields={"labels": dict(labels)},
        object_type="association_type",
    )
    return kind, outcome


@transaction.atomic
def category_save(
    *, actor: User | None, code: str, parent: Category | None, labels: Mapping[str, str]
) -> tuple[Category, Outcome]:
    """A category by code: created under its parent, or moved and relabelled through the tree services."""
    current = Category.objects.filter(code=code).first()
    if current is None:
        return services.category_create(actor=actor, code=code, parent=parent, labels=labels), "created"
    outcome: Outcome = "unchanged"
    old_parent = Category.objects.get_parent(current)
    if (old_parent.pk if old_parent else None) != (parent.pk if parent else None):
        current = services.category_move(actor=actor, category=current, parent=parent)
        outcome = "updated"
    if current.labels != dict(labels):
        audit_record(
            actor=actor,
            action="category.update",
            object_type="category",
            object_code=code,
            diff={"labels": [current.labels, dict(labels)]},
        )
        Category.objects.filter(pk=current.pk).update(labels=dict(labels))
        outcome = "updated"
    return current, outcome


def locale_save(*, actor: User | None, code: str, active: bool) -> tuple[Locale | None, Outcome]:
    """An active locale is created or activated. An inactive one is neither created nor deactivated: it
    holds no product text, and a Noel locale stays active while its channels use it."""
    return _reference_save(actor, Locale, code, active, {"name": locale_name(code)})


def currency_save(*, actor: User | None, code: str, active: bool) -> tuple[Currency | None, Outcome]:
    """As `locale_save`: an active currency is created (its decimals are ISO 4217's) or activated."""
    return _reference_save(actor, Currency, code, active, {"name": code})


@transaction.atomic
def _reference_save(
    actor: User | None, model: type[Locale | Currency], code: str, active: bool, new: dict[str, Any]
) -> tuple[Any, Outcome]:
    """The two rules above for either model: `new` holds the fields of a record created here."""
    exists = model.objects.filter(code=code).exists()
    if not active and not exists:
        return None, "unchanged"
    fields: dict[str, Any] = {"is_active": True} if active else {}
    if not exists:
        fields |= new
    record, outcome, _diff = _record_save(
        actor=actor, model=model, lookup={"code": code}, fields=fields, object_type=model._meta.model_name
    )
    return record, outcome


def locale_name(code: str) -> str:
    """ "Deutsch (CH)" for de_CH, from Django's own language names; the code itself when Django has none."""
    language, _sep, region = code.partition("_")
    info = LANG_INFO.get(language) or LANG_INFO.get(f"{language}-{region.lower()}", {})
    if "fallback" in info:  # zh-cn → zh-hans
        info = LANG_INFO[info["fallback"][0]]
    local = info.get("name_local")
    return f"{local[:1].upper()}{local[1:]} ({region})" if local else code


@transaction.atomic
def channel_save(
    *,
    actor: User | None,
    code: str,
    name: str,
    locales: Sequence[str],
    currency: str,
    kind: str = Channel.Kind.WEB,
) -> tuple[Channel, Outcome]:
    """A channel with its locales (activated) and currency; the kind of an existing channel is kept."""
    found = {locale.code: locale for locale in Locale.objects.filter(code__in=locales)}
    unknown = sorted(set(locales) - set(found))
    if unknown:
        raise ValidationError({"locales": f"unknown locale(s): {', '.join(unknown)}"})
    if not Currency.objects.filter(code=currency).exists():
        raise ValidationError({"currencies": f"unknown currency {currency}"})
    Locale.objects.filter(code__in=locales, is_active=False).update(is_active=True)
    Currency.objects.filter(code=currency, is_active=False).update(is_active=True)
    current = Channel.objects.filter(code=code).first()
    fields: dict[str, Any] = {"name": name or (current.name if current else code), "currency_id": currency}
    if current is None:
        fields["kind"] = kind
    channel, outcome, diff = _record_save(
        actor=actor,
        model=Channel,
        lookup={"code": code},
        fields=fields,
        m2m={"locales": list(found.values())},
        object_type="channel",
        audit=False,
    )
    if outcome != "unchanged":
        channel_record_change(actor=actor, channel=channel, diff=diff)
    return channel, outcome


@transaction.atomic
def channel_fallbacks_propose(*, actor: User | None, sources: Sequence[str]) -> list[str]:
    """Give the channels that take no other's values yet those of the imported channels (`sources`, an
    Akeneo catalog's scopes: `ecommerce` first when it is one, the web shop's): a catalog whose texts are
    scoped to Akeneo's channels then reaches Noel's Google or Meta channels without copying columns.
    Returns what was set, one sentence per channel, for the import's report."""
    sources = [code for code in sources if code]
    if not sources:
        return []
    preferred = "ecommerce" if "ecommerce" in sources else sources[0]
    said = []
    for channel in Channel.objects.exclude(code__in=sources).filter(fallbacks=[]):
        channel_fallbacks_set(actor=actor, channel=channel, fallbacks=[preferred])
        said.append(
            _(
                "channel {channel} now takes the values scoped to {source} where it has none of its own"
            ).format(channel=channel.code, source=preferred)
        )
    return said

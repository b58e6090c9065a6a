import factory

from apps.core.models import Channel, Currency, Locale
from apps.products.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    Completeness,
    Family,
    FamilyRequirement,
    FamilyVariant,
    MeasurementFamily,
    MeasurementUnit,
    Product,
    Score,
)
from apps.products.services import category_create


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "web"
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = Channel.Kind.WEB
    currency = factory.LazyFunction(lambda: Currency.objects.get(code="EUR"))

    @factory.post_generation
    def locales(self, create, extracted, **kwargs):
        if create:
            self.locales.set(Locale.objects.filter(code__in=extracted or ["fr_FR", "en_GB"]))


class AttributeGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeGroup
        django_get_or_create = ("code",)

    code = "marketing"


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attribute
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"attr_{n}")
    type = Attribute.Type.TEXT
    group = factory.SubFactory(AttributeGroupFactory)
    labels = factory.LazyAttribute(lambda o: {"en_GB": o.code.title(), "fr_FR": o.code.title()})


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AttributeOption
        django_get_or_create = ("attribute", "code")

    code = factory.Sequence(lambda n: f"opt_{n}")


def weight_family() -> MeasurementFamily:
    family, _ = MeasurementFamily.objects.get_or_create(code="weight", defaults={"standard_unit": "GRAM"})
    for code, symbol, factor in (("GRAM", "g", "1"), ("KILOGRAM", "kg", "1000")):
        MeasurementUnit.objects.get_or_create(
            family=family, code=code, defaults={"symbol": symbol, "factor": factor}
        )
    return family


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"family_{n}")

    @factory.post_generation
    def attributes(self, create, extracted, **kwargs):
        if create and extracted:
            self.attributes.set(extracted)


def require(family: Family, channel: Channel, *attributes: Attribute) -> None:
    for attribute in attributes:
        FamilyRequirement.objects.get_or_create(family=family, channel=channel, attribute=attribute)


def variant_of(
    family: Family, code: str, axes: list[Attribute], variant_attributes: list[Attribute]
) -> FamilyVariant:
    fv, _ = FamilyVariant.objects.get_or_create(family=family, code=code)
    fv.axes.set(axes)
    fv.variant_attributes.set(variant_attributes)
    return fv


def category(code: str, parent: Category | None = None) -> Category:
    existing = Category.objects.filter(code=code).first()
    if existing:
        return existing
    return category_create(actor=None, code=code, parent=parent, labels={"en_GB": code.title()})


def score(product: Product | str, channel: Channel, locale: str) -> Score | None:
    """A product's (or a SKU's) stored completeness for one channel and locale; None when it has none."""
    found = Completeness.objects.filter(
        **{"product__sku" if isinstance(product, str) else "product": product}
    )
    stored = found.first()
    return stored.score(channel.code, locale) if stored else None

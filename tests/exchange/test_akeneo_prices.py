"""Akeneo's price collection (`price-EUR`, `price-USD`) becomes the channels' prices where they have none:
through the price services (guard rails, history, audit), never over a price set in Noel."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from apps.core.models import AuditLog, Currency
from apps.exchange.akeneo.imports import catalog_import
from apps.pricing.models import Price
from apps.pricing.services import PriceLine, price_set, prices_apply_batch
from apps.products.models import Attribute, Product
from tests.core.factories import UserFactory
from tests.products.factories import AttributeFactory, ChannelFactory

HEADER = "sku;categories;enabled;family;groups;parent;name-fr_FR;brand;price-EUR;price-USD;rrp-EUR\n"


def products_csv(folder: Path, rows: list[str]) -> Path:
    """A products file as Akeneo writes it: `;` between cells, one column per currency of a price."""
    folder.mkdir(exist_ok=True)
    path = folder / "products.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def akeneo_shop(shop):
    """The shop (web and google in EUR) with Akeneo's `price` attribute and a channel selling in USD."""
    Currency.objects.filter(code="USD").update(is_active=True)
    shop.toys.attributes.add(AttributeFactory(code="price", type=Attribute.Type.PRICE))
    shop.us = ChannelFactory(code="us", currency=Currency.objects.get(code="USD"))
    return shop


ROWS = [
    "TOY-1;toys;1;toys;;;Renne;Lutin;19.90;24.00;29.90",
    "TOY-2;toys;1;toys;;;Lutin;Lutin;34.00;39.00;",
]


def prices() -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (p.product.sku, p.channel.code): (format(p.amount.quantize(Decimal("0.01")), "f"), p.currency_id)
        for p in Price.objects.select_related("product", "channel")
    }


def test_each_imported_product_has_its_price_on_the_channels_of_its_currency(akeneo_shop, tmp_path):
    report = catalog_import(actor=None, paths=[products_csv(tmp_path / "export", ROWS)])
    assert report.error_count == 0
    assert prices() == {
        ("TOY-1", "web"): ("19.90", "EUR"),
        ("TOY-1", "google"): ("19.90", "EUR"),
        ("TOY-1", "us"): ("24.00", "USD"),
        ("TOY-2", "web"): ("34.00", "EUR"),
        ("TOY-2", "google"): ("34.00", "EUR"),
        ("TOY-2", "us"): ("39.00", "USD"),
    }
    # the attribute keeps Akeneo's values too; the other price attribute (rrp) is no channel price
    assert Product.objects.get(sku="TOY-1").values["price"] == {"*": {"*": {"EUR": "19.90", "USD": "24.00"}}}
    # through the price services: audited as an import, versioned
    audit = AuditLog.objects.get(action="price.set", object_code="TOY-1@web")
    assert audit.source == AuditLog.Source.IMPORT and audit.diff["amount"] == [None, "19.9"]
    assert Price.objects.get(product__sku="TOY-1", channel__code="web").events.count() == 1
    assert report.as_dict()["prices"] == {"set": 6, "not_set": []}


def test_a_second_import_never_overwrites_a_price_set_in_noel(akeneo_shop, tmp_path):
    catalog_import(actor=None, paths=[products_csv(tmp_path / "first", ROWS)])
    toy = Product.objects.get(sku="TOY-1")
    price_set(actor=akeneo_shop.merchandiser, product=toy, channel=akeneo_shop.web, amount="21.50")
    ChannelFactory(code="outlet")  # a channel in EUR opened since: it has no price yet
    changed = ["TOY-1;toys;1;toys;;;Renne;Lutin;25.00;30.00;29.90", ROWS[1]]

    report = catalog_import(actor=None, paths=[products_csv(tmp_path / "second", changed)])

    assert report.error_count == 0
    found = prices()
    assert found[("TOY-1", "web")] == ("21.50", "EUR"), "the price edited in Noel stays"
    assert found[("TOY-1", "google")] == ("19.90", "EUR"), "a price once set is Noel's"
    assert found[("TOY-1", "us")] == ("24.00", "USD")
    assert found[("TOY-1", "outlet")] == ("25.00", "EUR"), "a channel without a price takes the file's"
    assert AuditLog.objects.filter(action="price.set", object_code="TOY-1@web").count() == 2


def test_a_dry_run_sets_no_price(akeneo_shop, tmp_path):
    report = catalog_import(actor=None, paths=[products_csv(tmp_path / "export", ROWS)], dry_run=True)
    assert report.error_count == 0 and not Price.objects.exists()


def test_the_attribute_taken_as_the_price_is_a_setting(akeneo_shop, tmp_path, settings):
    settings.NOEL_AKENEO_PRICE_ATTRIBUTE = "rrp"
    catalog_import(actor=None, paths=[products_csv(tmp_path / "export", ROWS)])
    assert prices() == {("TOY-1", "web"): ("29.90", "EUR"), ("TOY-1", "google"): ("29.90", "EUR")}


def test_a_person_without_the_right_to_set_prices_imports_the_products_and_is_told_why_no_price(
    akeneo_shop, tmp_path
):
    person = UserFactory(username="ines")
    person.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="products",
            codename__in=["add_product", "change_product", "add_attribute"],
        )
    )
    report = catalog_import(actor=person, paths=[products_csv(tmp_path / "export", ROWS)])
    assert report.error_count == 0 and Product.objects.filter(sku__in=["TOY-1", "TOY-2"]).count() == 2
    assert not Price.objects.exists()
    assert report.as_dict()["prices"] == {
        "set": 0,
        "not_set": ["ines may not set prices: the file's prices were not set"],
    }


def test_the_command_says_how_many_prices_it_set(akeneo_shop, tmp_path):
    out = io.StringIO()
    call_command(
        "import_catalog",
        str(products_csv(tmp_path / "export", ROWS).parent),
        "--format",
        "akeneo",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "channel prices set from the file: 6" in out.getvalue()


def test_a_batch_keeping_existing_prices_leaves_a_price_set_since_the_lines_were_drawn(akeneo_shop, tmp_path):
    catalog_import(actor=None, paths=[products_csv(tmp_path / "export", ROWS)])
    # lines drawn before a person priced the product: the batch, under lock, still leaves that price
    lines = [
        PriceLine(sku="TOY-1", channel="web", amount="99.00"),
        PriceLine(sku="TOY-1", channel="google", amount="1"),
    ]
    result = prices_apply_batch(actor=None, lines=lines, partial=True, keep_existing=True)
    assert (result["applied"], result["created"], result["changed"], result["errors"]) == (0, 0, 0, [])
    assert prices()[("TOY-1", "web")] == ("19.90", "EUR") and prices()[("TOY-1", "google")] == (
        "19.90",
        "EUR",
    )

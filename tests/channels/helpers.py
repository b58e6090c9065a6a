"""Helpers for feed tests: approved, priced, stocked products, and reading a run's file."""

from django.core.files.storage import default_storage

from apps.core.models import Channel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import price_set
from apps.products import services as product_services
from tests.products.fixtures import texts

GTINS = ["4006381333931", "5901234123457", "4012345678901", "3017620422003"]


def described(text: str) -> dict:
    """A description for every channel (descriptions are scoped per channel)."""
    return {"fr_FR": dict.fromkeys(Channel.objects.values_list("code", flat=True), text)}


def sellable(shop, sku, *, price="20", stock=5, gtin=None, approve=True, **values):
    base = {
        "name": texts(f"Jouet {sku}"),
        "description": described(f"Un beau jouet {sku}"),
        "brand": {"*": {"*": "Lutin"}},
        "main_image": {"*": {"*": f"https://cdn.example/{sku}.jpg"}},
    }
    base.update(values)
    product = product_services.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.toys, values=base, gtin=gtin, categories=["toys"]
    )
    if approve:
        product_services.product_submit(actor=shop.merchandiser, product=product)
        product_services.product_approve(actor=shop.approver, product=product)
    for channel in (shop.google, shop.web):
        price_set(actor=shop.merchandiser, product=product, channel=channel, amount=price)
    stock_apply_batch(actor=None, lines=[StockLine(sku=sku, location="WH", quantity=stock)])
    product.refresh_from_db()
    return product


def read(run) -> str:
    with default_storage.open(run.file, "rb") as source:
        return source.read().decode()

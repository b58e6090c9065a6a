"""A Christmas shop with prices, stock and people, and campaigns planned through the services."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from apps.campaigns import services
from apps.campaigns.models import Benefit
from apps.core.models import Role
from apps.inventory.services import StockLine, stock_apply_batch
from apps.pricing.services import effective_prices_recompute, price_set
from apps.products import services as product_services
from tests.core.factories import UserFactory
from tests.inventory.factories import LocationFactory
from tests.products.fixtures import texts

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)
START = datetime(2026, 12, 1, 0, 0, tzinfo=PARIS)
END = datetime(2026, 12, 26, 0, 0, tzinfo=PARIS)

PRODUCTS = [  # sku, categories, brand, price, cost
    ("TOY-1", ["plush"], "Noel", "20.00", "8.00"),
    ("TOY-2", ["toys"], "Lutin", "10.00", "4.00"),
    ("DECO-1", ["decorations"], "Noel", "30.00", "12.00"),
]


def build_christmas(shop: SimpleNamespace) -> SimpleNamespace:
    """Three products on web and google with prices and stock; a marketer and two approvers."""
    products = {}
    for sku, categories, brand, amount, cost in PRODUCTS:
        product = product_services.product_create(
            actor=shop.merchandiser, sku=sku, family=shop.toys, categories=categories,
            values={"name": texts(sku), "brand": {"*": {"*": brand}}},
        )  # fmt: skip
        products[sku] = product
        for channel in (shop.web, shop.google):
            price_set(actor=shop.merchandiser, product=product, channel=channel, amount=amount, cost=cost)
    LocationFactory(code="WH", channels=[shop.web, shop.google])
    stock_apply_batch(actor=None, lines=[StockLine(sku, "WH", quantity=5) for sku in products])
    effective_prices_recompute()
    shop.products = products
    shop.marketer = UserFactory(username="lea", roles=[Role.MARKETER])
    shop.approver2 = UserFactory(username="anna", roles=[Role.APPROVER])
    return shop


def plan(shop, *, code="XMAS", start=START, end=END, channels=None, **promotion) -> object:
    """A draft campaign with one promotion (20 % off the plush subtree unless told otherwise)."""
    campaign = services.campaign_create(
        actor=shop.marketer, code=code, name="Christmas", starts_at=start, ends_at=end,
        channels=channels or [shop.web, shop.google],
    )  # fmt: skip
    promotion = {"categories": ["plush"], "benefit": Benefit.PERCENTAGE_OFF, "value": "20", **promotion}
    services.promotion_add(actor=shop.marketer, campaign=campaign, code=f"{code}-P1", **promotion)
    campaign.refresh_from_db()
    return campaign


def approved(shop, **kwargs):
    campaign = plan(shop, **kwargs)
    services.campaign_submit(actor=shop.marketer, campaign=campaign)
    return services.campaign_approve(actor=shop.approver, campaign=campaign)


def money(value: str) -> Decimal:
    return Decimal(value)

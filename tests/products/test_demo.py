from io import StringIO

import pytest
from django.core.management import call_command

from apps.inventory.selectors import available_to_sell
from apps.pricing.models import EffectivePrice, Price
from apps.products.models import Completeness, Product


@pytest.mark.django_db
def test_seed_demo_builds_a_christmas_shop_with_variants_prices_and_stock():
    out = StringIO()
    call_command("seed_demo", products=60, stdout=out)
    assert Product.objects.count() == 60
    assert Product.objects.filter(parent__isnull=False).exists()
    assert Product.objects.filter(status="approved").count() == 48
    assert Completeness.objects.exclude(incomplete=[]).exists(), "some products are deliberately incomplete"
    sellable = Product.objects.filter(is_model=False)
    assert Price.objects.filter(product__in=sellable).count() == sellable.count() * 5
    assert not EffectivePrice.objects.filter(dirty=True).exists()
    available = available_to_sell(sellable.values_list("pk", flat=True), ["web"])
    assert any(q == 0 for q in available.values()) and any(q > 0 for q in available.values())
    call_command("seed_demo", products=60, stdout=StringIO())
    assert Product.objects.count() == 60

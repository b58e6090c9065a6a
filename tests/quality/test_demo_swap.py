"""The swapped-description rule on the demo catalog: after two descriptions are exchanged, it names
both products (and each one's rightful owner), and the untouched demo products stay silent."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.products.models import Product
from apps.quality import services
from apps.quality.models import Finding

pytestmark = pytest.mark.django_db


def _swap(first: Product, second: Product, locale: str = "fr_FR") -> None:
    a, b = first.values["description"][locale], second.values["description"][locale]
    first.values["description"][locale], second.values["description"][locale] = b, a
    first.save(update_fields=["values"])
    second.save(update_fields=["values"])


def test_a_swap_in_the_demo_catalog_is_found():
    call_command("seed_demo", products=120, stdout=StringIO())
    services.quality_check_catalog(rule_codes=["description_mismatch"])
    assert not Finding.objects.filter(rule="description_mismatch").exists()
    toy = Product.objects.filter(sku__startswith="TOY-").order_by("sku")[3]
    food = Product.objects.filter(sku__startswith="FOO-").order_by("sku")[5]
    _swap(toy, food)
    services.quality_check_catalog(rule_codes=["description_mismatch"])
    found = Finding.objects.filter(rule="description_mismatch", resolved_at__isnull=True)
    assert {f.product.sku for f in found} == {toy.sku, food.sku}
    assert all(f.locale == "fr_FR" and "swapped?" in f.message for f in found)

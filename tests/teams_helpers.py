"""A merchandiser team limited to the Toys subtree (an administrator's grant, given here through
django-guardian as the category's permission page does), and one product per team to try it on."""

from types import SimpleNamespace

from guardian.shortcuts import assign_perm

from apps.core.models import Role
from apps.products import services
from apps.products.models import Category
from tests.core.factories import UserFactory
from tests.products.fixtures import texts


def toys_team(shop) -> SimpleNamespace:
    """TOY-1 (toys), PLUSH-1 (plush, under toys) and DECO-1 (decorations, another team's); `user` may work
    on toys only, `shop.merchandiser` is not limited."""
    products = {
        sku: services.product_create(
            actor=None, sku=sku, family=shop.toys, categories=[category], values={"name": texts(sku)}
        )
        for sku, category in (("TOY-1", "toys"), ("PLUSH-1", "plush"), ("DECO-1", "decorations"))
    }
    user = UserFactory(username="toys_team", roles=[Role.MERCHANDISER])
    assign_perm("products.edit_products_in", user, Category.objects.get(code="toys"))
    return SimpleNamespace(
        user=user, toy=products["TOY-1"], plush=products["PLUSH-1"], deco=products["DECO-1"]
    )

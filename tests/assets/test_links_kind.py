"""Only pictures are linked to products: a PDF (which the DAM keeps; a text file it does not even store)
is refused in every role, by hand or by its name, and the refusal says which file and why."""

import pytest
from django.core.exceptions import ValidationError

from apps.assets import services
from apps.assets.models import ProductAsset
from tests.assets.factories import picture

pytestmark = pytest.mark.django_db
Role = ProductAsset.Role


@pytest.mark.parametrize("role", Role.values)
def test_a_pdf_cannot_be_linked_to_a_product_in_any_role(shop, role):
    from apps.products import services as product_services

    toy = product_services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={})
    leaflet = services.asset_upload(actor=None, name="leaflet.pdf", data=b"%PDF-1.4 leaflet").asset
    with pytest.raises(ValidationError) as caught:
        services.product_asset_link(actor=None, product=toy, asset=leaflet, role=role)
    assert "leaflet.pdf is not a picture" in " ".join(caught.value.messages)
    assert not ProductAsset.objects.exists()


def test_a_pdf_named_like_a_products_picture_is_stored_but_left_unlinked(shop):
    from apps.products import services as product_services

    product_services.product_create(actor=None, sku="TOY-1", family=shop.toys, values={})
    report = services.assets_upload_many(
        actor=None,
        files=[("TOY-1_2.pdf", b"%PDF-1.4 leaflet"), ("TOY-1_1.png", picture(fmt="PNG"))],
        tags=["noel"],
    )
    assert [u.name for u in report.linked] == ["TOY-1_1.png"]
    assert [u.name for u in report.unmatched] == ["TOY-1_2.pdf"]
    assert [sorted(u.asset.tags) for u in report.uploaded] == [["noel"], ["noel"]]

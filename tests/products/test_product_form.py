"""The product change form as a person uses it: categories from a searchable tree, pictures chosen by their
thumbnails, option labels rather than codes, a text box per channel the family requires, and the quality
score of what was just saved. What the form does not offer cannot be posted either."""

import re

import pytest

from apps.assets import services as dam
from apps.assets.models import ProductAsset
from apps.products import services
from apps.products.models import Product
from apps.quality.models import ProductScore
from tests.assets.factories import upload
from tests.products.fixtures import texts
from tests.products.test_admin import _form_data
from tests.teams_helpers import toys_team

URL = "/admin/products/product/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def merch(client, shop):
    client.force_login(shop.merchandiser)
    return client


def _toy(shop, sku="TOY-1", **values):
    return services.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.toys, categories=["plush"],
        values={"name": texts(f"Renne {sku}", f"Reindeer {sku}"), **values},
    )  # fmt: skip


def _options(html: str, name: str) -> str:
    return html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]


def test_categories_are_a_tree_searchable_by_any_ancestors_name(shop, merch):
    toy = _toy(shop)
    html = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    assert 'class="noel-tree-select"' in html and "noel/pickers.js" in html
    options = _options(html, "categories")
    plush = re.search(r'<option value="plush"([^>]*)>', options).group(1)
    assert 'data-depth="3"' in plush and 'data-path="Christmas › Toys › Plush"' in plush
    assert "selected" in plush
    assert re.search(r'<option value="christmas"[^>]*data-depth="1"', options)


def test_a_limited_merchandiser_is_offered_and_may_post_only_their_teams_categories(shop, client):
    team = toys_team(shop)
    client.force_login(team.user)
    html = client.get(f"{URL}{team.toy.pk}/change/").content.decode()
    options = _options(html, "categories")
    assert 'value="plush"' in options and 'value="decorations"' not in options
    # the tree still names the ancestors the person may not choose, so a subtree is found by its parent
    assert 'data-path="Christmas › Toys"' in options
    data = _form_data(team.toy, categories=["toys", "decorations"])
    response = client.post(f"{URL}{team.toy.pk}/change/", data)
    assert response.status_code == 200
    assert (
        "Select a valid choice. decorations is not one of the available choices." in response.content.decode()
    )
    team.toy.refresh_from_db()
    assert team.toy.categories == ["toys"]


def test_pictures_are_chosen_by_their_thumbnail_and_only_the_chosen_one_is_rendered(shop, merch):
    toy = _toy(shop)
    chosen = upload("TOY-1_1.jpg")
    upload("another.jpg")
    dam.product_asset_link(actor=None, product=toy, asset=chosen, role="main")
    html = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    select = html.split('name="asset_links-0-asset"', 1)[0].rsplit("<select", 1)[1] + _options(
        html, "asset_links-0-asset"
    )
    assert "noel-remote-picker" in select and 'data-url="/admin/assets/asset/pick/"' in select
    assert re.search(rf'<option value="{chosen.pk}"[^>]*data-thumbnail="[^"]+"[^>]*selected', select) or (
        re.search(rf'<option value="{chosen.pk}"[^>]*selected[^>]*data-thumbnail="[^"]+"', select)
    )
    assert "another.jpg" not in select  # the library is searched as one types, never listed whole


def test_the_picture_search_finds_active_images_with_thumbnails_and_never_other_files(shop, merch):
    toy = _toy(shop)
    used = upload("sapin-rouge.jpg")
    upload("sapin-vert.jpg")
    upload("sapin-notes.pdf", data=PDF)
    dam.product_asset_link(actor=None, product=toy, asset=used, role="gallery")
    found = merch.get("/admin/assets/asset/pick/", {"term": "sapin"}).json()
    names = {row["text"].split(" · ")[0] for row in found["results"]}
    assert names == {"sapin-rouge.jpg", "sapin-vert.jpg"}
    assert all(row["thumbnail"] for row in found["results"])
    rouge = next(row for row in found["results"] if row["text"].startswith("sapin-rouge"))
    assert rouge["text"].endswith("used by 1 product") and "TOY-1" not in rouge["text"]
    assert found["pagination"] == {"more": False}


def test_a_file_that_is_not_a_picture_posted_by_id_is_refused_and_nothing_is_linked(shop, merch):
    toy = _toy(shop)
    text_file = upload("notes.pdf", data=PDF)
    data = _form_data(toy) | {
        "asset_links-TOTAL_FORMS": "1", "asset_links-0-id": "", "asset_links-0-product": toy.pk,
        "asset_links-0-asset": text_file.pk, "asset_links-0-role": "gallery", "asset_links-0-channel": "",
        "asset_links-0-position": "0",
    }  # fmt: skip
    response = merch.post(f"{URL}{toy.pk}/change/", data)
    assert response.status_code == 200
    assert "Choose an active picture of the library (an image, not archived)." in response.content.decode()
    assert not ProductAsset.objects.exists()


def test_another_products_picture_link_posted_by_id_is_left_alone(shop, merch):
    """The row's id names a link of TOY-2: the form edits TOY-1's links only, so that link keeps its product
    and role; the shared library still lets TOY-1 use the same picture (its own, new link)."""
    toy, other = _toy(shop), _toy(shop, "TOY-2")
    theirs = dam.product_asset_link(actor=None, product=other, asset=upload("TOY-2_1.jpg"), role="main")
    data = _form_data(toy) | {
        "asset_links-TOTAL_FORMS": "1", "asset_links-INITIAL_FORMS": "1", "asset_links-0-id": theirs.pk,
        "asset_links-0-product": toy.pk, "asset_links-0-asset": theirs.asset_id,
        "asset_links-0-role": "gallery", "asset_links-0-channel": "", "asset_links-0-position": "0",
    }  # fmt: skip
    merch.post(f"{URL}{toy.pk}/change/", data)
    theirs.refresh_from_db()
    assert (theirs.product_id, theirs.role) == (other.pk, "main")
    mine = ProductAsset.objects.get(product=toy)
    assert mine.pk != theirs.pk and mine.asset_id == theirs.asset_id


def test_a_variant_says_its_inherited_options_by_their_labels(shop, merch):
    color = shop.apparel.attributes.get(code="color")
    color.options.filter(code="red").update(labels={"en_GB": "Scarlet red", "fr_FR": "Rouge vif"})
    model = services.product_create(
        actor=None, sku="JUMPER", family=shop.apparel, is_model=True, family_variant=shop.color_then_size,
        values={"name": texts("Pull")},
    )  # fmt: skip
    sub = services.product_create(
        actor=None, sku="JUMPER-RED", family=shop.apparel, parent=model, is_model=True,
        values={"color": {"*": {"*": "red"}}},
    )  # fmt: skip
    variant = services.product_create(
        actor=None, sku="JUMPER-RED-M", family=shop.apparel, parent=sub, values={"size": {"*": {"*": "m"}}},
    )  # fmt: skip
    html = merch.get(f"{URL}{variant.pk}/change/").content.decode()
    assert "Inherited from JUMPER-RED: Scarlet red" in html
    assert "Inherited from JUMPER-RED: red" not in html


def test_a_channel_scoped_text_has_a_box_per_channel_that_requires_it_and_per_channel_holding_a_value(
    shop, merch
):
    from apps.core.models import Channel
    from tests.products.factories import ChannelFactory

    for code in ("meta", "marketplace", "stores"):
        ChannelFactory(code=code, kind=Channel.Kind.GOOGLE if code == "meta" else Channel.Kind.WEB)
    toy = _toy(shop)  # toys require a description on web only
    html = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    boxes = set(re.findall(r'name="v\|description\|(\w+)\|(\w+)"', html))
    assert boxes == {("fr_FR", "web"), ("en_GB", "web")}
    services.product_update(
        actor=shop.merchandiser, product=toy, expected_version=toy.version,
        changes={"values": {"description": {"fr_FR": {"meta": "Pour Meta"}}}},
    )  # fmt: skip
    html = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    boxes = set(re.findall(r'name="v\|description\|(\w+)\|(\w+)"', html))
    assert boxes == {("fr_FR", "web"), ("en_GB", "web"), ("fr_FR", "meta"), ("en_GB", "meta")}
    assert "Pour Meta" in html


def test_saving_the_form_shows_the_quality_score_of_what_was_saved(shop, merch):
    toy = _toy(shop, description={"fr_FR": {"web": "Doux renne"}})
    from apps.quality import services as quality

    quality.quality_check(product_ids=[toy.pk])
    before = ProductScore.objects.get(product=toy)
    html_tag = "<b>Doux</b> renne"  # HTML in a text: a quality warning
    data = _form_data(toy, **{"v|description|fr_FR|web": html_tag, "v|name|fr_FR|*": "Renne TOY-1"})
    response = merch.post(f"{URL}{toy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    after = ProductScore.objects.get(product=toy)
    assert after.checked_at > before.checked_at and after.warnings > before.warnings
    page = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    assert "contains HTML" in page and "being re-checked" not in page
    assert Product.objects.get(pk=toy.pk).values["description"]["fr_FR"]["web"] == html_tag


def test_a_channel_whose_feed_needs_a_text_of_every_product_gets_its_box_whatever_the_family_requires(
    shop, merch
):
    from apps.channels import services as channels
    from apps.channels.models import Feed

    toy = _toy(shop)  # toys require a description on web only; Google's feed needs one of every item
    channels.feed_create(
        actor=None, channel=shop.google, name="products", format=Feed.Format.GOOGLE, locale="fr_FR"
    )
    html = merch.get(f"{URL}{toy.pk}/change/").content.decode()
    boxes = set(re.findall(r'name="v\|description\|(\w+)\|(\w+)"', html))
    assert {("fr_FR", "google"), ("fr_FR", "web")} <= boxes

"""The campaign and promotion forms pick rather than type: time zones from a list (Europe/Paris first),
channels, products and brands searched as one types, categories from the tree, a benefit per channel;
what a person may not see cannot be picked, nor posted by hand. The calendar opens on the next campaign
and marks today."""

import re
from datetime import timedelta

import pytest
from guardian.shortcuts import assign_perm

from apps.campaigns.models import Campaign, Promotion
from apps.core.models import Role
from apps.products.models import Category
from tests.campaigns.factories import NOW, START, plan
from tests.campaigns.test_admin import _promotion_form, inline_management
from tests.core.factories import UserFactory

CAMPAIGNS = "/admin/campaigns/campaign/"
PROMOTIONS = "/admin/campaigns/promotion/"


@pytest.fixture
def marketer(client, xmas, clock):
    client.force_login(xmas.marketer)
    return client


@pytest.fixture
def toys_marketer(client, xmas, clock):
    """A marketer limited to the toys subtree: TOY-1 (plush) and TOY-2 (toys), not DECO-1."""
    person = UserFactory(username="toys_marketer", roles=[Role.MARKETER])
    assign_perm("products.edit_products_in", person, Category.objects.get(code="toys"))
    client.force_login(person)
    return client


def _campaign_form(xmas, **changes) -> dict:
    form = {
        "code": "NOEL", "name": "Noël", "starts_at_0": "2026-12-01", "starts_at_1": "00:00:00",
        "ends_at_0": "2026-12-26", "ends_at_1": "00:00:00", "timezone": "Europe/Paris",
        "channels": [xmas.web.pk], **inline_management(),
    }  # fmt: skip
    return {**form, **changes}


def test_time_zones_are_a_list_with_paris_first(marketer):
    html = marketer.get(f"{CAMPAIGNS}add/").content.decode()
    zones = re.findall(r'<option value="([^"]+)"', html.split('name="timezone"', 1)[1].split("</select>")[0])
    assert zones[0] == "Europe/Paris" and "America/New_York" in zones and "Asia/Tokyo" in zones
    assert zones[1:] == sorted(zones[1:])


def test_a_time_zone_posted_by_hand_that_is_not_in_the_list_is_refused(marketer, xmas):
    response = marketer.post(f"{CAMPAIGNS}add/", _campaign_form(xmas, timezone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert "Select a valid choice. Mars/Olympus_Mons is not one of the available choices." in (
        response.content.decode()
    )
    assert not Campaign.objects.filter(code="NOEL").exists()
    assert marketer.post(f"{CAMPAIGNS}add/", _campaign_form(xmas, timezone="Asia/Tokyo")).status_code == 302
    assert Campaign.objects.get(code="NOEL").timezone == "Asia/Tokyo"


def test_the_product_picker_finds_visible_products_by_sku_or_name(marketer, toys_marketer, xmas):
    found = toys_marketer.get(f"{PROMOTIONS}pick/products/", {"term": ""}).json()
    assert [row["id"] for row in found["results"]] == ["TOY-1", "TOY-2"]  # DECO-1 is another team's
    assert found["results"][0]["text"].startswith("TOY-1 — ")
    assert toys_marketer.get(f"{PROMOTIONS}pick/products/", {"term": "DECO"}).json()["results"] == []


def test_the_brand_picker_lists_the_brands_of_the_products_one_sees(toys_marketer):
    found = toys_marketer.get(f"{PROMOTIONS}pick/brands/", {"term": ""}).json()
    assert [row["id"] for row in found["results"]] == ["Lutin", "Noel"]
    assert toys_marketer.get(f"{PROMOTIONS}pick/brands/", {"term": "lut"}).json()["results"] == [
        {"id": "Lutin", "text": "Lutin"}
    ]


def test_people_without_promotion_rights_cannot_use_the_pickers(client, xmas, clock):
    client.force_login(UserFactory(username="store", roles=[Role.STORE_STAFF]))
    for picker in ("products", "brands"):
        assert client.get(f"{PROMOTIONS}pick/{picker}/").status_code in (302, 403)


def test_a_promotion_is_made_with_pickers_and_a_benefit_per_channel(marketer, xmas):
    campaign = plan(xmas)
    data = _promotion_form(
        campaign=campaign.pk, code="PICKED", skus=["TOY-2"], brands=["Noel"], families=["toys"],
        filter_status=["draft"], override_benefit__google="amount_off", override_value__google="2",
    )  # fmt: skip
    response = marketer.post(f"{PROMOTIONS}add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    promotion = Promotion.objects.get(code="PICKED")
    assert (promotion.skus, promotion.categories, promotion.brands, promotion.families) == (
        ["TOY-2"],
        ["plush"],
        ["Noel"],
        ["toys"],
    )
    assert promotion.product_filter == {"status": ["draft"]}
    assert {(o.channel.code, o.benefit, o.value) for o in promotion.overrides.all()} == {
        ("google", "amount_off", 2)
    }
    page = marketer.get(f"{PROMOTIONS}{promotion.pk}/change/").content.decode()
    skus = page.split('name="skus"', 1)[1].split("</select>")[0]
    assert re.search(r'<option value="TOY-2" selected>TOY-2 — ', skus)


def test_a_benefit_without_its_value_on_a_channel_is_refused_on_that_field(marketer, xmas):
    campaign = plan(xmas)
    data = _promotion_form(campaign=campaign.pk, code="HALF", override_benefit__google="amount_off")
    response = marketer.post(f"{PROMOTIONS}add/", data)
    assert response.status_code == 200
    assert "Give the value of this channel&#x27;s benefit." in response.content.decode()
    assert not Promotion.objects.filter(code="HALF").exists()


def test_a_product_or_category_out_of_the_persons_sight_posted_by_hand_is_refused(toys_marketer, xmas):
    campaign = plan(xmas)
    data = _promotion_form(campaign=campaign.pk, code="SNEAKY", skus=["TOY-1", "DECO-1"])
    response = toys_marketer.post(f"{PROMOTIONS}add/", data)
    assert response.status_code == 200
    assert "No product you may see has the SKU DECO-1." in response.content.decode()
    data = _promotion_form(campaign=campaign.pk, code="SNEAKY", categories=["decorations"])
    response = toys_marketer.post(f"{PROMOTIONS}add/", data)
    assert "decorations is not one of the available choices" in response.content.decode()
    assert not Promotion.objects.filter(code="SNEAKY").exists()


def test_the_calendar_opens_on_the_next_campaign_and_marks_today(marketer, xmas, clock):
    plan(xmas, code="LATER", start=START + timedelta(days=60), end=START + timedelta(days=70))
    html = marketer.get(f"{CAMPAIGNS}calendar/").content.decode()
    assert "January 2027" in html and 'data-day="2027-01-30"' in html
    assert "data-today" not in html  # today (2 November) is not in January
    plan(xmas, code="SOON")  # 1 December
    html = marketer.get(f"{CAMPAIGNS}calendar/").content.decode()
    assert "December 2026" in html
    html = marketer.get(f"{CAMPAIGNS}calendar/", {"date": NOW.date().isoformat()}).content.decode()
    assert re.search(r'data-day="2026-11-02"[^>]*data-today aria-current="date"', html)
    assert html.count("data-today") == 1


def test_the_product_picker_answers_in_a_bounded_number_of_queries(
    marketer, xmas, django_assert_max_num_queries
):
    from apps.products import services as catalog
    from tests.products.fixtures import texts

    model = catalog.product_create(
        actor=None, sku="JUMPER", family=xmas.apparel, is_model=True, family_variant=xmas.by_color_size,
        values={"name": texts("Pull de Noël")},
    )  # fmt: skip
    for n, (color, size) in enumerate([(c, s) for c in ("red", "green") for s in ("s", "m", "l")]):
        catalog.product_create(
            actor=None, sku=f"JUMPER-{n}", family=xmas.apparel, parent=model,
            values={"color": {"*": {"*": color}}, "size": {"*": {"*": size}}},
        )  # fmt: skip
    with django_assert_max_num_queries(8):
        found = marketer.get(f"{PROMOTIONS}pick/products/", {"term": "JUMPER-"}).json()
    labels = {row["id"]: row["text"] for row in found["results"]}
    assert labels["JUMPER-0"] == "JUMPER-0 — Pull de Noël"  # a variant is named by its model's name

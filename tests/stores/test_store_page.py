"""The store page: who reaches it, how a scan or a name finds a product, and that its figures are the
channels' figures."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.assets.models import Rendition
from apps.channels import services as channel_services
from apps.core.models import Role
from apps.inventory.models import StockLevel
from apps.inventory.services import StockLine, stock_apply_batch
from apps.products import services as product_services
from apps.products.models import AttributeOption
from apps.stores import services
from tests.assets.factories import picture, upload
from tests.channels.helpers import GTINS, read
from tests.core.factories import UserFactory
from tests.products.fixtures import texts
from tests.stores.factories import StoreFactory, store_staff

PARIS_TZ = ZoneInfo("Europe/Paris")
G = "{http://base.google.com/ns/1.0}"
PAGE = "/store/"


@pytest.fixture
def staff(client, feeds):
    person = store_staff()
    client.force_login(person)
    return person


@pytest.fixture
def paris(feeds, staff):
    store = StoreFactory(code="PARIS", name="Paris Opéra", latitude="48.872", longitude="2.332")
    services.staff_store_set(actor=None, user=staff, location=store)
    return store


def product_row(html: str, marker: str) -> str:
    """The piece of the page from a marker to the end of its table row, list item or block."""
    start = html.index(marker)
    ends = [i for i in (html.find(end, start) for end in ("</tr>", "</li>", "</div>")) if i != -1]
    return html[start : min(ends)]


def test_store_staff_reach_the_store_page_and_nothing_else(client, feeds, staff):
    assert client.get(PAGE).status_code == 200
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin.url.startswith("/admin/login/")
    assert client.get("/admin/products/product/").status_code == 302
    assert client.get("/api/v1/products").status_code == 401
    assert client.post("/api/v1/products", {}, content_type="application/json").status_code == 401


def test_store_staff_sign_in_on_the_store_login_and_land_on_the_page(client, feeds):
    store_staff("lea")
    client.logout()
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/store/login/")
    response = client.post("/store/login/", {"username": "lea", "password": "pw"})
    assert response.status_code == 302 and response.url == PAGE


def test_people_without_the_store_permission_are_refused(client, feeds):
    client.force_login(UserFactory(username="margot2", roles=[Role.MERCHANDISER]))
    assert client.get(PAGE).status_code == 403
    assert client.get("/store/search/?q=x").status_code == 403


def test_a_scan_of_a_known_gtin_opens_the_product(client, feeds, staff):
    feeds.sellable("TOY-1", gtin=GTINS[0])
    response = client.get(PAGE, {"q": GTINS[0]})
    assert response.status_code == 200 and "<h1>Jouet TOY-1</h1>" in response.content.decode()
    assert f'data-canonical="{reverse("stores:product", args=["TOY-1"])}"' in response.content.decode()


def test_a_sku_in_any_case_opens_the_product(client, feeds, staff):
    feeds.sellable("TOY-1")
    assert "<h1>Jouet TOY-1</h1>" in client.get(PAGE, {"q": "toy-1"}).content.decode()


def test_a_gtin_with_a_wrong_check_digit_is_a_misread_scan(client, feeds, staff):
    feeds.sellable("TOY-1", gtin=GTINS[0])
    wrong = GTINS[0][:-1] + str((int(GTINS[0][-1]) + 1) % 10)
    response = client.get(PAGE, {"q": wrong})
    assert response.status_code == 200
    assert "the scan was misread" in response.content.decode()


def test_an_unknown_code_says_so_and_offers_close_matches(client, feeds, staff):
    for sku in ("TOY-100", "TOY-101", "GARLAND-7"):
        feeds.sellable(sku)
    html = client.get(PAGE, {"q": "TOY-109"}).content.decode()
    assert "No product matches “TOY-109”" in html
    assert "TOY-100" in html and "TOY-101" in html and "GARLAND-7" not in html


def test_an_unknown_word_offers_names_starting_alike(client, feeds, staff):
    feeds.sellable("TOY-1", name=texts("Renne en peluche", "Plush reindeer"))
    html = client.get(PAGE, {"q": "rennex"}).content.decode()
    assert "No product matches" in html and "TOY-1" in html


def test_words_of_a_name_in_french_or_english_group_variants_under_their_model(client, feeds, staff):
    shop = feeds.shop
    jumper = product_services.product_create(
        actor=None, sku="JUMPER", family=shop.apparel, family_variant=shop.by_color_size, is_model=True,
        values={"name": texts("Pull de Noël", "Christmas jumper")},
    )  # fmt: skip
    for color, size in (("red", "s"), ("green", "m")):
        product_services.product_create(
            actor=None, sku=f"JUMPER-{color}-{size}", family=shop.apparel, parent=jumper,
            values={"color": {"*": {"*": color}}, "size": {"*": {"*": size}}},
        )  # fmt: skip
    for words in ("pull noël", "christmas jump"):
        html = client.get("/store/search/", {"q": words}).content.decode()
        assert "Christmas jumper" in html and "JUMPER-red-s" in html and "JUMPER-green-m" in html
        assert '<span class="chip">red</span>' in html  # an option without labels shows its code


def test_sold_out_on_the_web_and_in_stock_in_one_store_shows_both(client, feeds, staff, paris):
    feeds.sellable("TOY-1", stock=0)
    lyon = StoreFactory(
        code="LYON", name="Lyon", latitude="45.758", longitude="4.832", click_and_collect=False
    )
    stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-1", location="PARIS", quantity=3)])
    StockLevel.objects.create(
        product=feeds.shop.toys.products.get(sku="TOY-1"), location=lyon, on_hand=1, reserved=2
    )
    html = client.get(reverse("stores:product", args=["TOY-1"])).content.decode()
    assert "Sold out" in product_row(html, 'data-channel="web"')
    here = product_row(html, 'data-location="PARIS"')
    assert "3 in stock" in here and "Click and collect: Same day" in here
    elsewhere = product_row(html, 'data-location="LYON"')
    assert "Sold out" in elsewhere and "-1" not in elsewhere and "No click and collect" in elsewhere
    assert "394.2 km" in elsewhere  # from Paris, as the crow flies
    assert "Sold out" in product_row(html, 'data-location="WH"')


def test_a_live_promotion_shows_the_price_of_the_google_feed_at_the_same_instant(
    client, feeds, staff, christmas
):
    feeds.sellable("TOY-1", price="24.90", gtin=GTINS[1])
    with time_machine.travel(datetime(2026, 12, 5, 10, 0, tzinfo=PARIS_TZ), tick=False):
        run = channel_services.feed_build_start(actor=None, feed=feeds.google)
        html = client.get(reverse("stores:product", args=["TOY-1"])).content.decode()
    item = ET.fromstring(read(run)).find("channel/item")
    sale = item.find(f"{G}sale_price").text
    assert sale == "19.92 EUR"
    google = product_row(html, 'data-channel="google"')  # the same amounts, in the person's notation
    assert "€19.92" in google and "€24.90" in google and "promotion until" in google
    assert "26" in google.split("promotion until", 1)[1]


def test_the_product_card_costs_the_same_queries_with_2_or_6_stores(
    client, feeds, staff, paris, django_assert_max_num_queries
):
    feeds.sellable("TOY-1", gtin=GTINS[0])
    StoreFactory(code="LYON")
    url = reverse("stores:product", args=["TOY-1"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with_two = count()
    for n in range(4):
        StoreFactory(code=f"MORE{n}", latitude="45.0", longitude=f"{n}.5")
        stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-1", location=f"MORE{n}", quantity=n)])
    with django_assert_max_num_queries(with_two):
        assert client.get(url).status_code == 200
    assert count() == with_two


def test_a_person_without_a_home_store_chooses_one_for_the_session(client, feeds, staff):
    StoreFactory(code="LILLE", name="Lille Centre")
    feeds.sellable("TOY-1")
    url = reverse("stores:product", args=["TOY-1"])
    assert "Choose your store at the top" in client.get(url).content.decode()
    response = client.post("/store/choose/", {"store": "LILLE", "next": url})
    assert response.url == url
    assert 'data-location="LILLE"' in product_row(client.get(url).content.decode(), 'class="stock big"')


def test_the_main_picture_is_shown_in_its_store_screen_rendition(
    client, feeds, staff, django_capture_on_commit_callbacks
):
    toy = feeds.sellable("TOY-1")
    with django_capture_on_commit_callbacks(execute=True):
        upload("toy.jpg", picture(1600, 1200), product=toy, role="main")
    rendition = Rendition.objects.get(asset__product_links__product=toy, spec__code="store_screen")
    assert (rendition.width, rendition.height) == (600, 450)
    html = client.get(reverse("stores:product", args=["TOY-1"])).content.decode()
    assert f'src="{rendition.file.url}"' in html


def test_while_typing_a_partial_code_is_not_a_misread_and_close_codes_show(client, feeds, staff):
    feeds.sellable("TOY-1", gtin=GTINS[0])
    html = client.get("/store/search/", {"q": GTINS[0][:12]}).content.decode()
    assert "misread" not in html and "TOY-1" in html


def test_a_two_level_variant_shows_its_colour_then_its_size(client, feeds, staff):
    shop = feeds.shop
    model = product_services.product_create(
        actor=None, sku="J", family=shop.apparel, family_variant=shop.color_then_size, is_model=True,
        values={"name": texts("Pull", "Jumper")},
    )  # fmt: skip
    red = product_services.product_create(
        actor=None, sku="J-red", family=shop.apparel, parent=model, is_model=True,
        values={"color": {"*": {"*": "red"}}},
    )  # fmt: skip
    product_services.product_create(
        actor=None, sku="J-red-s", family=shop.apparel, parent=red, values={"size": {"*": {"*": "s"}}}
    )
    AttributeOption.objects.filter(attribute__code="color", code="red").update(
        labels={"fr_FR": "Rouge", "en_GB": "Red"}
    )
    html = client.get(reverse("stores:product", args=["J-red-s"])).content.decode()
    assert "<h1>Jumper</h1>" in html
    assert re.findall(r'<span class="chip">([^<]+)</span>', html) == ["Red", "s"]


def test_search_results_show_each_variants_price_stock_here_and_a_picture(
    client, feeds, staff, paris, django_capture_on_commit_callbacks
):
    """A salesperson answers "how much, and do you have it?" from the list, without opening each product."""
    toy = feeds.sellable("TOY-1", price="24.90", name=texts("Ours en peluche", "Teddy bear"))
    stock_apply_batch(actor=None, lines=[StockLine(sku="TOY-1", location="PARIS", quantity=3)])
    with django_capture_on_commit_callbacks(execute=True):
        upload("toy.jpg", picture(800, 600), product=toy, role="main")
    html = client.get("/store/search/", {"q": "teddy"}).content.decode()
    row = product_row(html, 'data-sku="TOY-1"')
    assert "€24.90" in row and "3 here" in row
    thumbnail = Rendition.objects.get(asset__product_links__product=toy, spec__code="thumbnail")
    assert f'src="{thumbnail.file.url}"' in html


def test_search_results_cost_the_same_queries_for_2_or_8_matches(
    client, feeds, staff, paris, django_assert_max_num_queries
):
    for n in range(2):
        feeds.sellable(f"BEAR-{n}", name=texts(f"Ours {n}", f"Bear {n}"))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert "BEAR-1" in client.get("/store/search/", {"q": "bear"}).content.decode()
        return len(queries)

    with_two = count()
    for n in range(2, 8):
        feeds.sellable(f"BEAR-{n}", name=texts(f"Ours {n}", f"Bear {n}"))
    with django_assert_max_num_queries(with_two):
        assert "BEAR-7" in client.get("/store/search/", {"q": "bear"}).content.decode()

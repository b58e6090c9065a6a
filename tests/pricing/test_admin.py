from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry

from apps.core.models import Role
from apps.pricing import services
from apps.pricing.models import Price
from apps.products import services as product_services
from tests.core.factories import UserFactory

URL = "/admin/pricing/price/"


@pytest.fixture
def priced(shop):
    for n in range(25):
        toy = product_services.product_create(actor=None, sku=f"TOY-{n:02d}", family=shop.toys)
        services.price_set(actor=None, product=toy, channel=shop.web, amount="20")
        services.price_set(actor=None, product=toy, channel=shop.google, amount="21")
    return shop


@pytest.fixture
def merch(client, shop):
    client.force_login(shop.merchandiser)
    return client


@pytest.mark.parametrize("query", ["", "?channel__id__exact=1", "?q=TOY-1", "?currency__code__exact=EUR"])
def test_price_list_answers_in_bounded_queries(priced, merch, django_assert_max_num_queries, query):
    with django_assert_max_num_queries(15):
        assert merch.get(URL + query).status_code == 200


def test_the_price_form_shows_a_guard_rail_on_its_field_and_saves_nothing(priced, merch):
    price = Price.objects.get(product__sku="TOY-01", channel=priced.web)
    response = merch.post(
        f"{URL}{price.pk}/change/",
        {
            "product": price.product_id,
            "channel": price.channel_id,
            "amount": "2",
            "compare_at": "",
            "cost": "",
        },
    )
    assert response.status_code == 200
    assert "confirm to apply it" in response.content.decode()
    assert Price.objects.get(pk=price.pk).amount == Decimal("20")


def test_the_price_form_saves_through_the_service_with_history(priced, merch):
    price = Price.objects.get(product__sku="TOY-01", channel=priced.web)
    data = {
        "product": price.product_id,
        "channel": price.channel_id,
        "amount": "2",
        "compare_at": "",
        "cost": "",
        "confirm": "on",
    }
    assert merch.post(f"{URL}{price.pk}/change/", data).status_code == 302
    assert Price.objects.get(pk=price.pk).events.count() == 2
    assert "margot" in merch.get(f"{URL}{price.pk}/change/").content.decode()


def test_bulk_edit_lowers_selected_prices_and_rounds(priced, merch):
    pks = list(Price.objects.filter(channel=priced.web).values_list("pk", flat=True)[:3])
    merch.post(
        URL,
        {
            "action": "bulk_edit",
            "_selected_action": pks,
            "operation": "lower",
            "value": "10",
            "ending": ".95",
        },
    )
    assert set(Price.objects.filter(pk__in=pks).values_list("amount", flat=True)) == {Decimal("18.95")}


def test_product_page_shows_its_prices(priced, merch):
    toy = Price.objects.filter(product__sku="TOY-03").first().product
    body = merch.get(f"/admin/products/product/{toy.pk}/change/").content.decode()
    assert "Prices (edit them in the price list)" in body
    assert "€20.00" in body and "€21.00" in body


def test_prices_and_their_history_follow_the_persons_language_and_time_zone(priced, merch):
    shop = priced
    shop.merchandiser.language = "fr"
    shop.merchandiser.save()
    price = Price.objects.get(product__sku="TOY-03", channel=shop.web)
    Price.objects.filter(pk=price.pk).update(cost=Decimal("9.8600"))
    listing = merch.get(URL + "?q=TOY-03").content.decode()
    assert "20,00\u00a0€" in listing and "9,86\u00a0€" in listing and "9,8600" not in listing
    page = merch.get(f"{URL}{price.pk}/change/").content.decode()
    assert "TOY-03 · web · 20,00\u00a0€" in page  # the page title, not ids and "20.0000 EUR"
    assert 'value="20.00"' in page  # the number input at the currency's precision (the browser localises it)
    event = price.events.order_by("-pgh_id").first()
    paris = event.pgh_created_at.astimezone(ZoneInfo("Europe/Paris"))
    assert paris.strftime("%d/%m/%Y %H:%M") in page  # the history in Paris time, day first
    assert "20,00\u00a0€" in page.split("Historique", 1)[1]


def test_store_staff_cannot_edit_prices(client, priced):
    client.force_login(UserFactory(username="sam", is_staff=False, roles=[Role.STORE_STAFF]))
    assert client.get(URL).status_code == 302


def test_the_product_page_leads_to_setting_a_price_for_that_product(priced, merch):
    toy = Price.objects.filter(product__sku="TOY-03").first().product
    body = merch.get(f"/admin/products/product/{toy.pk}/change/").content.decode()
    link = f'href="/admin/pricing/price/add/?product={toy.pk}"'
    assert link in body and "Set a price on a channel" in body
    form = merch.get(f"/admin/pricing/price/add/?product={toy.pk}").content.decode()
    assert f'<option value="{toy.pk}" selected>' in form  # the product is chosen already


def test_no_price_link_for_who_may_not_set_prices(priced, client):
    toy = Price.objects.filter(product__sku="TOY-03").first().product
    client.force_login(UserFactory(username="apo", roles=[Role.APPROVER]))
    page = client.get(f"/admin/products/product/{toy.pk}/change/")
    assert page.status_code == 200 and "Prices (edit them in the price list)" in page.content.decode()
    assert "Set a price on a channel" not in page.content.decode()


def test_a_new_price_added_in_the_form_is_saved_and_named_in_the_admin_log(priced, merch):
    toy = product_services.product_create(actor=None, sku="TOY-NEW", family=priced.toys)
    data = {"product": toy.pk, "channel": priced.google.pk, "amount": "29.90", "compare_at": "", "cost": ""}
    answer = merch.post(f"{URL}add/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    price = Price.objects.get(product=toy, channel=priced.google)
    assert (price.amount, price.currency_id) == (Decimal("29.90"), "EUR")
    assert LogEntry.objects.get(object_id=str(price.pk)).object_repr == "TOY-NEW · google · €29.90"

"""An edit to an approved product is a pending change, visible wherever it matters: a badge and a filter
in the product list, the pending value beside the live one on the form, a diff in the approver's queue
where it is approved or sent back under four eyes (#42)."""

import re

from apps.products import services
from apps.products.models import PendingChange, Product
from tests.products.fixtures import texts
from tests.products.test_admin import URL, _form_data

QUEUE = f"{URL}pending/"


def _approved(shop, sku="TOY-1"):
    product = services.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.toys, values={"name": texts(f"Renne {sku}")}
    )
    services.product_submit(actor=shop.merchandiser, product=product)
    return services.product_approve(actor=shop.approver, product=product)


def _propose(shop, product, name="Renne géant", *, submit=False):
    product.refresh_from_db()
    services.product_update(
        actor=shop.merchandiser, product=product, expected_version=product.version,
        changes={"values": {"name": texts(name)}, "enabled": False},
    )  # fmt: skip
    if submit:
        services.product_submit(actor=shop.merchandiser, product=product)
    product.refresh_from_db()
    return product


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_a_pending_badge_and_filters_on_it(shop, client):
    _quiet, waiting, submitted = (_approved(shop, sku) for sku in ("TOY-1", "TOY-2", "TOY-3"))
    _propose(shop, waiting)
    _propose(shop, submitted, submit=True)
    client.force_login(shop.merchandiser)
    rows = {
        re.search(r">(TOY-\d)<", row).group(1): _text(row)
        for row in client.get(URL).content.decode().split("<tr")
        if re.search(r">(TOY-\d)<", row)
    }
    assert "Pending change" not in rows["TOY-1"]
    assert "Pending change (not submitted)" in rows["TOY-2"]
    assert "Pending change (submitted)" in rows["TOY-3"]
    only = _text(client.get(f"{URL}?pending=any").content.decode())
    assert "TOY-2" in only and "TOY-3" in only and "TOY-1" not in only
    submitted_only = _text(client.get(f"{URL}?pending=submitted").content.decode())
    assert "TOY-3" in submitted_only and "TOY-2" not in submitted_only


def test_the_list_with_pending_changes_costs_the_same_queries_for_many_products(
    shop, client, django_assert_max_num_queries
):
    client.force_login(shop.merchandiser)
    for n in range(3):
        _propose(shop, _approved(shop, f"TOY-{n}"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"{URL}?pending=any")
    for n in range(3, 15):
        _propose(shop, _approved(shop, f"TOY-{n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{URL}?pending=any")
    assert _text(response.content.decode()).count("Pending change (not submitted)") == 15


def test_the_form_shows_each_pending_value_with_the_live_one(shop, client):
    product = _propose(shop, _approved(shop))
    client.force_login(shop.merchandiser2)
    page = client.get(f"{URL}{product.pk}/change/").content.decode()
    text = _text(page)
    assert 'value="Renne géant"' in page
    assert "Live: Renne TOY-1" in text  # beside the name field's pending value
    assert "Live: yes" in text  # beside "enabled", proposed off
    assert "pending change" in text.lower() and "not submitted" in text


def test_saving_an_approved_product_says_the_change_waits_for_approval(shop, client):
    product = _approved(shop)
    client.force_login(shop.merchandiser)
    response = client.post(
        f"{URL}{product.pk}/change/", _form_data(product, **{"v|name|fr_FR|*": "Renne bleu"}), follow=True
    )
    text = _text(response.content.decode())
    assert "kept as a pending change" in text and "live data is unchanged until it is approved" in text
    assert Product.objects.get(pk=product.pk).values["name"]["fr_FR"]["*"] == "Renne TOY-1"


def test_the_approvers_queue_shows_a_readable_diff_and_approves_there(shop, client):
    product = _propose(shop, _approved(shop), submit=True)
    _propose(shop, _approved(shop, "TOY-2"))  # not submitted: not in the approver's queue
    client.force_login(shop.approver)
    page = client.get(QUEUE).content.decode()
    text = _text(page)
    assert "TOY-1" in text and "TOY-2" not in text
    row = _text(re.search(r'<tr[^>]*data-diff="name"[^>]*>.*?</tr>', page, re.S).group(0))
    assert "fr_FR" in row and "Renne TOY-1" in row and "Renne géant" in row
    assert re.search(r'data-diff="enabled"', page)
    response = client.post(QUEUE, {"product": product.pk, "decision": "approve"}, follow=True)
    assert "TOY-1 approved" in _text(response.content.decode())
    product.refresh_from_db()
    assert product.values["name"]["fr_FR"]["*"] == "Renne géant" and product.enabled is False
    assert not PendingChange.objects.filter(product=product).exists()


def test_sending_back_from_the_queue_needs_a_comment(shop, client):
    product = _propose(shop, _approved(shop), submit=True)
    client.force_login(shop.approver)
    response = client.post(QUEUE, {"product": product.pk, "decision": "reject", "comment": ""}, follow=True)
    assert "say why" in _text(response.content.decode())
    client.post(QUEUE, {"product": product.pk, "decision": "reject", "comment": "name too long"})
    assert PendingChange.objects.get(product=product).submitted is False


def test_the_contributor_cannot_approve_from_the_queue(shop, client):
    from django.contrib.auth.models import Permission

    shop.merchandiser.user_permissions.add(Permission.objects.get(codename="approve_product"))
    product = _propose(shop, _approved(shop), submit=True)
    client.force_login(shop.merchandiser)
    page = _text(client.get(f"{QUEUE}?all=1").content.decode())
    assert "another approver must approve it" in page
    response = client.post(QUEUE, {"product": product.pk, "decision": "approve"}, follow=True)
    assert "another approver must approve it" in _text(response.content.decode())
    assert PendingChange.objects.filter(product=product).exists()


def test_the_queue_answers_in_bounded_queries(shop, client, django_assert_max_num_queries):
    for n in range(12):
        _propose(shop, _approved(shop, f"TOY-{n}"), submit=True)
    client.force_login(shop.approver)
    with django_assert_max_num_queries(15):
        response = client.get(QUEUE)
    assert _text(response.content.decode()).count("Renne géant") >= 12


def test_the_queue_refuses_what_is_not_a_product_of_the_persons_without_an_error(shop, client):
    client.force_login(shop.approver)
    assert client.post(QUEUE, {"product": "abc", "decision": "approve"}).status_code == 404
    assert client.post(QUEUE, {"product": "999999", "decision": "approve"}).status_code == 404

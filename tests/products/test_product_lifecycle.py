"""Variants, completeness, optimistic locking, the four-eyes review and history with revert."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core import context
from apps.core.models import AuditLog
from apps.products import selectors, services
from apps.products.models import Completeness, PendingChange, Product
from apps.products.values import ProductValidationError
from tests.products.factories import ChannelFactory, score
from tests.products.fixtures import texts


def toy(shop, sku="TOY-1", **values):
    return services.product_create(actor=shop.merchandiser, sku=sku, family=shop.toys, values=values)


def edit(shop, product, actor=None, **changes):
    return services.product_update(
        actor=actor or shop.merchandiser, product=product, expected_version=product.version, changes=changes
    )


# variants ---------------------------------------------------------------------------------------------


@pytest.fixture
def jumper(shop):
    return services.product_create(
        actor=shop.merchandiser,
        sku="JUMPER",
        family=shop.apparel,
        family_variant=shop.by_color_size,
        is_model=True,
        values={"name": texts("Pull de Noël", "Christmas jumper"), "brand": {"*": {"*": "Noel"}}},
    )


def variant(shop, jumper, sku, color, size, **extra):
    values = {"color": {"*": {"*": color}}, "size": {"*": {"*": size}}, **extra}
    return services.product_create(
        actor=shop.merchandiser, sku=sku, family=shop.apparel, parent=jumper, values=values
    )


def test_variants_inherit_the_parents_values(shop, jumper):
    red_s = variant(shop, jumper, "JUMPER-RED-S", "red", "s")
    values = services.effective_values(red_s)
    assert values["name"]["fr_FR"]["*"] == "Pull de Noël"
    assert values["color"] == {"*": {"*": "red"}}
    assert score(red_s, shop.web, "fr_FR").ratio == 100


def test_a_duplicate_axis_combination_among_siblings_is_refused(shop, jumper):
    variant(shop, jumper, "JUMPER-RED-S", "red", "s")
    with pytest.raises(
        ProductValidationError, match=r"JUMPER-RED-S already has color=red\|size=s under JUMPER"
    ):
        variant(shop, jumper, "JUMPER-RED-S2", "red", "s")
    assert variant(shop, jumper, "JUMPER-RED-M", "red", "m").axis_key == "color=red|size=m"


def test_a_variant_needs_every_axis_and_cannot_set_parent_level_attributes(shop, jumper):
    with pytest.raises(ProductValidationError) as excinfo:
        services.product_create(
            actor=shop.merchandiser,
            sku="JUMPER-X",
            family=shop.apparel,
            parent=jumper,
            values={"color": {"*": {"*": "red"}}, "brand": {"*": {"*": "Other"}}},
        )
    messages = [str(issue) for issue in excinfo.value.issues]
    assert "JUMPER-X: attribute brand: not an attribute of this product's family (or level)" in messages
    assert "JUMPER-X: attribute size: a variant must have a value for each axis" in messages


def test_a_variant_must_hang_under_a_product_model(shop):
    simple = services.product_create(actor=shop.merchandiser, sku="PLAIN", family=shop.apparel)
    with pytest.raises(ValidationError, match="PLAIN is not a product model"):
        services.product_create(actor=shop.merchandiser, sku="V", family=shop.apparel, parent=simple)


def test_changing_the_parent_recomputes_its_variants_completeness(shop):
    model = services.product_create(
        actor=shop.merchandiser,
        sku="JUMPER",
        family=shop.apparel,
        family_variant=shop.by_color_size,
        is_model=True,
    )
    red_s = variant(shop, model, "JUMPER-RED-S", "red", "s")
    assert score(red_s, shop.web, "fr_FR").missing == ["name"]
    edit(shop, model, values={"name": texts("Pull", "Jumper")})
    assert score(red_s, shop.web, "fr_FR").ratio == 100


# completeness -------------------------------------------------------------------------------------------


def test_completeness_per_channel_and_locale_lists_what_is_missing(shop):
    product = toy(shop, name=texts("Renne"), description={"fr_FR": {"web": "Doux"}})
    assert (score(product, shop.web, "fr_FR").ratio, score(product, shop.web, "fr_FR").missing) == (100, [])
    assert score(product, shop.web, "en_GB").missing == ["description", "name"]
    assert score(product, shop.web, "en_GB").ratio == 0
    google = score(product, shop.google, "fr_FR")
    assert (google.ratio, google.missing) == (50, ["brand"])
    assert score(product, shop.google, "en_GB") is None
    # what the "not complete for" filters look up
    stored = Completeness.objects.get(product=product)
    assert stored.incomplete == ["google", "google/fr_FR", "web", "web/en_GB"]
    incomplete = selectors.products_incomplete
    assert list(incomplete(Product.objects.all(), channel="web", locale="en_GB")) == [product]
    assert not incomplete(Product.objects.all(), channel="web", locale="fr_FR").exists()


def test_completeness_of_a_locale_no_longer_served_is_dropped_and_the_rest_kept(shop):
    product = toy(shop, name=texts("Renne"))
    shop.web.locales.remove(shop.web.locales.get(code="en_GB"))
    services.completeness_compute([product])
    assert score(product, shop.web, "en_GB") is None
    assert score(product, shop.web, "fr_FR").missing == ["description"]
    assert score(product, shop.google, "fr_FR").missing == ["brand"]


def test_completeness_follows_edits(shop):
    product = toy(shop, name=texts("Renne"))
    edit(shop, product, values={"brand": {"*": {"*": "Noel"}}})
    assert score(product, shop.google, "fr_FR").ratio == 100


# optimistic locking ------------------------------------------------------------------------------------


def test_a_stale_save_is_refused_showing_what_changed_and_nothing_is_lost(shop):
    product = toy(shop, name=texts("Renne"))
    opened_by_malik = Product.objects.get(pk=product.pk)
    edit(shop, product, values={"name": texts("Renne en peluche")})
    with pytest.raises(services.VersionConflict) as excinfo:
        services.product_update(
            actor=shop.merchandiser2,
            product=opened_by_malik,
            expected_version=opened_by_malik.version,
            changes={"values": {"brand": {"*": {"*": "Other"}}}},
        )
    message = str(excinfo.value)
    assert "TOY-1 was changed by margot" in message and "name-fr_FR" in message
    assert excinfo.value.changed["name-fr_FR"] == ["Renne", "Renne en peluche"]
    product.refresh_from_db()
    assert product.values["name"]["fr_FR"]["*"] == "Renne en peluche" and "brand" not in product.values


def test_an_update_that_changes_nothing_creates_no_version(shop):
    product = toy(shop, name=texts("Renne"))
    same = edit(shop, product, values={"name": texts("Renne")})
    assert same.version == 1
    assert product.events.count() == 1


# review workflow ------------------------------------------------------------------------------------------


def approved(shop, product):
    services.product_submit(actor=shop.merchandiser, product=product)
    return services.product_approve(actor=shop.approver, product=product)


def test_a_merchandiser_submits_and_another_person_approves(shop):
    product = toy(shop, name=texts("Renne"))
    services.product_submit(actor=shop.merchandiser, product=product)
    assert Product.objects.get(pk=product.pk).status == "in_review"
    product = services.product_approve(actor=shop.approver, product=product, comment="ok")
    assert product.status == "approved"
    assert [r.action for r in product.reviews.all()] == ["approve", "submit"]


def test_nobody_approves_their_own_change(shop):
    product = toy(shop, name=texts("Renne"))
    services.product_submit(actor=shop.merchandiser, product=product)
    shop.merchandiser.user_permissions.add(
        *shop.approver.groups.get().permissions.filter(codename="approve_product")
    )
    shop.merchandiser.refresh_from_db()
    with pytest.raises(PermissionDenied, match="another approver"):
        services.product_approve(actor=shop.merchandiser, product=product)
    with pytest.raises(PermissionDenied, match="may not approve"):
        services.product_approve(actor=shop.merchandiser2, product=product)


def test_sending_back_needs_a_reason_and_returns_to_draft(shop):
    product = toy(shop, name=texts("Renne"))
    services.product_submit(actor=shop.merchandiser, product=product)
    with pytest.raises(ValidationError, match="say why"):
        services.product_reject(actor=shop.approver, product=product, comment=" ")
    product = services.product_reject(actor=shop.approver, product=product, comment="photo missing")
    assert product.status == "draft"
    assert product.reviews.first().comment == "photo missing"


def test_editing_an_approved_product_waits_for_approval_while_live_data_keeps_serving(shop):
    product = approved(shop, toy(shop, name=texts("Renne")))
    edit(shop, product, values={"name": texts("Renne géant")})
    live = Product.objects.get(pk=product.pk)
    assert live.values["name"]["fr_FR"]["*"] == "Renne" and live.status == "approved"
    assert PendingChange.objects.get(product=product).changes["values"]["name"]["fr_FR"]["*"] == "Renne géant"
    services.product_submit(actor=shop.merchandiser, product=live)
    applied = services.product_approve(actor=shop.approver, product=live)
    assert applied.values["name"]["fr_FR"]["*"] == "Renne géant"
    # version 2 held the pending change, version 3 is the approved data
    assert applied.version == 3 and applied.status == "approved"
    assert not PendingChange.objects.filter(product=product).exists()


def test_an_invalid_pending_change_is_refused_at_once(shop):
    product = approved(shop, toy(shop, name=texts("Renne")))
    with pytest.raises(ProductValidationError, match="age_min"):
        edit(shop, product, values={"age_min": {"*": {"*": "99"}}})
    assert not PendingChange.objects.exists()


def test_the_sku_cannot_change_once_approved(shop):
    product = toy(shop, name=texts("Renne"))
    product = edit(shop, product, sku="TOY-ONE")
    assert product.sku == "TOY-ONE"
    product = approved(shop, product)
    with pytest.raises(ValidationError, match="cannot change once the product was approved"):
        edit(shop, product, sku="TOY-TWO")


# history ----------------------------------------------------------------------------------------------


def test_every_change_is_a_version_with_who_and_which_path(shop):
    with context.bound(origin="api", request="req-7"):
        product = toy(shop, name=texts("Renne"))
    edit(shop, product, actor=shop.merchandiser2, values={"name": texts("Renne géant")})
    events = list(product.events.order_by("pgh_id").select_related("pgh_context"))
    assert [e.pgh_label for e in events] == ["created", "changed"]
    assert events[0].pgh_context.metadata["source"] == "api"
    assert events[0].pgh_context.metadata["request_id"] == "req-7"
    assert events[1].pgh_context.metadata["username"] == "malik"
    assert AuditLog.objects.filter(object_code="TOY-1", action="product.update").get().diff == {
        "name-fr_FR": ["Renne", "Renne géant"]
    }


def test_bulk_writes_outside_services_are_versioned_too(shop):
    product = toy(shop, name=texts("Renne"))
    Product.objects.filter(pk=product.pk).update(enabled=False, version=2)
    assert product.events.count() == 2


def test_revert_brings_back_an_old_version_as_a_new_version(shop):
    product = toy(shop, name=texts("Renne"))
    first = product.events.get()
    product = edit(shop, product, values={"name": texts("Renne géant"), "brand": {"*": {"*": "Noel"}}})
    reverted = services.product_revert(actor=shop.merchandiser2, product=product, event_id=first.pgh_id)
    assert reverted.values == {"name": {"fr_FR": {"*": "Renne"}}}
    assert reverted.version == 3
    assert product.events.count() == 3


def test_category_cannot_move_inside_itself(shop):
    from apps.products.models import Category

    toys, plush = Category.objects.get(code="toys"), Category.objects.get(code="plush")
    with pytest.raises(ValidationError, match="inside itself"):
        services.category_move(actor=None, category=toys, parent=plush)
    moved = services.category_move(
        actor=None, category=plush, parent=Category.objects.get(code="decorations")
    )
    assert Category.objects.get_parent(moved).code == "decorations"


# requirements, channels and units ---------------------------------------------------------------------


def test_changing_a_familys_requirements_recomputes_its_products_completeness(
    shop, django_capture_on_commit_callbacks
):
    from apps.products.models import Attribute
    from tests.products.factories import require

    product = toy(shop, name=texts("Renne"), brand={"*": {"*": "Noel"}})
    assert score(product, shop.google, "fr_FR").ratio == 100
    require(shop.toys, shop.google, Attribute.objects.get(code="age_min"))
    with django_capture_on_commit_callbacks(execute=True):
        services.family_record_change(actor=shop.merchandiser, family=shop.toys)
    assert score(product, shop.google, "fr_FR").missing == ["age_min"]


def test_a_channel_gaining_a_locale_gets_completeness_rows_for_it(shop, django_capture_on_commit_callbacks):
    from apps.core.models import Locale
    from apps.core.services import channel_record_change

    product = toy(shop, name=texts("Renne"))
    shop.google.locales.add(Locale.objects.get(code="en_GB"))
    with django_capture_on_commit_callbacks(execute=True):
        channel_record_change(actor=None, channel=shop.google)
    assert score(product, shop.google, "en_GB").missing == ["brand", "name"]


def test_measurements_convert_between_units_of_their_family():
    from decimal import Decimal

    from apps.products.values import convert

    units = {"GRAM": Decimal(1), "KILOGRAM": Decimal(1000)}
    assert convert({"amount": "0.25", "unit": "KILOGRAM"}, "GRAM", units) == {"amount": "250", "unit": "GRAM"}
    assert convert({"amount": "1500", "unit": "GRAM"}, "KILOGRAM", units) == {
        "amount": "1.5",
        "unit": "KILOGRAM",
    }
    with pytest.raises(ValueError, match="cannot convert"):
        convert({"amount": "1", "unit": "GRAM"}, "INCH", units)


def test_a_channel_losing_a_locale_loses_its_completeness_rows_even_if_another_channel_keeps_it(
    shop, django_capture_on_commit_callbacks
):
    from apps.core.models import Locale
    from apps.core.services import channel_record_change

    product = toy(shop, name=texts("Renne"))
    shop.google.locales.add(Locale.objects.get(code="en_GB"))
    with django_capture_on_commit_callbacks(execute=True):
        channel_record_change(actor=None, channel=shop.google)
    shop.google.locales.remove(Locale.objects.get(code="en_GB"))
    with django_capture_on_commit_callbacks(execute=True):
        channel_record_change(actor=None, channel=shop.google)
    assert score(product, shop.google, "en_GB") is None
    assert score(product, shop.web, "en_GB") is not None


def test_the_completeness_of_a_deleted_channel_goes_with_it(shop, django_capture_on_commit_callbacks):
    product = toy(shop, name=texts("Renne"))
    channel = ChannelFactory(code="kiosk", locales=["fr_FR"])
    services.completeness_compute([product])
    assert score(product, channel, "fr_FR") is not None
    with django_capture_on_commit_callbacks(execute=True):
        channel.delete()
    assert score(product, channel, "fr_FR") is None
    assert score(product, shop.web, "fr_FR") is not None


def test_completeness_goes_with_its_product_though_the_table_has_no_database_references(shop):
    """The completeness table is derived data without a foreign-key constraint (see the model): Django's
    cascade is what removes the row of a deleted product."""
    product = toy(shop, name=texts("Renne"))
    other = toy(shop, sku="TOY-OTHER", name=texts("Lutin"))
    assert Completeness.objects.filter(product=product).exists()
    product.delete()
    assert not Completeness.objects.filter(product_id=product.pk).exists()
    assert Completeness.objects.filter(product=other).exists()

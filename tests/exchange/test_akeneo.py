"""A catalog set up from Akeneo's export files (tests/exchange/data/akeneo: a small export of our own,
shaped like Akeneo's CSV exports), then its product models and products, media from the archive."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.assets.models import Asset, ProductAsset
from apps.core.models import AuditLog, Channel, Currency, ImportJob, Locale
from apps.exchange.akeneo.imports import catalog_import
from apps.exchange.flat.imports import products_import
from apps.exchange.tabular import ImportRejected
from apps.products import flat, services
from apps.products.models import (
    AssociationType,
    Attribute,
    AttributeOption,
    Category,
    Family,
    FamilyRequirement,
    FamilyVariant,
    Product,
)
from tests.products.factories import score

DATA = Path(__file__).parent / "data" / "akeneo"
T = Attribute.Type


@pytest.fixture
def export(tmp_path) -> Path:
    """A copy of the export set, to spoil one file per test."""
    target = tmp_path / "export"
    shutil.copytree(DATA, target)
    return target


def spoil(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def counts() -> tuple[int, ...]:
    return (
        Product.objects.count(),
        Attribute.objects.count(),
        Family.objects.count(),
        Category.objects.count(),
        AuditLog.objects.count(),
        Asset.objects.count(),
    )


def refused(paths, **options) -> list:
    before = counts()
    with pytest.raises(ImportRejected) as caught:
        catalog_import(actor=None, paths=paths, **options)
    assert counts() == before, "a refused set changes nothing"
    return caught.value.errors


def test_a_whole_akeneo_export_imports_into_an_empty_noel(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = catalog_import(actor=None, paths=[DATA])
    assert (report.error_count, report.rejected) == (0, 0)
    by_file = {part["file"]: part for part in report.files}
    assert [p["kind"] for p in report.files] == [
        "locales", "currencies", "channels", "attribute_groups", "attributes", "attribute_options",
        "categories", "association_types", "families", "family_variants", "group_types", "groups",
        "product_models", "products",
    ]  # fmt: skip
    assert by_file["products.csv"]["created"] == 5 and by_file["product_models.csv"]["created"] == 3
    # en_US, inactive in a new Noel, is activated by the locales file
    assert report.updated == by_file["locales.csv"]["updated"] == 1

    # set-up: the identifier is Noel's SKU, Akeneo's types mapped, PCRE delimiters removed
    assert not Attribute.objects.filter(code="sku").exists()
    ean = Attribute.objects.get(code="ean")
    assert (ean.type, ean.unique, ean.max_length, ean.regex) == (T.TEXT, True, 13, r"^\d{13}$")
    weight = Attribute.objects.get(code="weight")
    assert weight.type == T.MEASUREMENT and weight.default_unit == "GRAM"
    assert set(weight.measurement_family.units.values_list("code", flat=True)) >= {"GRAM", "KILOGRAM"}
    picture = Attribute.objects.get(code="picture")
    assert (picture.type, picture.allowed_extensions, picture.max_file_size) == (T.MEDIA, ["jpg", "png"], 2)
    assert Attribute.objects.get(code="price").type == T.PRICE
    assert Attribute.objects.get(code="description").labels == {
        "en_US": "Description",
        "fr_FR": "Description",
    }
    assert AttributeOption.objects.get(attribute__code="color", code="red").labels["fr_FR"] == "Rouge"
    assert Category.objects.get_parent(Category.objects.get(code="cushions")).code == "home"
    mobile = Channel.objects.get(code="mobile")
    assert list(mobile.locales.values_list("code", flat=True)) == ["en_US"] and mobile.currency_id == "EUR"
    assert Locale.objects.get(code="en_US").is_active, "a channel's locales are activated"
    tshirts = Family.objects.get(code="tshirts")
    assert (tshirts.label_attribute.code, tshirts.image_attribute.code) == ("name", "picture")
    assert set(
        FamilyRequirement.objects.filter(family=tshirts, channel=mobile).values_list(
            "attribute__code", flat=True
        )
    ) == {"name", "price"}
    variant = FamilyVariant.objects.get(code="tshirts_color_size")
    assert services.level_codes(variant) == ({"color", "picture"}, {"size", "weight", "ean", "price"})

    # what Noel cannot use is named once, by file and column
    for ignored in (
        "attributes.csv: useable_as_grid_filter",
        "attributes.csv: attribute fabric_origin (type pim_reference_data_simpleselect, "
        "which Noel does not have)",
        "products.csv: fabric_origin",
        "products.csv: groups",
        "products.csv: X_SELL-groups",
        "channels.csv: tree",
        "channels.csv: currencies USD of channel ecommerce (a Noel channel sells in one currency: EUR)",
        "groups.csv: the whole file: Akeneo's product groups, which Noel does not have",
        "group_types.csv: the whole file: Akeneo's group types, which Noel does not have",
    ):
        assert report.columns_ignored.count(ignored) == 1, ignored

    # product models and variants: inherited values stay on the parent, literal \n become line breaks
    model = Product.objects.get(sku="tshirt_classic")
    assert model.is_model and model.family_variant == variant
    assert model.values["description"]["en_US"]["ecommerce"].startswith(
        "<p>Our classic crew-neck tee.</p>\n<ul>"
    )
    red = Product.objects.get(sku="tshirt_classic_red")
    assert red.parent == model and red.is_model and set(red.values) == {"color", "picture"}
    tee = Product.objects.get(sku="TS-CL-RED-S")
    assert tee.parent == red and set(tee.values) == {"size", "weight", "ean", "price"}
    assert tee.values["weight"] == {"*": {"*": {"amount": "180", "unit": "GRAM"}}}
    assert tee.values["price"] == {"*": {"*": {"EUR": "19.90", "USD": "24.00"}}}
    assert services.effective_values(tee)["name"] == {
        "en_US": {"*": "Classic tee"},
        "fr_FR": {"*": "Tee classique"},
    }

    # a simple product: multi-line HTML cell kept, associations of products and models in one list
    cushion = Product.objects.get(sku="CUSH-LIN-01")
    assert "</p>\n<p>Cover only" in cushion.values["description"]["en_US"]["ecommerce"]
    assert cushion.values["handmade"] == {"*": {"*": True}}
    assert cushion.associations == {"UPSELL": ["tshirt_classic"], "X_SELL": ["TS-CL-BLUE-M", "TS-CL-RED-S"]}
    assert not Product.objects.get(sku="CUSH-WOOL-02").enabled

    # media: stored once in the DAM, the value is its storage path, linked as the main picture
    assert Asset.objects.count() == 3
    link = ProductAsset.objects.get(product=cushion)
    assert link.role == ProductAsset.Role.MAIN and cushion.values["picture"]["*"]["*"] == link.asset.file.name
    assert ProductAsset.objects.filter(product=red, asset__file=red.values["picture"]["*"]["*"]).exists()

    # the same rules as the admin: versions, audit rows from the import, completeness
    assert tee.events.get().pgh_context.metadata["source"] == "import"
    assert AuditLog.objects.filter(action="attribute.create", object_code="ean", source="import").exists()
    assert AuditLog.objects.filter(action="family.change", object_code="tshirts").exists()
    assert score(cushion, mobile, "en_US").ratio == 100


def test_locales_and_currencies_files_create_and_activate_what_is_active_only(db):
    Locale.objects.filter(code="en_US").update(is_active=False)
    report = catalog_import(actor=None, paths=[DATA])
    assert {p["file"]: (p["created"], p["updated"]) for p in report.files[:2]} == {
        "locales.csv": (1, 1),  # de_CH created, en_US activated, fr_FR already active
        "currencies.csv": (1, 0),
    }
    swiss = Locale.objects.get(code="de_CH")
    assert (swiss.name, swiss.is_active) == ("Deutsch (CH)", True)
    assert not Locale.objects.filter(code__in=["it_CH", "sr_Cyrl_RS"]).exists(), "inactive ones hold nothing"
    dinar = Currency.objects.get(code="KWD")
    assert (dinar.decimal_places, dinar.is_active) == (3, True)
    assert not Currency.objects.filter(code="AFA").exists()
    assert AuditLog.objects.filter(action="locale.create", object_code="de_CH", source="import").exists()


def test_an_inactive_locale_in_the_file_leaves_an_active_noel_locale_alone(db, export):
    spoil(export, "locales.csv", "fr_FR;1", "fr_FR;0")
    catalog_import(actor=None, paths=[export])
    assert Locale.objects.get(code="fr_FR").is_active


def test_a_channel_may_use_a_locale_that_only_the_locales_file_brings(db, export):
    spoil(export, "channels.csv", "EUR;en_US;master", "EUR;en_US,de_CH;master")
    catalog_import(actor=None, paths=[export])
    mobile = Channel.objects.get(code="mobile")
    assert set(mobile.locales.values_list("code", flat=True)) == {"en_US", "de_CH"}


def test_locale_and_currency_files_are_told_apart_by_their_codes(db, export):
    (export / "locales.csv").rename(export / "export_1.csv")
    (export / "currencies.csv").rename(export / "export_2.csv")
    report = catalog_import(actor=None, paths=[export])
    assert [(p["file"], p["kind"]) for p in report.files[:2]] == [
        ("export_1.csv", "locales"),
        ("export_2.csv", "currencies"),
    ]


def test_a_bad_locale_code_is_refused_with_its_row(db, export):
    spoil(export, "locales.csv", "de_CH;1", "deutsch;1")
    [error] = refused([export])
    assert (error.row, error.column, error.value) == (2, "code", "deutsch")
    assert error.reason.startswith("locales.csv: ")


def test_importing_the_same_export_again_changes_nothing(db):
    catalog_import(actor=None, paths=[DATA])
    before = counts(), list(Product.objects.values_list("sku", "version").order_by("sku"))
    report = catalog_import(actor=None, paths=[DATA])
    assert (report.created, report.updated, report.error_count) == (0, 0, 0)
    # all but the identifier and the unsupported attribute rows, and the three rows of groups and group types
    assert report.unchanged == report.rows - 2 - 3
    assert (counts(), list(Product.objects.values_list("sku", "version").order_by("sku"))) == before


def test_a_changed_label_or_value_updates_only_that_record(db, export):
    catalog_import(actor=None, paths=[export])
    spoil(export, "attribute_options.csv", "color;red;1;Red;Rouge", "color;red;1;Red;Rouge vif")
    spoil(export, "products.csv", "Wool cushion;Coussin", "Woollen cushion;Coussin")
    report = catalog_import(actor=None, paths=[export])
    assert report.updated == 2 and report.created == 0
    assert AttributeOption.objects.get(attribute__code="color", code="red").labels["fr_FR"] == "Rouge vif"
    assert Product.objects.get(sku="CUSH-WOOL-02").values["name"]["en_US"]["*"] == "Woollen cushion"
    assert AuditLog.objects.filter(action="attribute_option.update", object_code="color.red").count() == 1


def test_a_dry_run_checks_the_whole_set_and_writes_nothing(db, settings):
    before = counts()
    report = catalog_import(actor=None, paths=[DATA], dry_run=True)
    assert report.dry_run and report.created == sum(p["created"] for p in report.files) > 0
    assert counts() == before
    assert not (Path(settings.MEDIA_ROOT) / "assets").exists(), "no media file stored"


def test_an_uploaded_zip_imports_like_the_folder(db):
    report = catalog_import(actor=None, handle=zipped(DATA), name="catalog.zip")
    assert report.error_count == 0 and Product.objects.count() == 8 and Asset.objects.count() == 3


def test_a_refused_row_names_file_row_column_and_value_and_refuses_the_set(db, export):
    spoil(export, "attributes.csv", "pim_catalog_boolean;handmade;Handmade;Fait main;technical;0;1;;;;;;0;", (
        "pim_catalog_boolean;handmade;Handmade;Fait main;technical;0;1;;;;;;maybe;"
    ))  # fmt: skip
    [error] = refused([export])
    assert (error.row, error.column, error.value, error.sku) == (11, "localizable", "maybe", "handmade")
    assert error.reason.startswith("attributes.csv: ") and "yes/no" in error.reason


@pytest.mark.parametrize(
    ("name", "old", "new", "row", "column", "reason"),
    [
        (
            "families.csv",
            "sku,name,description,price,color",
            "sku,name,colour,price,color",
            2,
            "attributes",
            "unknown attribute(s): colour",
        ),
        (
            "family_variants.csv",
            ";color;size;",
            ";material;size;",
            2,
            "variant-axes_1",
            "material is a multiselect",
        ),
        (
            "attribute_options.csv",
            "material;wool",
            "fabric;wool",
            10,
            "attribute",
            "unknown attribute fabric",
        ),
        (
            "attributes.csv",
            ";Weight;GRAM;",
            ";Weight;STONE;",
            10,
            "default_metric_unit",
            "STONE is not a unit",
        ),
        (
            "attributes.csv",
            ";Weight;GRAM;",
            ";Luminance;NIT;",
            10,
            "metric_family",
            "Luminance does not exist",
        ),
        ("categories.csv", "cushions;home;", "cushions;garden;", 6, "parent", "parent garden does not exist"),
        (
            "families.csv",
            "requirements-mobile",
            "requirements-print",
            1,
            "requirements-print",
            "unknown channel print",
        ),
        ("products.csv", "30;red;<p>Wool", "30;purple;<p>Wool", 6, "color", "option 'purple' does not exist"),
        (
            "product_models.csv",
            "tshirt_classic_blue;tshirts_color_size;tshirt_classic",
            ("tshirt_classic_blue;tshirts_color_size;tshirt_classik"),
            4,
            "parent",
            "tshirt_classik does not exist",
        ),
    ],
)
def test_bad_input_is_refused_with_its_place_and_reason(db, export, name, old, new, row, column, reason):
    spoil(export, name, old, new)
    errors = refused([export])
    assert any(
        e.row == row and e.column == column and reason in e.reason and e.reason.startswith(name)
        for e in errors
    ), errors


@pytest.mark.parametrize(
    "rule, reason",
    [
        (
            ("media;0;0;jpg,png;", "media;0;0;png;"),
            "c4d5_linen_cushion.jpg has the extension .jpg: picture takes png files",
        ),
        (
            (";0;0;1;;;;;;;;;2", ";0;0;1;;;;;;;;;0.02"),
            "c4d5_linen_cushion.jpg weighs 0.03 MB: picture takes files up to 0.02 MB",
        ),
    ],
)
def test_a_media_file_its_attribute_does_not_take_refuses_the_set_at_its_row(db, export, rule, reason):
    """Akeneo's allowed extensions and max file size, checked on the file in the archive."""
    (export / "files/CUSH-LIN-01/picture/c4d5_linen_cushion.jpg").write_bytes(b"\xff" * 30_000)
    spoil(export, "attributes.csv", *rule)
    errors = refused([export])
    assert [(e.row, e.column, e.sku) for e in errors] == [(5, "picture", "CUSH-LIN-01")], errors
    assert errors[0].reason == f"products.csv: {reason}"


def test_a_variant_value_that_differs_from_its_parent_is_refused_not_dropped(db, export):
    spoil(export, "products.csv", "TS-CL-RED-M;tshirts;1;tshirts;;tshirt_classic_red;;;;;;;;red;", (
        "TS-CL-RED-M;tshirts;1;tshirts;;tshirt_classic_red;;;;;;;;blue;"
    ))  # fmt: skip
    [error] = refused([export])
    assert (error.row, error.column, error.sku) == (3, "color", "TS-CL-RED-M")
    assert "not an attribute of this product's family (or level)" in error.reason


def test_skip_invalid_imports_the_rest_and_lists_the_refused_rows(db, export):
    spoil(export, "products.csv", "30;red;<p>Wool", "30;purple;<p>Wool")
    report = catalog_import(actor=None, paths=[export], skip_invalid=True)
    assert report.rejected == 1 and [e.row for e in report.errors] == [6]
    assert (
        Product.objects.filter(sku="CUSH-LIN-01").exists()
        and not Product.objects.filter(sku="CUSH-WOOL-02").exists()
    )


def test_an_archive_entry_leaving_its_folder_is_refused(db, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../outside.csv", "code;parent\nx;\n")
    [error] = refused([archive])
    assert "points outside the archive" in error.reason


def test_a_file_that_is_no_akeneo_export_is_named(db, tmp_path):
    (tmp_path / "notes.csv").write_text("when;what\nmonday;stock take\n")
    [error] = refused([tmp_path])
    assert error.reason.startswith("notes.csv: not an Akeneo export file")


def test_categories_may_come_before_their_parent(db, export):
    (export / "categories.csv").write_text(
        "code;parent;label-en_US\ncushions;home;Cushions\nhome;master;Home\nmaster;;Master\n"
        "clothing;master;Clothing\ntshirts;clothing;T-shirts\n",
        encoding="utf-8",
    )
    catalog_import(actor=None, paths=[export])
    assert Category.objects.get_parent(Category.objects.get(code="cushions")).code == "home"


def test_a_person_without_set_up_rights_may_not_import_a_catalog(db, shop):
    with pytest.raises(PermissionDenied, match="may not set up the catalog"):
        catalog_import(actor=shop.merchandiser, paths=[DATA])


def zipped(folder: Path) -> io.BytesIO:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as target:
        for path in folder.rglob("*"):
            if path.is_file():
                target.write(path, f"export_2024/{path.relative_to(folder)}")
    archive.seek(0)
    return archive


def test_the_command_takes_the_set_in_dependency_order_and_prints_a_summary_per_file(db, tmp_path):
    archive = tmp_path / "catalog.zip"
    archive.write_bytes(zipped(DATA).getvalue())
    out = io.StringIO()
    call_command("import_catalog", str(archive), "--dry-run", stdout=out, stderr=io.StringIO())
    assert not Product.objects.exists(), "a dry run"
    call_command("import_catalog", str(archive), stdout=(out := io.StringIO()), stderr=io.StringIO())
    text = out.getvalue()
    assert "(catalog)" in text and text.index("attributes.csv (attributes)") < text.index(
        "products.csv (products)"
    )
    assert "    5 rows: 5 created, 0 updated" in text and "columns ignored: fabric_origin, groups" in text
    assert "    1 row: 1 created" in text, "family_variants.csv: one row, said in the singular"
    assert "rows/s" in text and Product.objects.count() == 8


def test_the_command_refuses_the_whole_set_naming_file_row_and_column(db, export):
    spoil(export, "attribute_options.csv", "material;wool", "fabric;wool")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_catalog", str(export), "--format", "akeneo", stdout=io.StringIO(), stderr=err)
    assert (
        "row 10, column attribute (wool): attribute_options.csv: unknown attribute fabric" in err.getvalue()
    )
    assert not Attribute.objects.exists()


def test_a_zip_uploaded_in_the_admin_is_previewed_then_imported(
    db, admin_client, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("catalog.zip", zipped(DATA).getvalue(), "application/zip")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/core/importjob/add/", {"kind": "catalog", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.PREVIEWED, job.preview
    assert job.preview["created"] == 46 and not Product.objects.exists()
    assert [f["file"] for f in job.preview["files"]][-2:] == ["product_models.csv", "products.csv"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/core/importjob/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Product.objects.count() == 8


def test_set_up_files_may_be_xlsx(db, export):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in (export / "attribute_options.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(line.split(";"))
    book.save(export / "attribute_options.xlsx")
    (export / "attribute_options.csv").unlink()
    catalog_import(actor=None, paths=[export])
    assert AttributeOption.objects.get(attribute__code="material", code="wool").labels["fr_FR"] == "Laine"


def test_a_file_that_is_not_utf8_is_refused_with_its_name_and_encoding(db, export):
    (export / "categories.csv").write_bytes("code;parent;label-fr_FR\nhome;;Maison d'été\n".encode("cp1252"))
    [error] = refused([export])
    assert error.reason.startswith("categories.csv: the file is not UTF-8")


def test_an_export_of_the_imported_catalog_imports_back_unchanged(db, tmp_path):
    catalog_import(actor=None, paths=[DATA])
    exported = tmp_path / "noel.csv"
    queryset = Product.objects.order_by("parent__parent_id", "parent_id", "sku")
    exported.write_text("".join(flat.csv_lines(queryset)), encoding="utf-8")
    versions = list(Product.objects.values_list("sku", "version").order_by("sku"))
    report = products_import(actor=None, handle=exported.open("rb"), name="noel.csv")
    assert (report.unchanged, report.created, report.updated) == (8, 0, 0)
    assert list(Product.objects.values_list("sku", "version").order_by("sku")) == versions


def test_a_file_of_codes_and_labels_only_is_told_by_its_name(db, export):
    (export / "association_types.csv").write_text("code;label-en_US\nX_SELL;Cross sell\nUPSELL;Upsell\n")
    report = catalog_import(actor=None, paths=[export])
    assert {"file": "association_types.csv", "kind": "association_types"}.items() <= report.files[7].items()
    assert AssociationType.objects.get(code="X_SELL").labels == {"en_US": "Cross sell"}


def test_progress_counts_the_rows_of_every_file_and_never_goes_back(db):
    seen: list[int] = []
    report = catalog_import(actor=None, paths=[DATA], progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == report.rows == 58

import io

import openpyxl
import pytest

from apps.core.models import AuditLog
from apps.exchange.flat.imports import products_import
from apps.exchange.tabular import ImportRejected
from apps.products import flat, services
from apps.products.models import Product
from tests.products.factories import score
from tests.products.fixtures import texts


def run(text: str | bytes, actor=None, **options):
    data = text.encode() if isinstance(text, str) else text
    return products_import(actor=actor, handle=io.BytesIO(data), name="products.csv", **options)


def refused(text: str | bytes, **options) -> list:
    before = Product.objects.count(), AuditLog.objects.count()
    with pytest.raises(ImportRejected) as caught:
        run(text, **options)
    assert (Product.objects.count(), AuditLog.objects.count()) == before, "a refused import changed nothing"
    return caught.value.errors


HEADER = "sku;family;categories;enabled;name-fr_FR;description-fr_FR-web;rrp-EUR;weight;weight-unit;materials"


def test_import_creates_products_with_values_versions_audit_and_completeness(
    shop, django_capture_on_commit_callbacks
):
    text = (
        HEADER + "\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood,plush\nTOY-2;toys;toys;0;Lutin;;9;;;\n"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = run(text, actor=shop.merchandiser)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (2, 0, 0, 0)
    toy = Product.objects.get(sku="TOY-1")
    assert toy.values == {
        "name": {"fr_FR": {"*": "Renne"}},
        "description": {"fr_FR": {"web": "Doux"}},
        "rrp": {"*": {"*": {"EUR": "19.90"}}},
        "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}},
        "materials": {"*": {"*": ["plush", "wood"]}},
    }
    assert toy.categories == ["plush"] and toy.enabled and toy.status == Product.Status.DRAFT
    assert toy.search_text.startswith("toy-1") and "renne" in toy.search_text
    assert toy.events.count() == 1 and toy.events.get().pgh_context.metadata["source"] == "import"
    assert AuditLog.objects.filter(action="product.create", object_code="TOY-1", source="import").exists()
    assert score(toy, shop.web, "fr_FR").ratio == 100
    assert not Product.objects.get(sku="TOY-2").enabled
    assert len(callbacks) == 1, "one event for the whole import"


def test_reimport_of_the_same_file_changes_nothing_and_makes_no_version(shop):
    text = HEADER + "\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood\n"
    run(text)
    version = Product.objects.get(sku="TOY-1").version
    audits = AuditLog.objects.count()
    report = run(text)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    toy = Product.objects.get(sku="TOY-1")
    assert toy.version == version and toy.events.count() == 1 and AuditLog.objects.count() == audits


def test_update_changes_only_the_columns_of_the_file_and_an_empty_cell_clears(shop):
    run(HEADER + "\nTOY-1;toys;plush;1;Renne;Doux;19.90;250;GRAM;wood\n")
    report = run("sku,name-fr_FR,description-fr_FR-web\nTOY-1,Renne rouge,\n")
    assert report.updated == 1
    toy = Product.objects.get(sku="TOY-1")
    assert toy.values["name"] == {"fr_FR": {"*": "Renne rouge"}}
    assert "description" not in toy.values and toy.values["rrp"] == {"*": {"*": {"EUR": "19.90"}}}
    assert toy.version == 2 and toy.events.count() == 2


def test_noels_own_export_is_recognised_unchanged_cell_by_cell_without_validating_a_row(shop, monkeypatch):
    from apps.exchange.flat.imports import ProductImporter

    services.product_create(
        actor=None, sku="TOY-1", family=shop.toys, categories=["plush"], gtin="4006381333931",
        values={
            "name": texts("Renne", "Reindeer"),
            "description": {"fr_FR": {"web": "Doux\nsur deux lignes; « guillemets »"}},
            "rrp": {"*": {"*": {"EUR": "19.90"}}},
            "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}},
            "materials": {"*": {"*": ["wood", "plush"]}},
            "fragile": {"*": {"*": True}},
            "age_min": {"*": {"*": "3"}},
        },
    )  # fmt: skip
    services.product_create(
        actor=None, sku="TOY-2", family=shop.toys, values={"fragile": {"*": {"*": False}}}
    )
    exported = "".join(flat.csv_lines(Product.objects.order_by("sku")))

    def validated(*args, **kwargs):
        raise AssertionError("an unchanged row took the full path")

    monkeypatch.setattr(ProductImporter, "_row", validated)
    assert run(exported).unchanged == 2
    with pytest.raises(AssertionError, match="full path"):
        run(exported.replace("19.90", "18.90"))


def test_export_imports_back_unchanged(shop):
    services.product_create(
        actor=None,
        sku="TOY-1",
        family=shop.toys,
        categories=["plush"],
        gtin="4006381333931",
        values={
            "name": texts('=HYPERLINK("x")', "Reindeer"),
            "description": {"fr_FR": {"web": "Doux\nsur deux lignes; avec « guillemets »"}},
            "rrp": {"*": {"*": {"EUR": "19.90"}}},
            "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}},
            "materials": {"*": {"*": ["wood", "plush"]}},
            "fragile": {"*": {"*": True}},
            "age_min": {"*": {"*": "3"}},
        },
        associations={},
    )
    model = services.product_create(
        actor=None, sku="JUMPER", family=shop.apparel, family_variant=shop.by_color_size, is_model=True,
        values={"name": texts("Pull")},
    )  # fmt: skip
    services.product_create(
        actor=None, sku="JUMPER-RED-S", family=shop.apparel, parent=model,
        values={"color": {"*": {"*": "red"}}, "size": {"*": {"*": "s"}}},
    )  # fmt: skip
    services.product_update(
        actor=None,
        product=Product.objects.get(sku="TOY-1"),
        expected_version=1,
        changes={"associations": {"X_SELL": ["JUMPER"]}},
    )
    before = {
        p.sku: (p.values, p.categories, p.gtin, p.version, p.associations) for p in Product.objects.all()
    }
    exported = "".join(flat.csv_lines(Product.objects.order_by("sku")))
    assert "'=HYPERLINK" in exported
    report = run(exported)
    assert (report.unchanged, report.updated, report.created) == (3, 0, 0)
    after = {
        p.sku: (p.values, p.categories, p.gtin, p.version, p.associations) for p in Product.objects.all()
    }
    assert after == before
    Product.objects.all().update(version=1)
    for product in Product.objects.exclude(is_model=True).order_by("-parent_id"):
        product.delete()
    Product.objects.all().delete()
    report = run(exported)
    assert report.created == 3
    recreated = {p.sku: (p.values, p.categories, p.gtin, p.associations) for p in Product.objects.all()}
    assert recreated == {sku: (v, c, g, a) for sku, (v, c, g, _version, a) in before.items()}


def test_an_association_type_is_the_union_of_its_products_and_product_models_columns(shop):
    """Akeneo writes `-product_models` before `-products`: an empty products cell keeps the models."""
    run("sku;family;name-fr_FR\nJUMPER;toys;Pull\nBOOTS;toys;Bottes\nTOY-1;toys;Renne\n")
    run("sku;family;X_SELL-product_models;X_SELL-products\nTOY-1;toys;JUMPER;\n")
    assert Product.objects.get(sku="TOY-1").associations == {"X_SELL": ["JUMPER"]}
    run("sku;family;X_SELL-products;X_SELL-product_models\nTOY-1;toys;BOOTS;JUMPER\n")
    assert Product.objects.get(sku="TOY-1").associations == {"X_SELL": ["BOOTS", "JUMPER"]}
    run("sku;family;X_SELL-product_models\nTOY-1;toys;\n")
    assert Product.objects.get(sku="TOY-1").associations == {"X_SELL": ["BOOTS", "JUMPER"]}, "models only add"
    run("sku;family;X_SELL-products\nTOY-1;toys;\n")
    assert Product.objects.get(sku="TOY-1").associations == {}


def test_variants_and_models_in_one_file_parents_first(shop):
    report = run(
        "sku;family;family_variant;parent;name-fr_FR;color;size;weight;weight-unit\n"
        "PULL;apparel;color_then_size;;Pull;;;;\n"
        "PULL-RED;apparel;;PULL;;red;;;\n"
        "PULL-RED-S;apparel;;PULL-RED;;;s;300;GRAM\n"
    )
    assert report.created == 3
    leaf = Product.objects.get(sku="PULL-RED-S")
    assert leaf.parent.sku == "PULL-RED" and leaf.parent.is_model and leaf.parent.parent.sku == "PULL"
    assert leaf.axis_key == "size=s"


def test_each_chunk_sees_the_previous_one_even_while_it_is_being_written(shop, monkeypatch):
    """A chunk is validated while the previous one is written: that one's models, GTINs, sibling axes and
    unique values count as held all the same."""
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 3)
    report = run(
        "sku;family;family_variant;parent;color;size;gtin;supplier_ref\n"
        "PULL;apparel;color_then_size;;;;;\n"
        "PULL-RED;apparel;;PULL;red;;;\n"
        "TOY-0;toys;;;;;;\n"
        "PULL-RED-S;apparel;;PULL-RED;;s;4006381333931;\n"  # second chunk: its parent in the first
        "TOY-1;toys;;;;;;ABC-1\n"
        "PULL-RED-M;apparel;;PULL-RED;;m;;\n"
        "PULL-RED-S2;apparel;;PULL-RED;;s;;\n"  # third chunk: what the second chunk holds
        "TOY-2;toys;;;;;4006381333931;\n"
        "TOY-3;toys;;;;;;ABC-1\n",
        skip_invalid=True,
    )
    assert (report.created, report.rejected) == (6, 3)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (8, "size", "PULL-RED-S already has size=s under PULL-RED"),
        (9, "gtin", "GTIN 4006381333931 is already used by PULL-RED-S"),
        (10, "supplier_ref", "'ABC-1' is already used by TOY-1"),
    ]
    assert Product.objects.get(sku="PULL-RED-M").parent.parent.sku == "PULL"


def test_tabs_line_breaks_and_backslashes_are_kept_as_typed(shop):
    text = 'Un \\ ou\tdeux\nlignes "citées"'
    quoted = text.replace('"', '""')
    run(f'sku;family;name-fr_FR;description-fr_FR-web\nTOY-1;toys;"R\\enne";"{quoted}"\n')
    toy = Product.objects.get(sku="TOY-1")
    assert toy.values["description"] == {"fr_FR": {"web": text}}
    assert toy.values["name"] == {"fr_FR": {"*": "R\\enne"}} and "r\\enne" in toy.search_text


def test_a_variant_changed_with_its_model_in_one_file_is_complete_by_the_models_new_values(shop):
    run(
        "sku;family;family_variant;parent;color;size\nJUMPER;apparel;by_color_size;;;\nJUMPER-RED-S;apparel;;JUMPER;red;s\n"
    )
    variant = Product.objects.get(sku="JUMPER-RED-S")
    assert score(variant, shop.web, "fr_FR").ratio == 66
    run("sku;family;name-fr_FR;weight;weight-unit\nJUMPER-RED-S;apparel;;300;GRAM\nJUMPER;apparel;Pull;;\n")
    assert score(variant, shop.web, "fr_FR").ratio == 100


def test_xlsx_is_read_like_csv(shop):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["sku", "family", "age_min", "release_date", "fragile"])
    sheet.append(["TOY-X", "toys", 3, "2025-12-01", True])
    data = io.BytesIO()
    book.save(data)
    report = products_import(actor=None, handle=io.BytesIO(data.getvalue()), name="p.xlsx")
    assert report.created == 1
    assert Product.objects.get(sku="TOY-X").values == {
        "age_min": {"*": {"*": "3"}},
        "release_date": {"*": {"*": "2025-12-01"}},
        "fragile": {"*": {"*": True}},
    }


def test_bom_and_windows_line_endings_and_multiline_cells_are_read(shop):
    text = '\ufeffsku,family,description-fr_FR-web\r\nTOY-1,toys,"deux\r\nlignes"\r\nTOY-2,toys,x\r\n'
    assert run(text).created == 2
    assert Product.objects.get(sku="TOY-1").values["description"]["fr_FR"]["web"] == "deux\r\nlignes"


def test_skip_invalid_imports_the_rest_and_reports_the_bad_rows(shop):
    report = run("sku;family;age_min\nTOY-1;toys;3\nTOY-2;toys;abc\nTOY-3;toys;4\n", skip_invalid=True)
    assert (report.created, report.rejected) == (2, 1)
    [error] = report.errors
    assert (error.row, error.column, error.sku, error.value) == (3, "age_min", "TOY-2", "abc")
    assert set(Product.objects.values_list("sku", flat=True)) == {"TOY-1", "TOY-3"}


def test_dry_run_reports_and_writes_nothing(shop):
    report = run("sku;family\nTOY-1;toys\n", dry_run=True)
    assert report.created == 1 and report.dry_run
    assert not Product.objects.exists()


def test_approved_product_gets_a_pending_change_as_in_the_admin(shop):
    run("sku;family;name-fr_FR\nTOY-1;toys;Renne\n")
    Product.objects.filter(sku="TOY-1").update(status=Product.Status.APPROVED)
    report = run("sku;name-fr_FR\nTOY-1;Renne rouge\n", actor=shop.merchandiser)
    assert report.pending == 1
    toy = Product.objects.get(sku="TOY-1")
    assert toy.values["name"]["fr_FR"]["*"] == "Renne"
    assert toy.pending_change.changes["values"]["name"] == {"fr_FR": {"*": "Renne rouge"}}


def test_a_merchandiser_imports_only_products_of_their_categories(shop):
    from guardian.shortcuts import assign_perm

    from apps.products.models import Category

    assign_perm("products.edit_products_in", shop.merchandiser, Category.objects.get(code="plush"))
    with pytest.raises(ImportRejected) as caught:
        run("sku;family;categories\nTOY-1;toys;plush\nTOY-2;toys;decorations\n", actor=shop.merchandiser)
    [error] = caught.value.errors
    assert (error.row, error.column, error.sku) == (3, "categories", "TOY-2")
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("sku|family\nTOY-1|toys\n", 1, "sku|family", "delimiter"),
        ("family;name-fr_FR\ntoys;x\n", 1, "sku", "no sku"),
        ("sku;family\nTOY-1;toys\nTOY-1;toys\n", 3, "sku", "first at row 2"),
        ("sku;family;colour\nTOY-1;toys;red\n", 1, "colour", "unknown attribute colour"),
        ("sku;family;name-xx_XX\nTOY-1;toys;x\n", 1, "name-xx_XX", "unknown or inactive locale xx_XX"),
        ("sku;family;description-fr_FR-shop\nTOY-1;toys;x\n", 1, "description-fr_FR-shop", "unknown channel"),
        ("sku;family;age_min\nTOY-1;toys;3.5x\n", 2, "age_min", "not a number"),
        ("sku;family;release_date\nTOY-1;toys;31/12/2025\n", 2, "release_date", "not a date"),
        ("sku;family;fragile\nTOY-1;toys;maybe\n", 2, "fragile", "not yes/no"),
        ("sku;family;enabled\nTOY-1;toys;maybe\n", 2, "enabled", "not yes/no"),
        ("sku;family;materials\nTOY-1;toys;wood,steel\n", 2, "materials", "'steel'"),
        ("sku;family;parent\nV-1;apparel;GHOST\n", 2, "parent", "parent GHOST does not exist"),
        ("sku;family;name-fr_FR\nTOY-1;toys;=1+1\n", 2, "name-fr_FR", "formula"),
        ("sku;family\nTOY-1;nope\n", 2, "family", "unknown family nope"),
        ("sku;family;X_SELL-products\nTOY-1;toys;GHOST\n", 2, "associations", "GHOST does not exist"),
        ("sku;family\nTOY-1;toys;extra\n", 2, "", "check the delimiter"),
        ("", 1, "", "empty"),
    ],
)
def test_bad_input_is_refused_with_row_and_column_and_changes_nothing(shop, text, row, column, words):
    errors = refused(text)
    assert (errors[0].row, errors[0].column) == (row, column)
    assert words in errors[0].reason


def test_refused_rows_are_listed_in_the_order_of_the_file(shop):
    """A repeated SKU is caught as the row is read, a bad family only when its chunk is checked: the
    person still reads the rows top to bottom."""
    errors = refused("sku;family\nTOY-1;jouets\nTOY-2;toys\nTOY-1;toys\nTOY-3;nope\n")
    assert [(e.row, e.column) for e in errors] == [(2, "family"), (4, "sku"), (5, "family")]


@pytest.mark.parametrize(
    "text, encoding, row, found",
    [
        ("TOY-1;toys;Élan de Noël à la crème brûlée, 5 €", "cp1252", 2, "cp1252: TOY-1;toys;Élan de Noël"),
        ("TOY-1;toys;crème", "cp1252", 2, "cp1252: TOY-1;toys;crème"),  # a statistical guess said Big5
        ("TOY-1;toys;crème", "utf-16", 1, "utf-16: "),  # Excel's "Unicode text"
    ],
)
def test_a_file_that_is_not_utf8_says_which_encoding_it_looks_like_and_where(
    shop, text, encoding, row, found
):
    """A few accented letters in a Windows file are named Windows', with the row that shows them."""
    [error] = refused(f"sku;family;name-fr_FR\n{text}\n".encode(encoding))
    assert error.row == row and f"the file is not UTF-8 (it looks like {found}" in error.reason, error


def test_a_truncated_xlsx_is_refused(shop):
    book = openpyxl.Workbook()
    book.active.append(["sku", "family"])
    book.active.append(["TOY-1", "toys"])
    data = io.BytesIO()
    book.save(data)
    [error] = refused(data.getvalue()[: len(data.getvalue()) // 2])
    assert "damaged or truncated" in error.reason


def test_a_header_error_lists_every_bad_column_at_once(shop):
    errors = refused("sku;family;colour;name-xx_XX\nTOY-1;toys;x;y\n")
    assert [e.column for e in errors] == ["colour", "name-xx_XX"]


@pytest.mark.parametrize("size", [20, 200])
def test_query_count_does_not_grow_with_rows(shop, size, django_assert_max_num_queries):
    lines = [HEADER] + [f"TOY-{n};toys;plush;1;Renne {n};Doux;19.90;250;GRAM;wood" for n in range(size)]
    text = "\n".join(lines) + "\n"
    with django_assert_max_num_queries(45):
        assert run(text).created == size
    with django_assert_max_num_queries(31):  # one more: what the channels' feeds require (completeness)
        assert run(text).unchanged == size


def test_a_sku_created_elsewhere_while_its_file_is_imported_refuses_the_import(shop, monkeypatch):
    """The SKU was free when its chunk was read: the import is refused rather than overwrite the product
    another write created meanwhile."""
    from apps.exchange.flat import imports

    monkeypatch.setattr(imports, "CHUNK", 2)

    def meanwhile(rows: int) -> None:
        if rows == 2:  # the first chunk is validated, not written yet
            services.product_create(actor=None, sku="TOY-2", family=shop.toys)

    before = Product.objects.count()
    with pytest.raises(ImportRejected) as caught:
        run(
            "sku;family;name-fr_FR\nTOY-1;toys;Renne\nTOY-2;toys;Sapin\nTOY-3;toys;Étoile\n",
            progress=meanwhile,
        )
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (3, "sku", "TOY-2")
    assert "TOY-2 was taken by another write while this file was imported" in error.reason
    assert Product.objects.count() == before

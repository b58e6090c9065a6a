import csv
import io

from apps.products import flat, services
from apps.products.models import Product
from tests.products.fixtures import texts, three_toys


def test_flat_export_writes_one_column_per_value_in_akeneos_convention(shop):
    services.product_create(
        actor=None,
        sku="TOY-1",
        family=shop.toys,
        categories=["plush"],
        values={
            "name": texts('=HYPERLINK("x")', "Reindeer"),
            "description": {"fr_FR": {"web": "Doux"}},
            "rrp": {"*": {"*": {"EUR": "19.90"}}},
            "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}},
            "materials": {"*": {"*": ["wood", "plush"]}},
            "fragile": {"*": {"*": True}},
        },
    )
    text = "".join(flat.csv_lines(Product.objects.all()))
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert text.splitlines()[0].startswith("sku;family;categories;enabled;parent;family_variant;")
    assert row["name-en_GB"] == "Reindeer"
    assert row["name-fr_FR"] == '\'=HYPERLINK("x")'
    assert row["description-fr_FR-web"] == "Doux"
    assert (row["rrp-EUR"], row["weight"], row["weight-unit"]) == ("19.90", "250", "GRAM")
    assert (row["materials"], row["fragile"], row["categories"]) == ("plush,wood", "1", "plush")


def test_an_export_of_chosen_columns_leaves_the_other_cells_of_a_slot_out(shop):
    services.product_create(
        actor=None,
        sku="TOY-1",
        family=shop.toys,
        values={
            "rrp": {"*": {"*": {"EUR": "19.90"}}},
            "weight": {"*": {"*": {"amount": "250", "unit": "GRAM"}}},
            "brand": {"*": {"*": "-Lutin"}},
        },
    )
    columns = ["sku", "weight", "brand"]  # neither the price nor the measurement's unit
    lines = list(flat.csv_lines(Product.objects.all(), columns=columns))
    assert lines == ["sku;weight;brand\n", "TOY-1;250;'-Lutin\n"]


LIST = "/admin/products/product/"


def test_admin_export_asks_what_the_file_holds_then_streams_the_selection(shop, client):
    three_toys(shop)
    client.force_login(shop.merchandiser)
    pks = list(Product.objects.filter(sku__in=["TOY-0", "TOY-2"]).values_list("pk", flat=True))
    chosen = {"action": "export_selection", "_selected_action": pks}
    page = client.post(LIST, chosen)
    assert (
        page.status_code == 200
        and b"Export 2 product(s)" in page.content
        and b'value="fr_FR"' in page.content
    )
    response = client.post(LIST, {**chosen, "apply": "1", "file_format": "csv", "delimiter": ","})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert [line.split(",")[0] for line in body.splitlines()] == ["sku", "TOY-0", "TOY-2"]
    assert "name-en_GB" in body.splitlines()[0] and "brand" in body.splitlines()[0]


def test_admin_export_of_the_whole_filtered_list_as_xlsx_with_chosen_columns(shop, client):
    import openpyxl

    three_toys(shop)
    services.product_create(actor=None, sku="COAT-1", family=shop.apparel, values={"name": texts("Manteau")})
    client.force_login(shop.merchandiser)
    data = {
        "action": "export_selection", "select_across": "1", "index": "0",
        "_selected_action": [Product.objects.get(sku="TOY-0").pk],  # the page's ticks stay
        "apply": "1", "file_format": "xlsx", "delimiter": ";",
        "attribute_codes": ["name"], "locales": ["fr_FR"],
    }  # fmt: skip
    response = client.post(f"{LIST}?family__id__exact={shop.toys.pk}", data)
    assert response["Content-Disposition"] == 'attachment; filename="products.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [*flat.BASE_COLUMNS, "name-fr_FR"]
    assert [row[0] for row in rows[1:]] == ["TOY-0", "TOY-1", "TOY-2"]

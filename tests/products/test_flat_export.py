import csv
import io

from apps.products import flat, services
from apps.products.models import Product
from tests.products.fixtures import texts


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


def test_admin_exports_the_selection_as_a_stream(shop, client):
    for n in range(3):
        services.product_create(
            actor=None, sku=f"TOY-{n}", family=shop.toys, values={"name": texts(f"Renne {n}")}
        )
    client.force_login(shop.merchandiser)
    pks = list(Product.objects.filter(sku__in=["TOY-0", "TOY-2"]).values_list("pk", flat=True))
    response = client.post("/admin/products/product/", {"action": "export_flat_csv", "_selected_action": pks})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert [line.split(";")[0] for line in body.splitlines()] == ["sku", "TOY-0", "TOY-2"]

"""The reference figures of #15, measured again on this host: a flat 10-column product (no JSON, no
trigger, one unique index) through django-import-export's default ModelResource, its `use_bulk` path,
`bulk_create(update_conflicts=True)`, and a COPY into a staging table then one `INSERT … ON CONFLICT`.
The issue measured about 1,000, 2,000, 20,000 and 120,000 rows/s on the host its targets were set on:
these tell how this host compares, before reading `bench_import.py`'s absolute figures.

    python bench/bench_reference.py [N]     (default 100,000 rows; the resources on 5,000 and 20,000)
"""

from __future__ import annotations

import io
import sys
import time

from common import setup

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
ISSUE = {"ModelResource": 1_000, "use_bulk": 2_000, "bulk_create": 20_000, "COPY upsert": 120_000}
COLUMNS = [
    "sku", "name", "description", "brand", "material", "age_min", "weight", "price", "supplier_ref",
    "release_date",
]  # fmt: skip


def rows(prefix: str, count: int):
    for n in range(count):
        yield [
            f"{prefix}{n:07d}", f"Toy {n}", f"Un jouet en bois n° {n}, fait main.", "Lutin & Co", "wood",
            n % 12, f"{100 + n % 900}", f"{10 + n % 90}.99", f"REF-{n}", "2026-11-15",
        ]  # fmt: skip


def main() -> None:
    setup(100_000)  # the shared bench database, not re-seeded; the flat table is made and dropped here
    import tablib
    from django.db import connection, models, transaction
    from import_export import resources

    class FlatProduct(models.Model):
        sku = models.CharField(max_length=64, unique=True)
        name = models.CharField(max_length=255)
        description = models.TextField()
        brand = models.CharField(max_length=100)
        material = models.CharField(max_length=100)
        age_min = models.IntegerField()
        weight = models.DecimalField(max_digits=10, decimal_places=2)
        price = models.DecimalField(max_digits=10, decimal_places=2)
        supplier_ref = models.CharField(max_length=64)
        release_date = models.DateField()

        class Meta:
            app_label = "products"
            db_table = "bench_flat_product"

        def __str__(self) -> str:
            return self.sku

    class Default(resources.ModelResource):
        class Meta:
            model = FlatProduct
            import_id_fields = ("sku",)
            fields = COLUMNS

    class Bulk(Default):
        class Meta(Default.Meta):
            use_bulk = True
            batch_size = 1_000

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_flat_product")
    with connection.schema_editor() as editor:
        editor.create_model(FlatProduct)
    rates = {}
    try:
        for name, resource, count in (("ModelResource", Default, 5_000), ("use_bulk", Bulk, 20_000)):
            dataset = tablib.Dataset(*rows(name[:2], count), headers=COLUMNS)
            started = time.perf_counter()
            result = resource().import_data(dataset, dry_run=False)
            rates[name] = count / (time.perf_counter() - started)
            assert not result.has_errors(), result.row_errors()[:1]
        products = [FlatProduct(**dict(zip(COLUMNS, row, strict=True))) for row in rows("BC", N)]
        started = time.perf_counter()
        with transaction.atomic():
            FlatProduct.objects.bulk_create(
                products, batch_size=2_000, update_conflicts=True, unique_fields=["sku"],
                update_fields=COLUMNS[1:],
            )  # fmt: skip
        rates["bulk_create"] = N / (time.perf_counter() - started)
        text = "".join("\t".join(map(str, row)) + "\n" for row in rows("CP", N))
        columns = ", ".join(COLUMNS)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_flat_stage ON COMMIT DROP AS"
                " SELECT * FROM bench_flat_product WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY bench_flat_stage ({columns}) FROM STDIN") as copy:
                for line in io.StringIO(text):
                    copy.write(line)
            cursor.execute(
                f"INSERT INTO bench_flat_product ({columns}) SELECT {columns} FROM bench_flat_stage"
                " ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name"
            )
        rates["COPY upsert"] = N / (time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_flat_product")
    figures = (f"{name} {rate:,.0f} rows/s ({rate / ISSUE[name]:.2f}× #15's)" for name, rate in rates.items())
    print("reference, flat 10-column product: " + ", ".join(figures))


if __name__ == "__main__":
    main()

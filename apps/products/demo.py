"""The demo catalog: a Christmas shop of toys, decorations, food and apparel (with colour × size
variants), in fr_FR and en_GB, with a few deliberately incomplete products. Also the data set of the
benchmarks (`seed_demo --products 100000`)."""

from __future__ import annotations

import random
from typing import TextIO

from stdnum import ean

from apps.core.models import Channel, Role, User
from apps.products import services
from apps.products.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    Family,
    FamilyRequirement,
    FamilyVariant,
    MeasurementFamily,
    MeasurementUnit,
    Product,
)

T = Attribute.Type
GROUPS = [
    ("marketing", "Marketing", "Marketing"),
    ("technical", "Technique", "Technical"),
    ("media", "Médias", "Media"),
    ("erp", "ERP", "ERP"),
]
MEASURES = {
    "weight": ("GRAM", [("GRAM", "g", "1"), ("KILOGRAM", "kg", "1000")]),
    "length": ("MILLIMETER", [("MILLIMETER", "mm", "1"), ("CENTIMETER", "cm", "10"), ("INCH", "in", "25.4")]),
    "volume": ("MILLILITER", [("MILLILITER", "ml", "1"), ("LITER", "l", "1000")]),
}
# code, fr, en, type, group, options
ATTRIBUTES = [
    ("name", "Nom", "Name", T.TEXT, "marketing", {"localizable": True, "max_length": 150}),
    (
        "description",
        "Description",
        "Description",
        T.TEXTAREA,
        "marketing",
        {"localizable": True, "scopable": True, "max_length": 5000},
    ),
    ("brand", "Marque", "Brand", T.TEXT, "marketing", {"max_length": 70}),
    ("color", "Couleur", "Colour", T.SELECT, "marketing", {}),
    ("size", "Taille", "Size", T.SELECT, "marketing", {}),
    ("material", "Matière", "Material", T.MULTISELECT, "technical", {}),
    (
        "age_min",
        "Âge minimum",
        "Minimum age",
        T.NUMBER,
        "technical",
        {"decimals_allowed": False, "min_value": 0, "max_value": 18},
    ),
    (
        "weight",
        "Poids",
        "Weight",
        T.MEASUREMENT,
        "technical",
        {"measurement": "weight", "default_unit": "GRAM"},
    ),
    (
        "height",
        "Hauteur",
        "Height",
        T.MEASUREMENT,
        "technical",
        {"measurement": "length", "default_unit": "CENTIMETER"},
    ),
    (
        "volume",
        "Contenance",
        "Volume",
        T.MEASUREMENT,
        "technical",
        {"measurement": "volume", "default_unit": "MILLILITER"},
    ),
    ("allergens", "Allergènes", "Allergens", T.MULTISELECT, "technical", {}),
    ("fragile", "Fragile", "Fragile", T.BOOLEAN, "technical", {}),
    ("release_date", "Date de sortie", "Release date", T.DATE, "marketing", {}),
    ("rrp", "Prix conseillé", "Recommended price", T.PRICE, "erp", {}),
    ("main_image", "Image principale", "Main image", T.MEDIA, "media", {}),
    ("supplier_ref", "Référence fournisseur", "Supplier reference", T.IDENTIFIER, "erp", {"unique": True}),
]
OPTIONS = {
    "color": [
        ("red", "Rouge", "Red"),
        ("green", "Vert", "Green"),
        ("white", "Blanc", "White"),
        ("gold", "Or", "Gold"),
    ],
    "size": [("xs", "XS", "XS"), ("s", "S", "S"), ("m", "M", "M"), ("l", "L", "L"), ("xl", "XL", "XL")],
    "material": [
        ("wood", "Bois", "Wood"),
        ("plush", "Peluche", "Plush"),
        ("glass", "Verre", "Glass"),
        ("wool", "Laine", "Wool"),
        ("cotton", "Coton", "Cotton"),
        ("plastic", "Plastique", "Plastic"),
    ],
    "allergens": [
        ("milk", "Lait", "Milk"),
        ("nuts", "Fruits à coque", "Nuts"),
        ("gluten", "Gluten", "Gluten"),
        ("egg", "Œuf", "Egg"),
    ],
}
FAMILIES = {
    "toys": (
        "Jouets",
        "Toys",
        [
            "name",
            "description",
            "brand",
            "material",
            "age_min",
            "weight",
            "main_image",
            "rrp",
            "supplier_ref",
            "release_date",
        ],
    ),
    "decorations": (
        "Décorations",
        "Decorations",
        [
            "name",
            "description",
            "brand",
            "color",
            "material",
            "height",
            "fragile",
            "main_image",
            "rrp",
            "supplier_ref",
        ],
    ),
    "food": (
        "Épicerie fine",
        "Fine food",
        [
            "name",
            "description",
            "brand",
            "weight",
            "volume",
            "allergens",
            "main_image",
            "rrp",
            "supplier_ref",
        ],
    ),
    "apparel": (
        "Vêtements",
        "Apparel",
        [
            "name",
            "description",
            "brand",
            "color",
            "size",
            "material",
            "weight",
            "main_image",
            "rrp",
            "supplier_ref",
        ],
    ),
}
REQUIREMENTS = {
    "web": ["name", "description", "main_image"],
    "google": ["name", "description", "brand", "main_image"],
    "meta": ["name", "brand", "main_image"],
    "marketplace": ["name", "brand"],
    "stores": ["name"],
}
CATEGORIES = {
    "toys": (
        "Jouets",
        "Toys",
        {
            "plush": ("Peluches", "Plush toys"),
            "wooden_toys": ("Jouets en bois", "Wooden toys"),
            "games": ("Jeux", "Games"),
        },
    ),
    "decorations": (
        "Décorations",
        "Decorations",
        {
            "baubles": ("Boules", "Baubles"),
            "lights": ("Guirlandes lumineuses", "Fairy lights"),
            "garlands": ("Guirlandes", "Garlands"),
        },
    ),
    "food": (
        "Épicerie",
        "Food",
        {
            "chocolate": ("Chocolats", "Chocolate"),
            "biscuits": ("Biscuits", "Biscuits"),
            "drinks": ("Boissons", "Drinks"),
        },
    ),
    "apparel": (
        "Vêtements",
        "Apparel",
        {"jumpers": ("Pulls", "Jumpers"), "hats": ("Bonnets", "Hats"), "socks": ("Chaussettes", "Socks")},
    ),
}
NAMES = {
    "toys": (
        "plush",
        [
            ("Renne en peluche", "Plush reindeer"),
            ("Ours polaire", "Polar bear"),
            ("Lutin farceur", "Cheeky elf"),
        ],
        "material",
        ["plush"],
    ),
    "decorations": (
        "baubles",
        [
            ("Boule de verre", "Glass bauble"),
            ("Étoile dorée", "Golden star"),
            ("Guirlande de pommes de pin", "Pine cone garland"),
        ],
        "material",
        ["glass"],
    ),
    "food": (
        "chocolate",
        [
            ("Bûche au chocolat", "Chocolate yule log"),
            ("Pain d'épices", "Gingerbread"),
            ("Marrons glacés", "Candied chestnuts"),
        ],
        "allergens",
        ["milk", "nuts"],
    ),
}
BRANDS = ["Atelier du Nord", "Maison Sapin", "Les Lutins", "Polaris", "Boréal"]


def _labels(fr: str, en: str) -> dict[str, str]:
    return {"fr_FR": fr, "en_GB": en}


def _gtin(n: int) -> str:
    body = f"376{n:09d}"
    return body + ean.calc_check_digit(body)


def _setup_catalog() -> None:
    groups = {}
    for order, (code, fr, en) in enumerate(GROUPS):
        groups[code], _ = AttributeGroup.objects.get_or_create(
            code=code, defaults={"labels": _labels(fr, en), "sort_order": order}
        )
    measures = {}
    for code, (standard, units) in MEASURES.items():
        measures[code], _ = MeasurementFamily.objects.get_or_create(
            code=code, defaults={"standard_unit": standard, "labels": _labels(code, code)}
        )
        for unit, symbol, factor in units:
            MeasurementUnit.objects.get_or_create(
                family=measures[code], code=unit, defaults={"symbol": symbol, "factor": factor}
            )
    for order, (code, fr, en, kind, group, extra) in enumerate(ATTRIBUTES):
        extra = dict(extra)
        measure = extra.pop("measurement", None)
        Attribute.objects.get_or_create(
            code=code,
            defaults={
                "labels": _labels(fr, en),
                "type": kind,
                "group": groups[group],
                "sort_order": order,
                "measurement_family": measures.get(measure),
                **extra,
            },
        )
    for attribute, options in OPTIONS.items():
        for order, (code, fr, en) in enumerate(options):
            AttributeOption.objects.get_or_create(
                attribute=Attribute.objects.get(code=attribute),
                code=code,
                defaults={"labels": _labels(fr, en), "sort_order": order},
            )
    attributes = {a.code: a for a in Attribute.objects.all()}
    channels = {c.code: c for c in Channel.objects.all()}
    for code, (fr, en, members) in FAMILIES.items():
        family, created = Family.objects.get_or_create(
            code=code,
            defaults={
                "labels": _labels(fr, en),
                "label_attribute": attributes["name"],
                "image_attribute": attributes["main_image"],
            },
        )
        if not created:
            continue
        family.attributes.set([attributes[m] for m in members])
        for channel_code, required in REQUIREMENTS.items():
            for attribute in required:
                if attribute in members and channel_code in channels:
                    FamilyRequirement.objects.get_or_create(
                        family=family, channel=channels[channel_code], attribute=attributes[attribute]
                    )
    apparel = Family.objects.get(code="apparel")
    variant, created = FamilyVariant.objects.get_or_create(
        family=apparel,
        code="apparel_color_size",
        defaults={"labels": _labels("Couleur puis taille", "Colour, then size")},
    )
    if created:  # two levels: a sub-model per colour (with its picture), a variant per size
        variant.axes.set([attributes["color"]])
        variant.variant_attributes.set([attributes["main_image"]])
        variant.sub_axes.set([attributes["size"]])
        variant.sub_attributes.set([attributes["weight"], attributes["supplier_ref"]])
    if not Category.objects.exists():
        root = services.category_create(actor=None, code="christmas", labels=_labels("Noël", "Christmas"))
        for code, (fr, en, children) in CATEGORIES.items():
            node = services.category_create(actor=None, code=code, parent=root, labels=_labels(fr, en))
            for child, (cfr, cen) in children.items():
                services.category_create(actor=None, code=child, parent=node, labels=_labels(cfr, cen))
    for code, fr, en in (
        ("X_SELL", "Vente croisée", "Cross-sell"),
        ("UPSELL", "Montée en gamme", "Upsell"),
        ("PACK", "Lot", "Pack"),
        ("SUBSTITUTION", "Substitution", "Substitution"),
    ):
        AssociationType.objects.get_or_create(code=code, defaults={"labels": _labels(fr, en)})


def _rows(count: int, rng: random.Random) -> list[services.NewProduct]:
    """`count` products: the three simple families in turn; every fourth slot, a jumper model with two
    colour sub-models of three sizes each."""
    rows: list[services.NewProduct] = []
    n = 0
    while len(rows) < count:
        n += 1
        brand = rng.choice(BRANDS)
        if n % 4 == 0:
            model = f"JUMPER-{n:06d}"
            rows.append(
                services.NewProduct(
                    sku=model,
                    family="apparel",
                    family_variant="apparel_color_size",
                    is_model=True,
                    categories=["jumpers"],
                    values={
                        "name": {
                            "fr_FR": {"*": f"Pull de Noël {n}"},
                            "en_GB": {"*": f"Christmas jumper {n}"},
                        },
                        "description": {
                            "fr_FR": {
                                "web": "Pull en laine douce, motif flocons.",
                                "google": "Pull en laine douce.",
                                "meta": "Pull en laine douce, motif flocons.",
                            },
                            "en_GB": {"web": "Soft wool jumper with snowflakes."},
                        },
                        "brand": {"*": {"*": brand}},
                        "material": {"*": {"*": ["wool"]}},
                        "rrp": {"*": {"*": {"EUR": "49.90"}}},
                    },
                )
            )
            for color in ("red", "green"):
                colour_model = f"{model}-{color.upper()}"
                rows.append(
                    services.NewProduct(
                        sku=colour_model,
                        family="apparel",
                        parent=model,
                        is_model=True,
                        categories=["jumpers"],
                        values={
                            "color": {"*": {"*": color}},
                            "main_image": {"*": {"*": f"demo/{colour_model}.jpg"}},
                        },
                    )
                )
                for size in ("s", "m", "l"):
                    sku = f"{colour_model}-{size.upper()}"
                    rows.append(
                        services.NewProduct(
                            sku=sku,
                            family="apparel",
                            parent=colour_model,
                            gtin=_gtin(len(rows)),
                            categories=["jumpers"],
                            values={
                                "size": {"*": {"*": size}},
                                "weight": {"*": {"*": {"amount": "350", "unit": "GRAM"}}},
                            },
                        )
                    )
            continue
        family = ("toys", "decorations", "food")[n % 3]
        category, names, multi, multi_values = NAMES[family]
        fr, en = rng.choice(names)
        sku = f"{family[:3].upper()}-{n:06d}"
        values = {
            "name": {"fr_FR": {"*": f"{fr} {n}"}, "en_GB": {"*": f"{en} {n}"}},
            "description": {
                "fr_FR": {
                    "web": f"{fr} : une idée de cadeau pour Noël.",
                    "google": f"{fr}, idéal pour Noël.",
                    "meta": f"{fr} : le cadeau de Noël.",
                },
                "en_GB": {"web": f"{en}: a Christmas gift idea."},
            },
            "brand": {"*": {"*": brand}},
            multi: {"*": {"*": multi_values}},
            "main_image": {"*": {"*": f"demo/{sku}.jpg"}},
            "rrp": {"*": {"*": {"EUR": f"{rng.randint(5, 60)}.{rng.choice(['00', '50', '90', '99'])}"}}},
            "supplier_ref": {"*": {"*": f"SUP-{n:07d}"}},
        }
        if n % 10 == 5:  # deliberately incomplete: no English description, no brand, no image
            for code in ("brand", "main_image"):
                values.pop(code)
            values["description"].pop("en_GB")
        rows.append(
            services.NewProduct(
                sku=sku, family=family, gtin=_gtin(len(rows)), categories=[category], values=values
            )
        )
    return rows[:count]


def seed(*, products: int, out: TextIO) -> None:
    _setup_catalog()
    if Product.objects.exists() or products <= 0:
        out.write(f"Catalog: {Product.objects.count()} products (left as they are)\n")
        return
    rng = random.Random(2026)
    merchandiser = User.objects.filter(groups__name=Role.MERCHANDISER).order_by("pk").first()
    approver = User.objects.filter(groups__name=Role.APPROVER).order_by("pk").first()
    rows = _rows(products, rng)
    created = []
    for start in range(0, len(rows), 5000):
        created += services.products_bulk_create(actor=merchandiser, rows=rows[start : start + 5000])
    if merchandiser and approver and products <= 5000:
        for product in created[: int(len(created) * 0.8)]:
            services.product_submit(actor=merchandiser, product=product)
            services.product_approve(actor=approver, product=product)
    out.write(f"Catalog: {len(created)} products created\n")

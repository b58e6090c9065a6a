"""What each quality rule is called on screen, in the person's language. Findings store the rule's code
("below_cost"); lists, filters and the product form show this label instead. A rule without a label here
shows its code (tests/quality/test_rule_labels.py fails for it)."""

from django.utils.translation import gettext_lazy as _

RULE_LABELS = {
    "asset_rights_expired": _("Picture rights ended"),
    "image_replaced_after_approval": _("Picture replaced after approval"),
    "image_shared": _("Picture shared with unrelated products"),
    "missing_required": _("Required attribute missing"),
    "main_image_missing": _("No main picture"),
    "main_image_too_small": _("Main picture too small"),
    "feed_held_back": _("Held back from a feed"),
    "price_typo": _("Price looks like a typo"),
    "price_jump": _("Unusual price change"),
    "below_cost": _("Price below cost"),
    "discount_above_max": _("Discount above the maximum"),
    "channel_price_mismatch": _("Prices differ between channels"),
    "promoted_no_stock": _("Promoted without stock"),
    "click_collect_no_stock": _("Click and collect without stock"),
    "html_in_text": _("HTML in a text"),
    "forbidden_words": _("Forbidden words"),
    "translation_missing": _("Translation missing"),
    "translation_identical": _("Translation identical to the source"),
    "description_mismatch": _("Description of another product"),
    "description_duplicate": _("Description duplicated"),
    "import_picture_missing": _("Picture missing from the import"),
    "barcode_not_gtin": _("Barcode is not a valid GTIN"),
}


def rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))

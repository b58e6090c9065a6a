"""`manage.py products_submit --user NAME [--family CODE] [--category CODE] [--sku-prefix TEXT]
[--status draft|approved]`: submit for approval, as that person, the drafts (and the approved products'
unsubmitted changes) the filters name, through the same service as the admin's bulk action."""

from __future__ import annotations

from apps.products import services
from apps.products.management.review import ReviewCommand


class Command(ReviewCommand):
    help = "Submit products for approval as a named person (four eyes: another person approves)."
    verb = "submitted"
    permission = "products.change_product"

    def candidates(self, queryset):
        from apps.products import selectors

        return selectors.products_to_submit(queryset)

    def review(self):
        return services.product_submit

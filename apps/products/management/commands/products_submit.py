"""`manage.py products_submit --user NAME [--family CODE] [--category CODE] [--sku-prefix TEXT]
[--status draft|approved]`: submit for approval, as that person, the drafts (and the approved products'
unsubmitted changes) the filters name, through the same service as the admin's bulk action."""

from apps.products import selectors, services
from apps.products.management.review import ReviewCommand


class Command(ReviewCommand):
    help = "Submit products for approval as a named person (four eyes: another person approves)."
    verb, permission = "submitted", "products.change_product"
    candidates = staticmethod(selectors.products_to_submit)
    review = staticmethod(services.product_submit)

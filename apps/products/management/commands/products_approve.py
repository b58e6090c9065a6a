"""`manage.py products_approve --user NAME [--family CODE] [--category CODE] [--sku-prefix TEXT]
[--status in_review|approved]`: approve, as that person, the products in review and the submitted
changes the filters name, through the same service as the admin's bulk action: four eyes apply (what the
person edited or submitted is refused, with the reason)."""

from apps.products import selectors, services
from apps.products.management.review import ReviewCommand


class Command(ReviewCommand):
    help = "Approve submitted products as a named person (not what they contributed to)."
    verb, permission = "approved", "products.approve_product"
    candidates = staticmethod(selectors.products_to_approve)
    review = staticmethod(services.product_approve)

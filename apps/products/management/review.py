"""What `products_submit` and `products_approve` share: the person, the filters, the product policy's
view of the catalog, the review service per product, and the summary."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet

from apps.core import context
from apps.core.management.shell_jobs import person, progress_line
from apps.products import policies, selectors, services
from apps.products.models import Product


class ReviewCommand(BaseCommand):
    """A command is this with its `verb`, the `permission` it needs, the selector of its `candidates` and
    the `review` service it applies."""

    verb = ""
    permission = ""
    candidates: Callable[[QuerySet[Product]], QuerySet[Product]]
    review: Callable[..., Product]

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="the person acting (their rights apply)")
        parser.add_argument("--family", default="", help="only products of this family (code)")
        parser.add_argument("--category", default="", help="only products in this category or below it")
        parser.add_argument("--sku-prefix", default="", help="only SKUs starting with this")
        parser.add_argument(
            "--status", default="", choices=["", *Product.Status.values], help="only products in this status"
        )

    def handle(self, *args, **options) -> None:
        actor = person(options["user"])
        if not actor.has_perm(self.permission):
            raise CommandError(f"{actor.get_username()} may not do this ({self.permission})")
        queryset = policies.visible_products(actor, Product.objects.select_related("family"))
        queryset = selectors.products_matching(
            self.candidates(queryset),
            family=options["family"],
            category=options["category"],
            sku_prefix=options["sku_prefix"],
            status=options["status"],
        ).distinct()
        products = list(queryset)
        with context.bound(origin="system"):
            outcome = services.products_review_bulk(
                actor=actor,
                products=products,
                review=self.review,
                progress=progress_line(self.verb, len(products)),
            )
        self.stdout.write(
            f"{outcome.done} {self.verb}, {len(outcome.refused)} refused"
            f" (of {len(products)} product{'' if len(products) == 1 else 's'} the filters name)"
        )
        for reason, count in outcome.top_reasons():
            self.stdout.write(f"  {count} × {reason}")
        for sku, reason in outcome.refused[:50]:
            self.stderr.write(f"  refused {sku}: {reason}")
        if outcome.refused:
            raise CommandError(f"{len(outcome.refused)} product(s) not {self.verb}: see the reasons above")

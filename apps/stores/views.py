"""The store page: plain server-rendered HTML for a tablet, with a fragment fetched as the user types."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.inventory.models import StockLocation
from apps.products.models import Product
from apps.stores import selectors

PERMISSION = "stores.use_store_page"
SESSION_KEY = "store_location"


def store_staff_only(view):
    """Signed in (else the store's own login page) and holding the page's permission (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=reverse("stores:login"))
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class StoreLoginView(LoginView):
    template_name = "stores/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("stores:page")


def _context(request: HttpRequest, **extra) -> dict:
    """The stores to choose from, and the current one: chosen in this session, else the home store."""
    stores = selectors.stores()
    chosen = request.session.get(SESSION_KEY)
    store = next((s for s in stores if s.pk == chosen), None) if chosen else None
    return {"store": store or selectors.home_store(request.user), "stores": stores, **extra}


@store_staff_only
def page(request: HttpRequest) -> HttpResponse:
    """The search page. A scan or a typed code that names one product shows it in this very answer (no
    redirect: one round trip per scan); the address bar is then set to the product's own URL."""
    term = request.GET.get("q", "").strip()
    context = _context(request, term=term)
    found = selectors.lookup(term, locale=selectors.page_locale(), here=context["store"]) if term else None
    if found is not None and found.exact:
        return _product_page(request, found.exact)
    return render(request, "stores/page.html", {**context, "found": found})


@store_staff_only
def search(request: HttpRequest) -> HttpResponse:
    """The results fragment the page fetches as the user types."""
    term = request.GET.get("q", "").strip()
    here = _context(request)["store"] if term else None
    found = selectors.lookup(term, locale=selectors.page_locale(), scanned=False, here=here) if term else None
    return render(request, "stores/_results.html", {"term": term, "found": found, "store": here})


@store_staff_only
def product(request: HttpRequest, sku: str) -> HttpResponse:
    item = selectors.card_product(sku)
    if item is None:
        raise Http404
    return _product_page(request, item)


def _product_page(request: HttpRequest, item: Product) -> HttpResponse:
    context = _context(request, term="")
    card = selectors.product_card(
        item, here=context["store"], locale=selectors.page_locale(), at=timezone.now()
    )
    sections = [(_("Other stores"), card.stores), (_("Warehouses"), card.warehouses)]
    return render(
        request,
        "stores/product.html",
        {
            **context,
            "card": card,
            "sections": sections,
            "now": timezone.now(),
            "canonical": reverse("stores:product", args=[item.sku]),
        },
    )


@require_POST
@store_staff_only
def choose_store(request: HttpRequest) -> HttpResponse:
    """Kept in the session: a person without a home store, or lending a hand in another one."""
    code = request.POST.get("store", "")
    store = StockLocation.objects.filter(code=code, kind=StockLocation.Kind.STORE, is_active=True).first()
    if store is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = store.pk
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/store/") else reverse("stores:page"))

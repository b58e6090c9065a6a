"""Journey: every admin page, opened in Chromium as every role that may see it, in English and in French.

The pages are enumerated from what Noel serves, not listed by hand: the admin's home, and for every model
registered on the admin site its changelist, its add page, the change page of one object and the pages its
ModelAdmin.get_urls() adds (tests/access_matrix.py builds them); who may open each is the written access
model (apps/core/access_model.py). A page fails the crawl when

- it (or anything it loads from Noel) answers with an HTTP error,
- the browser logs a JavaScript error or a refused resource on it (console error, uncaught exception),
- it is a French page that shows English (ENGLISH below: words of the admin's own vocabulary that French
  never uses, so a hit is an untranslated string, not a product name).

One browser and one live server for the whole crawl; each role signs in once per language.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict

import pytest
from django.db import transaction
from django.urls import reverse

from apps.core import access_model
from apps.core.models import User
from tests import access_matrix as m
from tests.core.test_access_matrix import _catalog_objects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "noel-demo-2026"  # the demo's documented password (README)
# The roles that work in the admin, by their demo login (integrators and store staff never open it).
ROLES = {"M": "merchandiser", "K": "marketer", "P": "approver", "C": "channels", "A": "admin"}

# The pages a person opens by a link, with what they answer; the crawl reads HTML pages only.
NOT_PAGES = {
    "pick/": "the picture picker's search answer (JSON), read by the form's picker",
    "pick/products/": "the product picker's search answer (JSON), read by the promotion form",
    "pick/brands/": "the brand picker's search answer (JSON), read by the promotion form",
    "<int:object_id>/coupons.csv": "a CSV download",
    "<int:pk>/download/": "the feed file, a download",
    "<int:pk>/errors.csv": "a CSV download",
    "<path:object_id>/build/": "an action (POST) behind the feed's Build button, no page",
    "<path:object_id>/cancel/": "an action (POST) behind the run's Cancel button, no page",
    "<int:pk>/confirm/": "an action (POST) behind the import's Confirm button, no page",
    "process_import/": "django-import-export's second step, reached only by posting its first",
    "upload/": "the upload form's POST target; upload-files/ is its page",
}

# English words of the admin's vocabulary that never occur in French text, matched as whole words with their
# case: a hit on a French page is a string Noel, Django, Unfold or a library left untranslated. Short English
# words that are also French ("Actions", "Message", "Date", "Mon", "Total", "Type") or that demo data may hold
# (product names are texts a person wrote, in any language; "products" is the demo feeds' file name) are not
# in it.
ENGLISH = [
    "Save",
    "Delete",
    "Filters",
    "Search",
    "Add",
    "Change",
    "Cancel",
    "Close",
    "Run",
    "Started by",
    "Select value",
    "Type to search",
    "Show all",
    "History",
    "Today",
    "Yesterday",
    "required",
    "This field",
    "must be",
    "is not",
    "should",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "January",
    "February",
    "April",
    "June",
    "July",
    "August",
    "October",
    "December",
    "Yes",
    "No",
    "None",
    "Unknown",
    "Previous",
    "Next",
    "results",
    "selected",
    "warning",
    "warnings",
    "error",
    "errors",
    "price",
    "product",
    "missing",
    "below",
    "above",
]
# A word glued to a dot, slash or underscore is a file, task or code name ("google/products.xml"), not text.
ENGLISH_RE = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w./-])")

# The text a French page shows: what is rendered (hidden elements left out) plus what fields say before one
# types (placeholders) and the labels of icons-only buttons.
# Text marked as another language (a delivery log recorded in English, a message's JSON: lang="zxx") is what
# was recorded, read as such by browsers and screen readers: left out.
VISIBLE_TEXT = """() => [
  (document.querySelectorAll('body [lang]').forEach(e => {
     if (e.lang !== document.documentElement.lang) e.style.display = 'none';
   }), document.body.innerText),
  ...[...document.querySelectorAll('[placeholder]')].filter(e => e.offsetParent).map(e => e.placeholder),
].join('\\n')"""


def _pages(objects) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(role letter, language) → [(name, path)]: every HTML admin page, for every role that may open it, in
    one language per role and both languages per page. The roles that may see a page take English and French
    in turn (a page only the administrator sees, they open in both): twice fewer page loads than every role
    in both languages, and every page is still read in English and in French."""
    visits = defaultdict(list)
    urls = [("admin:index", reverse("admin:index"), "".join(ROLES))]
    for url in m.admin_urls(objects):
        if url.view in ("delete", "history") or url.view in NOT_PAGES:
            continue
        allowed = access_model.ADMIN.get(url.model, {}).get(url.view, "")
        urls.append((f"{url.model} {url.view}", url.path, allowed))
    for index, (name, path, allowed) in enumerate(urls):
        roles = [letter for letter in ROLES if letter in allowed]
        for turn, letter in enumerate(roles):
            languages = ("en", "fr") if len(roles) == 1 else (("en", "fr")[(index + turn) % 2],)
            for language in languages:
                visits[(letter, language)].append((name, path))
    return visits


def _crawl(page, base: str, pages: list[tuple[str, str]], french: bool) -> list[str]:
    problems: list[str] = []
    current = {"name": ""}
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"{current['name']}: console: {msg.text}"),
    )
    page.on("pageerror", lambda exc: problems.append(f"{current['name']}: script: {exc}"))
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and r.url.startswith(base)
            and problems.append(f"{current['name']}: HTTP {r.status} {r.url}")
        ),
    )
    for name, path in pages:
        current["name"] = f"{name} ({path})"
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            continue  # reported by the response listener
        if french:
            text = page.evaluate(VISIBLE_TEXT)
            found = sorted({hit.group(1) for hit in ENGLISH_RE.finditer(text)})
            if found:
                lines = [line for line in text.splitlines() if ENGLISH_RE.search(line)][:3]
                problems.append(f"{current['name']}: English on a French page {found}: {lines}")
    return problems


def _cache_static(context, base: str) -> None:
    """Static files (and the JavaScript catalog, per language) fetched once per context, then answered from
    memory with their first answer: the crawl measures pages, not the same 27 files served 400 times."""
    cache = {}

    def handle(route):
        url = route.request.url
        if url not in cache:
            cache[url] = route.fetch()
        route.fulfill(response=cache[url])

    context.route(f"{base}/static/**", handle)
    context.route(f"{base}/admin/jsi18n/", handle)


def test_every_admin_page_opens_cleanly_for_every_role_in_english_and_in_french(browser, live_server):
    with transaction.atomic():  # the jobs its writes start run once it is all there, as in the matrix
        objects = _catalog_objects().objects
    visits = _pages(objects)
    problems: list[str] = []
    started = time.monotonic()
    for language, locale in (("en", "en-GB"), ("fr", "fr-FR")):
        User.objects.filter(username__in=ROLES.values()).update(language=language)
        for letter, username in ROLES.items():
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
            _cache_static(context, live_server.url)
            page = context.new_page()
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            problems += _crawl(page, live_server.url, visits[(letter, language)], french=language == "fr")
            context.close()
    opened = sum(len(pages) for pages in visits.values())
    took = time.monotonic() - started
    assert not problems, f"{len(problems)} problems on {opened} pages ({took:.0f} s):\n" + "\n".join(problems)

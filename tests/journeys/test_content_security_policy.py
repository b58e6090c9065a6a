"""The admin works under Noel's Content-Security-Policy: no script, style or picture of its own is refused
by the browser, and Alpine.js (unfold's menus, tabs and filters) starts."""

import pytest

from apps.core.models import Role
from tests.journeys.helpers import PASSWORD, person
from tests.products.fixtures import build_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every refusal the browser reports, kept on the page for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    const where = `${event.sourceFile}:${event.lineNumber}`;
    window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""

PAGES = [
    "/admin/",
    "/admin/products/product/",
    "/admin/products/product/add/",
    "/admin/campaigns/campaign/calendar/",
    "/admin/channels/feedrun/",
    "/admin/core/user/",
]


def test_the_admin_pages_run_under_the_content_security_policy(login, live_server):
    build_shop()
    person("ada.csp", Role.ADMIN)
    page = login("ada.csp", PASSWORD)
    page.add_init_script(RECORD_VIOLATIONS)
    console_refusals = []
    page.on("console", lambda message: console_refusals.append(message.text))
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        # Alpine removes x-cloak from every element it has started; an element still cloaked means it did not.
        page.wait_for_function("window.Alpine !== undefined && !document.querySelector('[x-cloak]')")
        assert page.evaluate("window.__cspViolations") == [], path
    assert [text for text in console_refusals if "Content Security Policy" in text] == []

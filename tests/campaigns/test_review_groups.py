"""The approver's page groups the guard-rail findings by problem, with counts, each group expandable and
linked to the product list filtered to its products (#42)."""

import re

from apps.campaigns import services
from apps.inventory.services import StockLine, stock_apply_batch
from tests.campaigns.factories import plan

URL = "/admin/campaigns/campaign/"


def test_findings_are_grouped_by_problem_with_counts_and_a_link_to_the_products(xmas, clock, client):
    stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", quantity=0), StockLine("TOY-2", "WH", 0)])
    campaign = plan(xmas, categories=["plush", "toys"])
    services.campaign_submit(actor=xmas.marketer, campaign=campaign)
    client.force_login(xmas.approver)
    page = client.get(f"{URL}{campaign.pk}/review/").content.decode()
    groups = dict(re.findall(r'data-finding-group="(\w+)"[^>]*data-count="(\d+)"', page))
    assert groups == {"no_stock": "4", "not_approved": "2", "incomplete": "2"}
    assert "No stock to sell" in page and "<details" in page
    link = f"/admin/products/product/?campaign_finding={campaign.pk}%3Ano_stock"
    assert link in page
    listed = client.get(link.replace("%3A", ":")).content.decode()
    assert "TOY-1" in listed and "TOY-2" in listed and "DECO-1" not in listed


def test_the_finding_filter_keeps_only_that_problems_products(xmas, clock, client):
    stock_apply_batch(actor=None, lines=[StockLine("TOY-1", "WH", quantity=0)])
    campaign = plan(xmas, categories=["plush", "toys"])
    client.force_login(xmas.approver)
    listed = client.get(f"/admin/products/product/?campaign_finding={campaign.pk}:no_stock").content.decode()
    assert "TOY-1" in listed and "TOY-2" not in listed
    bad = client.get("/admin/products/product/?campaign_finding=nonsense")
    assert bad.status_code in (200, 302)

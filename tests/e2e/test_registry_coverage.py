"""Issue 19 (h19a) in headless Chromium: the registry coverage report on the demo data (the sample registry
and the demo leases show every category), its drill-down, and a street supervisor's view of it.

Screenshot: ``test-artifacts/e2e/<backend>/19-coverage.png`` (the README's docs/screenshots/coverage.png)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

CATEGORIES = ("unfiled", "missing", "address", "street", "old_code")


def _totals(page) -> dict:
    return {c: int(page.locator(f"#coverage tfoot td[data-category='{c}']").inner_text().replace(",", ""))
            for c in CATEGORIES}


def test_coverage_report(new_page, live_server, shots):
    page = new_page("admin")
    page.goto(live_server.url + "/reports/coverage")
    assert page.locator("h1").inner_text() == "楼栋库核查"
    totals = _totals(page)
    assert all(totals[c] >= 1 for c in CATEGORIES), totals  # the demo shows every category
    # drill down: the address mismatches of 南园, then the list of units with no filing
    page.locator("#coverage tbody tr[data-street='440304001'] td[data-category='address'] a").first.click()
    page.wait_for_selector("#coverage-list")
    assert "地址与楼栋库不符" in page.locator("#list-title").inner_text()
    assert page.locator("#coverage-list tbody tr").count() == 1
    page.goto(live_server.url + "/reports/coverage?category=unfiled")
    assert page.locator("#coverage-list tbody tr").count() == 25  # paginated
    assert page.locator(".pager").count() == 1
    page.goto(live_server.url + "/reports/coverage?category=missing")
    shots(page, "19-coverage")
    # a street supervisor: their own street only
    sup = new_page("yuanling.supervisor")
    sup.goto(live_server.url + "/reports/coverage")
    streets = set(sup.locator("#coverage tbody th[scope='row']").all_inner_texts())
    assert streets == {"园岭"}, streets
    assert sup.locator("#street").count() == 0  # no street selector

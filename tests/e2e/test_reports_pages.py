"""Browser: the district administrator opens the annual report and the rent survey from the top bar (issue 19).
The annual report's street rows add up to its total to the fen; its chart is inline SVG; the PDF is one page."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_admin_reads_the_annual_report_and_the_rent_survey(live_server, new_page, shots):
    live_server.need("reports.annual_page", "reports.rents", feature="reports")
    page = new_page("admin")
    page.goto(live_server.url + "/")
    with page.expect_navigation() as nav:
        page.locator('header nav a[href*="/reports/annual"]').click()
    assert nav.value.status == 200
    rows = page.locator("#annual tbody tr")
    assert rows.count() == 10
    total = int(page.locator("#annual tfoot td[data-fen]").get_attribute("data-fen"))
    assert sum(int(rows.nth(i).locator("td[data-fen]").get_attribute("data-fen")) for i in range(10)) == total
    assert page.locator("svg.chart rect").count() == 20
    shots(page, "20-annual-report")
    pdf = page.request.get(page.url.replace("/reports/annual", "/reports/annual.pdf"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    with page.expect_navigation() as nav:
        page.locator('header nav a[href*="/reports/rents"]').click()
    assert nav.value.status == 200
    assert page.locator("#survey").count() == 1 and page.locator("#proposals").count() == 1
    shots(page, "21-rent-survey", full_page=False)

"""Issue 16 in headless Chromium: a citizen pre-files a lease on a phone-sized screen and books a time; at
the window the clerk calls the ticket, scans the pre-filing code (the top-bar scanner opens the registration
form filled in from it) and registers with one confirmation; the statistics page shows the visit.

Keystrokes at the window are counted from "call the next ticket" to the registered lease: every key press
(Tab and Enter included), a scan counts as one (the scanner types the code and Enter: the Enter is counted
too) — at most 20. Screenshots: ``test-artifacts/e2e/<backend>/p*.png``; the figure: ``p-keystrokes.txt``.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counter.leases.idnumbers import make_resident_id

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_counter_queue import Keys
from tests.e2e.test_journeys import business_today, click_and_wait, has_focus, month_start

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

KEYSTROKES_MAX = 20
PHONE = {"width": 390, "height": 844}


class WindowKeys(Keys):
    """The queue test's key counter, with a scanner: a scanned code arrives at once (one action)."""

    def __init__(self, page):
        super().__init__(page)
        self.scans = 0

    def scan(self, text: str) -> None:
        """A barcode/QR scanner: the code arrives at once (one action), then its Enter (counted)."""
        self.page.keyboard.insert_text(text)
        self.scans += 1

    @property
    def total(self) -> int:
        return super().total + self.scans


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_citizen_prefiles_on_a_phone_books_and_the_window_registers_in_20_keystrokes(
        live_server, browser, new_page, shots):
    live_server.need("prefiling.prefile", "prefiling.book", "prefiling.queue", "prefiling.stats_page",
                     feature="online pre-filing and the queue")
    base = live_server.url
    # --- the citizen, on a phone -------------------------------------------------------------------------
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", is_mobile=True,
                              has_touch=True)
    ctx.set_default_timeout(15_000)
    try:
        phone = ctx.new_page()
        phone.goto(base + "/prefile")
        phone.select_option("#street", label="南园")
        start = month_start(business_today(), 0)
        end = start.replace(year=start.year + 1) - timedelta(days=1)
        values = {
            "#contact_phone": "13800138016", "#house_code": "440304001P2E0000016000201",
            "#address": "深圳市福田区南园街道滨河路16号P栋", "#room": "0201", "#floor_area": "61.50",
            "#landlords-0-name": "郑国强", "#landlords-0-id_number": make_resident_id("44030419680808123"),
            "#landlords-0-phone": "13700137016", "#tenants-0-name": "何晓琳",
            "#tenants-0-id_number": make_resident_id("44030419930303234"), "#tenants-0-phone": "13600136016",
            "#signing_date": (start - timedelta(days=5)).isoformat(), "#start_date": start.isoformat(),
            "#end_date": end.isoformat(), "#monthly_rent": "4200", "#deposit": "8400"}
        for selector, value in values.items():
            phone.fill(selector, value)
        assert _fits(phone)
        shots(phone, "p01-prefile-phone")
        click_and_wait(phone, phone.locator("#add-tenants"))  # a second tenant: the form again, kept
        phone.fill("#tenants-1-name", "何小雨")
        phone.fill("#tenants-1-id_number", make_resident_id("44030420000404345"))
        click_and_wait(phone, phone.locator("#prefile-submit"))
        assert re.search(r"/prefile/PF-[A-Z0-9-]+$", phone.url), phone.url
        code = phone.locator("#prefiling-code").inner_text().strip()
        assert phone.locator("#prefiling-qr svg").count() == 1 and phone.locator("#bring li").count() >= 3
        assert _fits(phone)
        shots(phone, "p02-prefiling-code-phone")
        click_and_wait(phone, phone.locator("#book-link"))
        phone.locator("#slots input[type=radio]:not([disabled])").first.check()
        assert _fits(phone)
        shots(phone, "p025-book-phone")
        click_and_wait(phone, phone.locator("#book-submit"))
        assert f"/appointments/{code}" in phone.url, phone.url
        when = phone.locator("#appointment-time").inner_text()
        assert _fits(phone)
        shots(phone, "p03-appointment-phone")
    finally:
        ctx.close()

    # --- at the window: the citizen's code at the reception gives the ticket (not counted) ---------------
    page = new_page("nanyuan.clerk")
    page.goto(base + "/queue/")
    page.fill("#code", code)
    click_and_wait(page, page.locator("#check-in"))
    assert page.locator("#waiting tbody tr").count() >= 1
    # --- the clerk: call, scan, register -------------------------------------------------------------------
    page.goto(base + "/queue/")
    assert has_focus(page, "call-next")
    k = WindowKeys(page)
    k.enter_and_wait()  # call the next ticket
    ticket = page.locator("#current-ticket").inner_text()
    assert has_focus(page, "scan-q")
    shots(page, "p04-queue-serving")
    k.scan(code.lower().replace("-", ""))  # how a scanner may deliver it: lower case, no hyphens
    resp = k.enter_and_wait()
    assert "/leases/new" in page.url and page.locator("#prefilled").is_visible(), page.url
    assert page.input_value("#tenants-1-name") == "何小雨" and page.input_value("#monthly_rent") in ("4200", "4200.00")
    shots(page, "p05-registration-prefilled")
    resp = k.enter_and_wait()  # the clerk checked the originals: one confirmation
    assert resp.status == 200 and re.search(r"/leases/\d+$", page.url), page.url
    text = page.locator("main").inner_text()
    assert "郑国强" in text and "何晓琳" in text and "何小雨" in text
    shots(page, "p06-registered")
    registered_keys = k.total
    # the ticket is done
    page.goto(base + "/queue/")
    page.locator("#finish").click()
    page.wait_for_load_state()
    assert page.locator("#call-next").count() == 1
    folder = ARTIFACTS / live_server.backend
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p-keystrokes.txt").write_text(
        f"pre-filed lease registered at the window: {registered_keys} keystrokes ({k.presses} key presses, "
        f"{k.scans} scan); ticket {ticket}, appointment {when}\n", encoding="utf-8")
    assert registered_keys <= KEYSTROKES_MAX, registered_keys

    # --- the supervisor's statistics show the visit --------------------------------------------------------
    sup = new_page("nanyuan.supervisor")
    today = business_today().isoformat()
    sup.goto(f"{base}/queue/stats?start={today}&end={today}")
    total = sup.locator("#stats-total").inner_text()
    assert re.match(r"共1张号，平均等候\d+:\d\d，平均办理\d+:\d\d", total), total
    row = sup.locator("#per-clerk tbody tr").first
    assert "南园" in row.inner_text() and row.locator("td").nth(1).inner_text() == "1", row.inner_text()
    wait, service = (row.locator(f"td.{c}").inner_text() for c in ("wait", "service"))
    assert re.fullmatch(r"\d+:\d\d", wait) and re.fullmatch(r"\d+:\d\d", service) and service != "0:00", (wait, service)
    shots(sup, "p07-service-times")
    sup.goto(f"{base}/queue/stats")
    assert sup.locator(".bars").first.locator(".bar-row").count() == 12 or sup.locator(".bar-row").count() >= 12
    shots(sup, "p08-service-times-year")

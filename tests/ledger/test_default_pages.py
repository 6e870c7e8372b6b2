"""The summary pages open without query parameters (the nav links), with this period's defaults."""
import pytest


@pytest.mark.parametrize("url", ["/ledger/daily", "/ledger/monthly", "/ledger/statistics"])
def test_finance_pages_open_without_parameters(finance_client, url):
    assert finance_client.get(url).status_code == 200


def test_overview_opens_without_parameters(admin_client):
    resp = admin_client.get("/ledger/overview")
    assert resp.status_code == 200
    assert "<svg" in resp.get_data(as_text=True)

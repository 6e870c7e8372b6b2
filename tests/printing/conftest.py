"""Fixtures of the printing tests: each sample document rendered once per session."""

from __future__ import annotations

from datetime import date

import pytest

from printing import samples
from printing.documents import (render_certificate, render_day_close, render_info_slip,
                                render_ledger_report, render_receipt)

# Every sample document once per session: name -> (data, pdf bytes)
SAMPLES = {
    "certificate": (samples.sample_certificate, render_certificate),
    "certificate_reprint": (lambda: samples.sample_certificate(
        reprint_count=2, issued_at=date(2026, 6, 1)), render_certificate),
    "info_slip_a4": (samples.sample_info_slip, render_info_slip),
    "info_slip_a5": (lambda: samples.sample_info_slip("A5", status="已解除"), render_info_slip),
    "receipt": (samples.sample_receipt, render_receipt),
    "receipt_void": (lambda: samples.sample_receipt(voided=True), render_receipt),
    "day_close": (samples.sample_day_close, render_day_close),
    "ledger": (samples.sample_ledger, render_ledger_report),
}


@pytest.fixture(scope="session")
def rendered():
    cache = {}

    def get(name):
        if name not in cache:
            make, render = SAMPLES[name]
            data = make()
            cache[name] = (data, render(data))
        return cache[name]
    return get

"""Helpers of the pre-filing tests: a window open all day (every slot of tomorrow can be booked), a valid
pre-filing form post (the lease tests' valid registration plus the street)."""
from __future__ import annotations

import re
from datetime import time, timedelta

from counter.core.timeutil import business_today
from counter.extensions import db
from counter.prefiling import services

from tests.leases.leases_testlib import form_data  # noqa: F401 (re-exported)


def open_window(street_id: int, windows: int = 2) -> None:
    services.save_schedule(street_id, time(0, 0), time(23, 45), 15, windows, 14, [])
    db.session.commit()


def tomorrow():
    return business_today() + timedelta(days=1)


def prefile(client, street_id: int, **overrides) -> str:
    resp = client.post("/prefile", data={**form_data(**overrides), "street": str(street_id),
                                         "contact_phone": "13900139000"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    m = re.search(r"/prefile/(PF-[A-Z0-9-]+)$", resp.headers["Location"])
    assert m, resp.headers["Location"]
    return m.group(1)


class Recorder:
    sent: list = []

    def __init__(self, app):
        pass

    def send(self, recipient, body):
        if recipient == "fail":
            raise ConnectionError("gateway down")
        Recorder.sent.append((recipient, body))

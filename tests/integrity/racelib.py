"""Helpers of the race tests: actions released together by a barrier, leases registered through the
lease service, the Flask test client's forms."""
from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from datetime import date

from counter.extensions import db

_n = itertools.count(1)


@dataclass
class Answer:
    status: int
    text: str
    location: str | None

    @property
    def ok(self) -> bool:
        return self.status in (200, 302)


def answer(resp) -> Answer:
    return Answer(resp.status_code, resp.get_data(as_text=True), resp.headers.get("Location"))


def race(app, *actions, timeout: float = 60):
    """Run ``actions`` (callables) at the same instant, one thread and app context each; their results in
    order. The test's own session is committed first (it must hold no lock)."""
    db.session.commit()
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)
    errors: list[BaseException] = []

    def run(i, action):
        try:
            with app.app_context():
                barrier.wait(timeout=timeout)
                results[i] = action()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 30)
    assert not errors, errors[:3]
    db.session.expire_all()
    return results


def post(client, url, data=None):
    return lambda: answer(client.post(url, data=data or {}))


def collect_key(client, lease_id: int, first: str, last: str) -> str:
    """Open the collect page (one "tab"): its submission key."""
    html = client.get(f"/collection/lease/{lease_id}?first={first}&last={last}").get_data(as_text=True)
    return re.search(r'name="idempotency_key"[^>]*value="([0-9a-f]{32})"', html).group(1)


def collect_form(key: str, first: str, last: str, method: str = "cash", repeat_reason: str = "") -> dict:
    return {"first_month": first, "last_month": last, "method": method,
            "reference": "" if method == "cash" else f"REF{next(_n):08d}", "idempotency_key": key,
            "repeat_reason": repeat_reason}


def make_lease(street_id: int, *, start: date = date(2024, 1, 1), end: date = date(2026, 12, 31),
               rent_fen: int = 350_000):
    """A lease registered through the lease service (its own property and parties), committed."""
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    n = next(_n)
    data = LeaseInput(street_id=street_id, lease_use="residential", rented_area_centi=5000, signing_date=start,
                      start_date=start, end_date=end, monthly_rent_fen=rent_fen, address=f"福田区竞速路{n}号",
                      room=f"{n}01", floor_area_centi=5000, design_use="residential",
                      parties=[PartyInput("landlord", "张三", "resident_id", make_resident_id(f"44030419700101{n:03d}")),
                               PartyInput("tenant", "李四", "resident_id", make_resident_id(f"44030419800101{n:03d}"))])
    lease = register_lease(data)
    db.session.commit()
    return lease


def make_user(username: str, role: str, street_id: int | None):
    from counter.auth.services import create_user

    user = create_user(username, "correct horse 1", role, username, street_id)
    db.session.commit()
    return user

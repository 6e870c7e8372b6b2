"""Helpers of the API tests: a small world of leases and printed proofs (PDF rendering stubbed), keys."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

_houses = itertools.count(501)
STUB_PDF = b"%PDF-1.4\n% api test stub\n%%EOF\n"
ALL_SCOPES = ("leases:read", "leases:register", "proofs:verify", "tax:estimate")


def stub_printing(monkeypatch):
    from counter.documents import services as documents

    monkeypatch.setattr(documents, "render_document", lambda data: STUB_PDF)
    monkeypatch.setattr(documents, "render_batch", lambda items: STUB_PDF)
    monkeypatch.setattr(documents.signing, "sign", lambda pdf, reason="": pdf)


def lease_input(street_id: int, *, n: int | None = None, days_ago: int = 30):
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput

    n = next(_houses) if n is None else n
    house = f"4403040{street_id:02d}000000000020{n:04d}"[:25]
    start = business_today() - timedelta(days=days_ago)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id(f"44030419800101{n % 1000:03d}"),
                          phone="13800138000"),
               PartyInput("tenant", "李小娜", "resident_id", make_resident_id(f"44030419900102{n % 1000:03d}"),
                          phone="13900139000")]
    return LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room=f"{n}室", floor_area_centi=8850,
                      design_use="residential", has_title=True, lease_use="residential", rented_area_centi=8850,
                      signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                      monthly_rent_fen=350_000, deposit_fen=700_000, payment_cycle="monthly", parties=parties)


def make_lease(street_id: int, **kw):
    from counter.leases.services import register_lease

    return register_lease(lease_input(street_id, **kw), confirm_overlap=True)


@dataclass
class World:
    lease_a: object
    lease_b: object
    slip: object  # valid info slip of lease_a
    certificate: object  # valid certificate of lease_a
    void_slip: object  # slip of a cancelled lease


def build_world(streets, monkeypatch) -> World:
    from counter.core.scoping import scoped_to
    from counter.documents import services as documents
    from counter.extensions import db
    from counter.leases.services import cancel_filing

    stub_printing(monkeypatch)
    with scoped_to(None):
        a = make_lease(streets[0].id)
        b = make_lease(streets[1].id)
        c = make_lease(streets[0].id)
        db.session.flush()
        slip = documents.print_info_slip(a).document
        cert = documents.print_certificate(a).document
        void = documents.print_info_slip(c).document
        cancel_filing(c, "test: filed in error")
        db.session.commit()
    return World(lease_a=a, lease_b=b, slip=slip, certificate=cert, void_slip=void)


def new_key(scopes=ALL_SCOPES, *, street_id=None, name="city platform", days=30):
    """(token, key row) of a new key of the client ``name`` (created when missing); committed."""
    from sqlalchemy import select

    from counter.api import services
    from counter.api.models import ApiClient
    from counter.extensions import db

    client = db.session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        client = services.create_client(name, "test")
    key, token = services.issue_key(client, scopes, street_id=street_id, days=days)
    db.session.commit()
    return token, key


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def registration_body(street_code: str | None, n: int, **overrides) -> dict:
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id

    start = business_today() - timedelta(days=10)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    body = {
        "street": street_code,
        "property": {"house_code": f"4403040990000000000{n:06d}", "address": "深圳市福田区园岭街道红荔路1号",
                     "room": f"{n}室", "floor_area": "60.00", "design_use": "residential"},
        "lease_use": "residential", "rented_area": "60.00",
        "signing_date": (start - timedelta(days=1)).isoformat(), "start_date": start.isoformat(),
        "end_date": end.isoformat(), "monthly_rent": "4200.00", "deposit": "8400.00",
        "parties": [{"role": "landlord", "name": "张三明", "id_type": "resident_id",
                     "id_number": make_resident_id(f"44030419750305{n % 1000:03d}")},
                    {"role": "tenant", "name": "陈小红", "id_type": "resident_id",
                     "id_number": make_resident_id(f"44030419920611{n % 1000:03d}"), "phone": "13700137000"}],
    }
    body.update(overrides)
    return body

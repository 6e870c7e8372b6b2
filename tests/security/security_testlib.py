"""Helpers of the security tests: a small world with one of everything (lease, receipt, day close, printed
document, remittance, bank statement, draft schedule), row counts of every table, raw request encoding."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote_from_bytes

from sqlalchemy import text

_houses = itertools.count(301)


def enc(value: str) -> bytes:
    """UTF-8, with lone surrogates passed through as their (invalid) three-byte forms, as an attacker's
    client would send them."""
    return value.encode("utf-8", "surrogatepass")


def urlencode(pairs) -> str:
    """Percent-encoded ``k=v&...`` (ASCII), lone surrogates included as invalid UTF-8 bytes."""
    return "&".join(quote_from_bytes(enc(k), safe=b"") + "=" + quote_from_bytes(enc(v), safe=b"") for k, v in pairs)


def make_lease(street_id: int, *, days_ago: int = 400, years: int = 2, rent_fen: int = 450_000):
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id
    from counter.leases.services import LeaseInput, PartyInput, register_lease

    n = next(_houses)
    house = f"44030400{street_id:02d}00000000020{n:04d}"[:25]
    start = business_today() - timedelta(days=days_ago)
    end = start.replace(year=start.year + years) - timedelta(days=1)
    parties = [PartyInput("landlord", "王建国", "resident_id", make_resident_id(f"44030419800101{n % 1000:03d}"),
                          phone="13800138000"),
               PartyInput("tenant", "李娜", "resident_id", make_resident_id(f"44030419900102{n % 1000:03d}"),
                          phone="13900139000")]
    data = LeaseInput(street_id=street_id, house_code=house, building_code=house[:19],
                      address="深圳市福田区南园街道福华路10号A栋", room=f"{n}室", floor_area_centi=8850,
                      design_use="residential", has_title=True, lease_use="residential", rented_area_centi=8850,
                      signing_date=start - timedelta(days=2), start_date=start, end_date=end,
                      monthly_rent_fen=rent_fen, deposit_fen=900_000, payment_cycle="monthly", parties=parties)
    return register_lease(data, confirm_overlap=True)


@dataclass
class World:
    lease: object
    receipt: object
    day_close: object
    document: object
    remittance: object
    statement: object
    draft: object
    assessment_id: int | None
    api_client_id: int | None = None
    api_key_id: int | None = None


def build_world(users, streets) -> World:
    """One of everything in street A, made through the services (as the windows would)."""
    import uuid

    from counter.collection import services as collection
    from counter.core.scoping import scoped_to
    from counter.core.timeutil import business_today
    from counter.documents import services as documents
    from counter.extensions import db
    from counter.ledger import services as ledger
    from counter.tax import services as tax
    from counter.tax.models import RateScheduleVersion

    street = streets[0]
    with scoped_to(None):
        lease = make_lease(street.id)
        db.session.flush()
        first = lease.start_date.strftime("%Y-%m")
        receipt = collection.collect(lease, first, first, "transfer", "POS-0001", uuid.uuid4().hex,
                                     clerk=users["clerk_a"])
        db.session.flush()
        day_close = collection.close_day(users["supervisor_a"], business_today(), 100)  # a variance: the note form
        document = documents.print_certificate(lease).document
        remittance = ledger.record_remittance(street.id, receipt.business_date, receipt.business_date,
                                              receipt.total_fen, "TREASURY-1", business_today())
        day, yuan = business_today().isoformat(), f"{receipt.total_fen // 100}.{receipt.total_fen % 100:02d}"
        csv_text = ("交易日期,金额,交易参考号,对方户名,摘要\n"  # one line matches the receipt, one is unknown
                    f"{day},{yuan},POS-0001,王建国,代征税款\n{day},12.34,UNKNOWN-9,某公司,不明来款\n")
        statement = ledger.import_bank_statement(street.id, csv_text.encode("utf-8"), "bank.csv")
        active = db.session.scalars(db.select(RateScheduleVersion).order_by(RateScheduleVersion.id)).first()
        draft = tax.create_version(tax.version_text(active), based_on=active, note="corpus draft")
        from counter.api import services as api

        api_client = api.create_client("corpus platform")
        api_key, _token = api.issue_key(api_client, ["proofs:verify"])
        db.session.commit()
        return World(lease=lease, receipt=receipt, day_close=day_close, document=document, remittance=remittance,
                     statement=statement, draft=draft, assessment_id=receipt.assessment_record_id,
                     api_client_id=api_client.id, api_key_id=api_key.id)


def row_counts() -> dict[str, int]:
    """Rows of every table of the database (as migrated: not tables other tests declare), in one query; the
    test's own transaction is ended after."""
    from sqlalchemy import inspect

    from counter.extensions import db

    # through the session's own connection: a second connection would wait for SQLite's write lock
    names = sorted(n for n in inspect(db.session.connection()).get_table_names() if n != "alembic_version")
    sql = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{n}")' for n in names)
    row = db.session.execute(text(sql)).one()
    db.session.commit()
    return dict(zip(names, row))


def clone_config(app, **overrides) -> dict:
    """The configuration of a second instance of ``app`` on the same database (another worker or server)."""
    keys = ("TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD", "SQLALCHEMY_DATABASE_URI",
            "INSTANCE_PATH", "COUNTER_BACKEND")
    return {**{k: app.config[k] for k in keys if k in app.config}, **overrides}


class other_app:  # noqa: N801 - used as a context manager
    """``with other_app(app, KEY=value) as second:`` a second app instance (same database), disposed after."""

    def __init__(self, app, **overrides):
        from counter import create_app

        self.app = create_app(clone_config(app, **overrides))
        self.app.test_client_class = app.test_client_class

    def __enter__(self):
        return self.app

    def __exit__(self, *exc):
        from counter.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        return False

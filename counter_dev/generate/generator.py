"""City-scale synthetic data: ``counter generate-data --leases N --years Y [--seed S]``.

Fills the database named by ``DATABASE_URL`` (migrated, reference data loaded) with a realistic district:
properties with 19-character building codes and 25-character house codes, persons with GB 11643
resident IDs and organizations with GB 32100 credit codes (valid check characters), leases over the last
``Y`` years with a realistic spread (uses mostly residential, log-normal rents ¥1,500–¥30,000, areas
20–150 m², terms of 1–3 years; some amended, terminated, cancelled, renewed), their event history,
receipts with the periods they cover and hash-chained journal lines (one per non-zero tax item, sealed
with ``counter.collection``'s own ``row_hash`` and the ledger key; a few receipts voided), and printed
documents (certificates, info slips, receipts). Run it as the database's owner (PostgreSQL: COPY with
the foreign-key triggers off needs a superuser, and sequences are moved): not as the app role.

Time runs forward day by day, so registration, receipt, document and journal numbers follow the dates.
All numbers continue from the ``serial_counter`` rows and the journal chains already in the database,
and the counters are left at the last number used: the app continues gap-free, and
``counter ledger verify`` passes.

Bulk only: PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``), multi-row ``INSERT`` on SQLite; never one ORM
object at a time. Not generated: audit-log rows, assessment records (``receipt.assessment_record_id`` is
NULL), day closes, remittances, reprints. Tax amounts: the shipped/active rate schedules are run through
the ``fees`` engine once per (use, landlord kind, rent band, year) and scaled to the lease's rent
(the engine takes ~1.5 ms per call: too slow to call per receipt at a million leases).

By table group: :mod:`.parties` (party, property), :mod:`.leases` (lease, lease_party, lease_event,
printed_document), :mod:`.collection` (receipt, receipt_period, journal_entry; the tax rates),
:mod:`.rows` (columns, per-street state, the writer); this module runs the days and keeps the numbers.
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from counter_dev.generate.collection import Collection, TaxRates
from counter_dev.generate.leases import Leases
from counter_dev.generate.parties import PartiesAndProperties, credit_code_for, resident_id_for
from counter_dev.generate.rows import TABLE_ORDER, StreetState, Stats, Writer



class Generator(PartiesAndProperties, Leases, Collection):
    """Time runs forward day by day through the table groups (parties.py, leases.py, collection.py)."""

    def __init__(self, conn, leases: int, years: int, seed: int, progress: bool = True, batch: int = 5000,
                 checked: bool = False):
        from counter.collection.models import GENESIS_HASH
        from counter.collection.integrity import SEAL_VERSION
        from counter.collection.services import row_hash
        from counter.documents.keys import verify_code_for
        from counter.leases.services import format_registration

        self.conn = conn
        self.n = leases
        self.years = years
        self.rng = random.Random(seed)
        self.seed = seed
        self.progress = progress
        self.batch = batch
        self.w = Writer(conn, checked=checked)
        self.stats = Stats()
        self.row_hash = row_hash
        self.seal_version = SEAL_VERSION
        self.genesis = GENESIS_HASH
        from counter.documents import keys

        vkey = keys._verify_key()
        self.verify_code_for = lambda number: base64.b32encode(
            hmac.new(vkey, number.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")[:keys.CODE_LENGTH]
        assert self.verify_code_for("DOC-FT01-2026-000001") == verify_code_for("DOC-FT01-2026-000001")
        self.format_registration = format_registration
        self.tax = TaxRates()
        from counter.extensions import db

        db.session.commit()  # the schedules were read through the session: end its (SQLite: write-locking) transaction
        self.today = _business_today()
        self.first_day = self.today - timedelta(days=int(365.25 * years))
        self.heap: list = []  # (day ordinal, tiebreak, kind, payload)
        self.tick = 0
        self.counters: dict[tuple[str, int, int], int] = {}
        self._load_state()

    # -- state from the database ------------------------------------------------------------------------

    def _scalar(self, sql, params=None):
        from sqlalchemy import text

        return self.conn.execute(text(sql), params or {}).scalar()

    def _load_state(self) -> None:
        from sqlalchemy import select, text
        from werkzeug.security import generate_password_hash

        from counter.streets.models import Street

        streets = self.conn.execute(select(Street.id, Street.code, Street.short_code, Street.reg_prefix,
                                           Street.name_zh).order_by(Street.code)).all()
        if len(streets) == 0:
            raise click.ClickException("no streets: run `counter load-reference` first")
        self.next_id = {t: int(self._scalar(f"SELECT coalesce(max(id), 0) FROM {t}")) + 1 for t in TABLE_ORDER}
        for kind, sid, year, last in self.conn.execute(text("SELECT kind, street_id, year, last_value FROM serial_counter")):
            self.counters[(kind, sid, year)] = int(last)
        self.person_n = int(self._scalar("SELECT count(*) FROM party")) + self.seed * 10_000_019 % 400_000_000
        self.org_n = self.person_n
        self.existing_ids = set(self.conn.execute(text("SELECT id_number FROM party")).scalars())
        self.address_keys = set(self.conn.execute(text(
            "SELECT street_id, address_key FROM property WHERE house_code IS NULL AND address_key IS NOT NULL")).all())
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        pw = generate_password_hash(uuid.uuid4().hex, method="pbkdf2:sha256:1000")  # unusable: nobody knows it
        self.streets: list[StreetState] = []
        shatou = next((s for s in streets if s.code.endswith("004")), streets[0])
        for s in streets:
            ids = {}
            for role in ("clerk", "supervisor"):
                username = f"gen.{s.short_code.lower()}.{role}"
                uid = self._scalar("SELECT id FROM user_account WHERE username = :u", {"u": username})
                if uid is None:
                    uid = self.conn.execute(text(
                        "INSERT INTO user_account (username, display_name, password_hash, role, street_id, active, "
                        "created_at) VALUES (:u, :d, :p, :r, :s, :a, :c) RETURNING id"),
                        {"u": username, "d": f"{s.name_zh}{'窗口' if role == 'clerk' else '主管'}(生成)", "p": pw,
                         "r": role, "s": s.id, "a": True, "c": now}).scalar()
                ids[role] = uid
            # Fubao's buildings keep Shatou's prefix (coded before Fubao was split off)
            prefix_street = shatou if s.code.endswith("010") else s
            st = StreetState(id=s.id, code=s.code, short_code=s.short_code, reg_prefix=s.reg_prefix,
                             name_zh=s.name_zh, clerk_id=ids["clerk"], clerk_name=f"gen.{s.short_code.lower()}.clerk",
                             supervisor_id=ids["supervisor"], building_prefix=prefix_street.code)
            st.buildings = int(self._scalar("SELECT count(DISTINCT building_code) FROM property WHERE street_id = :s",
                                            {"s": s.id}) or 0)
            seq = self.counters.get(("journal", s.id, 0), 0)
            st.journal_seq = seq
            st.journal_prev = self.genesis if seq == 0 else self._scalar(
                "SELECT row_hash FROM journal_entry WHERE street_id = :s AND seq = :q", {"s": s.id, "q": seq})
            if st.journal_prev is None:
                raise click.ClickException(f"journal of street {s.code} is broken: row {seq} is missing")
            self.streets.append(st)
        self.conn.commit()
        self.street_weights = [14, 9, 13, 10, 11, 12, 8, 7, 9, 7][:len(self.streets)]
        self.street_weights += [10] * (len(self.streets) - len(self.street_weights))
        self.street_cum = list(itertools.accumulate(self.street_weights))

    def _serial(self, kind: str, street_id: int, year: int) -> int:
        key = (kind, street_id, year)
        self.counters[key] = value = self.counters.get(key, 0) + 1
        self.touched.add(key)
        return value

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    # -- the simulation ----------------------------------------------------------------------------------

    def run(self) -> Stats:
        from tqdm import tqdm

        t0 = time.perf_counter()
        self.touched: set = set()
        days = (self.today - self.first_day).days + 1
        # filings per day: weekdays (Saturday windows open a little), growing ~30 % over the period
        weights = []
        for k in range(days):
            day = self.first_day + timedelta(days=k)
            weights.append((0.87 + 0.26 * k / max(1, days - 1)) * (1.0 if day.weekday() < 5 else 0.25))
        total_w = sum(weights)
        r = self.rng
        bar = tqdm(total=self.n, unit="lease", desc="generate-data", disable=not self.progress, smoothing=0.05)
        made = 0
        pending = 0
        cum = 0.0
        for k in range(days):
            day = self.first_day + timedelta(days=k)
            cum += weights[k]
            tasks = self._pop_due(day)
            renewals = sum(1 for kind, _p in tasks if kind == "renewal")
            target = self.n if k == days - 1 else round(self.n * cum / total_w)
            tasks.extend([("lease", None)] * max(0, target - made - renewals))
            r.shuffle(tasks)
            for kind, payload in tasks:
                if kind == "receipt":
                    self._receipt(day, payload)
                    continue
                if made >= self.n:
                    continue
                self._lease(day, payload)
                made += 1
                pending += 1
                if pending >= self.batch:
                    bar.update(pending)
                    pending = 0
                    self.w.flush()
        bar.update(pending)
        self.w.flush()
        bar.close()
        self._finish()
        self.stats.seconds = time.perf_counter() - t0
        return self.stats

    def _pop_due(self, day: date) -> list:
        o = day.toordinal()
        out = []
        while self.heap and self.heap[0][0] <= o:
            _d, _t, kind, payload = heapq.heappop(self.heap)
            out.append((kind, payload))
        return out

    def _schedule(self, day: date, kind: str, payload) -> None:
        if day <= self.today:
            self.tick += 1
            heapq.heappush(self.heap, (day.toordinal(), self.tick, kind, payload))

    def _at(self, day: date) -> datetime:
        """A time during office hours of a business day, naive UTC (09:00-17:00 Asia/Shanghai)."""
        return datetime(day.year, day.month, day.day, 1) + timedelta(seconds=self.rng.randrange(8 * 3600),
                                                                      microseconds=self.rng.randrange(10 ** 6))

    def _finish(self) -> None:
        from sqlalchemy import text

        for key in sorted(self.touched):
            kind, sid, year = key
            value = self.counters[key]
            updated = self.conn.execute(text(
                "UPDATE serial_counter SET last_value = :v WHERE kind = :k AND street_id = :s AND year = :y "
                "AND last_value < :v"), {"v": value, "k": kind, "s": sid, "y": year}).rowcount
            if not updated:
                exists = self._scalar("SELECT 1 FROM serial_counter WHERE kind = :k AND street_id = :s AND year = :y",
                                      {"k": kind, "s": sid, "y": year})
                if not exists:
                    self.conn.execute(text("INSERT INTO serial_counter (kind, street_id, year, last_value) "
                                           "VALUES (:k, :s, :y, :v)"), {"v": value, "k": kind, "s": sid, "y": year})
        if self.conn.dialect.name == "postgresql":
            for table in TABLE_ORDER + ("user_account",):
                self.conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        self.conn.commit()
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("ANALYZE"))
        else:
            self.conn.exec_driver_sql("ANALYZE")
        self.conn.commit()


def _business_today() -> date:
    from counter.core.timeutil import business_today

    return business_today()


def generate(leases: int, years: int = 3, seed: int = 1, *, progress: bool = True, batch: int = 5000,
             checked: bool = False, engine=None) -> Stats:
    """Fill the app's database with ``leases`` synthetic leases over ``years`` years (app context needed),
    through ``engine`` (default: the app's; it must be the owner's on PostgreSQL)."""
    from counter.extensions import db

    if leases < 1 or years < 1:
        raise ValueError("leases and years must be positive")
    engine = engine or db.engine
    with engine.connect() as conn:
        gen = Generator(conn, leases, years, seed, progress=progress, batch=batch, checked=checked)
        stats = gen.run()
    if engine.dialect.name == "postgresql" and not checked:
        # the unchecked COPY skips the triggers (session_replication_role = replica), the journal's daily
        # roll-ups (migration 0014) with them: set them from the journal, as the owner
        from counter.collection.rollup import rebuild_rollup

        with engine.begin() as conn:
            rebuild_rollup(conn)
    return stats


@click.command("generate-data")
@click.option("--leases", type=int, required=True, help="Number of leases to add")
@click.option("--years", type=int, default=3, show_default=True, help="Years of history (ending today)")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed (same seed, same data)")
@click.option("--batch", type=int, default=5000, show_default=True, help="Leases per COPY/INSERT round")
@click.option("--quiet", is_flag=True, help="No progress bar")
@click.option("--checked", is_flag=True, help="PostgreSQL: keep the foreign-key triggers on during COPY (slower)")
@with_appcontext
def generate_data_command(leases, years, seed, batch, quiet, checked):
    """Fill the database (DATABASE_URL; migrated, reference data loaded) with synthetic city-scale data."""
    stats = generate(leases, years, seed, progress=not quiet, batch=batch, checked=checked)
    click.echo(f"{current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}: "
               f"{stats.leases:,} leases, {stats.properties:,} properties, {stats.parties:,} parties, "
               f"{stats.lease_parties:,} lease parties, {stats.events:,} events, {stats.receipts:,} receipts, "
               f"{stats.journal:,} journal lines, {stats.documents:,} documents: {stats.rows:,} rows in "
               f"{stats.seconds:.1f} s ({stats.leases / stats.seconds:,.0f} leases/s, "
               f"{stats.rows / stats.seconds:,.0f} rows/s)")


__all__ = ["generate", "generate_data_command", "resident_id_for", "credit_code_for", "Stats"]

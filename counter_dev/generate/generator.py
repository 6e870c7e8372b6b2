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
"""
from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext

import fees
from counter.leases.idnumbers import make_credit_code, make_resident_id
from counter.leases.models import address_key

USES = ("residential", "mixed", "commercial", "office", "factory", "warehouse", "dormitory", "other")
USE_WEIGHTS = (72, 5, 8, 7, 1.5, 1.5, 4, 1)
METHODS = ("cash", "card", "mobile", "transfer")
METHOD_WEIGHTS = (15, 20, 55, 10)
USE_CUM = tuple(itertools.accumulate(USE_WEIGHTS))
METHOD_CUM = tuple(itertools.accumulate(METHOD_WEIGHTS))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊帆帅旭宁欣怡梓涵子轩"
ROADS = ("福华路", "彩田路", "莲花路", "红荔路", "深南大道", "华强北路", "沙嘴路", "梅林路", "香梅路", "福民路",
         "新洲路", "皇岗路", "益田路", "金田路", "滨河大道", "北环大道", "振华路", "燕南路", "园岭路", "八卦路")
ESTATES = ("花园", "大厦", "新村", "公寓", "小区", "苑", "广场", "雅居", "名苑", "家园")
ESTATE_HEADS = ("福田", "景田", "香蜜", "莲花", "彩虹", "梅林", "华富", "园岭", "南园", "沙头", "金地", "碧海", "海滨",
                "天安", "皇御", "益田", "新洲", "上沙", "下沙", "石厦", "华强", "振兴", "百花", "红荔", "翠海")
COMPANY_WORDS = ("实业", "置业", "物业管理", "投资", "商贸", "科技", "房地产经纪", "资产管理", "住房租赁", "发展")
AREA_CODES = ("440304", "440303", "440305", "440306", "440307", "430102", "360102", "450103", "350102", "420102",
              "510104", "410102", "441302", "441502", "445202", "441881", "430602", "362502", "452501", "440507")
DOC_ID_SPACE = 1_000 * 20_000 * len(AREA_CODES)  # order code x birth day x area: every resident ID once
DOC_SCRAMBLE = 982_451_653  # a prime: n -> n * P mod space is a bijection


def resident_id_for(n: int) -> str:
    """The ``n``-th synthetic resident ID (distinct for distinct n < DOC_ID_SPACE), valid GB 11643."""
    k = (n * DOC_SCRAMBLE) % DOC_ID_SPACE
    order, rest = k % 1000, k // 1000
    born = date(1950, 1, 1) + timedelta(days=rest % 20_000)  # 1950 .. 2004
    return make_resident_id(f"{AREA_CODES[rest // 20_000]}{born:%Y%m%d}{order:03d}")


GB32100 = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code_for(n: int) -> str:
    """The ``n``-th synthetic unified social credit code (91 4403xx + 9 characters), valid GB 32100."""
    k = (n * 7919 + 104_729) % (31 ** 9)
    chars = []
    for _ in range(9):
        k, r = divmod(k, 31)
        chars.append(GB32100[r])
    return make_credit_code("91440304" + "".join(chars))


@dataclass
class Stats:
    leases: int = 0
    properties: int = 0
    parties: int = 0
    lease_parties: int = 0
    events: int = 0
    receipts: int = 0
    journal: int = 0
    documents: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return (self.leases + self.properties + self.parties + self.lease_parties + self.events + self.receipts
                + self.journal + self.documents)


# --------------------------------------------------------------------------------------------- writers

COLUMNS = {
    "property": ("id", "street_id", "house_code", "building_code", "address", "room", "address_key",
                 "floor_area_centi", "design_use", "has_title", "created_at"),
    "party": ("id", "street_id", "kind", "name", "id_type", "id_number", "phone", "address", "created_at"),
    "lease": ("id", "street_id", "property_id", "reg_year", "reg_seq", "registration_number", "registration_code",
              "status", "version", "lease_use", "landlord_kind", "is_sublease", "rented_area_centi", "signing_date",
              "start_date", "end_date", "monthly_rent_fen", "deposit_fen", "payment_cycle", "registered_on",
              "registered_at", "registered_by_id", "previous_lease_id", "overlap_note", "ended_on", "end_reason",
              "cancelled_on", "cancel_reason", "external_ref"),
    "lease_party": ("id", "street_id", "lease_id", "party_id", "role", "position"),
    "lease_event": ("id", "street_id", "lease_id", "kind", "version", "at", "business_date", "user_id", "username",
                    "reason", "before", "after"),
    "receipt": ("id", "street_id", "lease_id", "year", "seq", "receipt_number", "payer_name", "first_month",
                "last_month", "period_start", "period_end", "total_fen", "method", "payment_reference", "business_date", "clerk_id", "issued_at",
                "status", "idempotency_key", "assessment_record_id", "repeat_reason", "void_reason", "voided_at",
                "voided_by_id"),
    "receipt_period": ("id", "street_id", "lease_id", "receipt_id", "period_start", "period_end", "is_repeat",
                       "released_at", "released_by_id"),
    "journal_entry": ("id", "street_id", "seq", "receipt_id", "lease_id", "clerk_id", "business_date", "item",
                      "item_name_zh", "amount_fen", "method", "kind", "reverses_id", "created_at", "prev_hash",
                      "row_hash", "seal_version", "period_start", "period_end"),
    "printed_document": ("id", "street_id", "kind", "year", "seq", "doc_number", "verify_code", "lease_id",
                         "lease_version", "receipt_id", "day_close_id", "period", "holder_name", "holder_party_id",
                         "purpose", "paper", "original_id", "reprint_no", "reprint_reason", "printed_by_id",
                         "printed_by_name", "printed_at", "print_date", "issue_date"),
}
TABLE_ORDER = tuple(COLUMNS)  # parents before children
JSON_COLUMNS = {("lease_event", "before"), ("lease_event", "after")}


class Writer:
    """Buffers rows per table and flushes them in foreign-key order: COPY on PostgreSQL, multi-row INSERT
    on SQLite. One transaction per flush."""

    def __init__(self, conn, checked: bool = False):
        self.conn = conn  # a SQLAlchemy Connection
        self.checked = checked
        self.dialect = conn.dialect.name
        self.buffers: dict[str, list[tuple]] = {t: [] for t in TABLE_ORDER}
        self.json_idx = {t: [i for i, c in enumerate(COLUMNS[t]) if (t, c) in JSON_COLUMNS] for t in TABLE_ORDER}

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append(row)

    def flush(self) -> None:
        if self.dialect == "postgresql":
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cur:
                if not self.checked:
                    # The rows are consistent by construction (ids assigned here, parents first); skipping the
                    # per-row foreign-key triggers makes COPY several times faster. Needs a superuser; the
                    # test suite runs the generator with the checks on (``checked=True``).
                    cur.execute("SET LOCAL session_replication_role = replica")
                for table in TABLE_ORDER:
                    rows = self.buffers[table]
                    if not rows:
                        continue
                    with cur.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as cp:
                        for i in range(0, len(rows), 2000):
                            cp.write("".join(["\t".join([_pg_text(v) for v in row]) + "\n"
                                              for row in rows[i:i + 2000]]).encode("utf-8"))
                    rows.clear()
        else:
            for table in TABLE_ORDER:
                rows = self.buffers[table]
                if not rows:
                    continue
                cols = COLUMNS[table]
                per = max(1, 32_000 // len(cols))  # SQLite's limit on bound variables per statement
                one = "(" + ", ".join("?" * len(cols)) + ")"
                for i in range(0, len(rows), per):
                    chunk = rows[i:i + per]
                    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES " + ", ".join([one] * len(chunk))
                    self.conn.exec_driver_sql(sql, tuple(_sqlite_value(v) for row in chunk for v in row))
                rows.clear()
        self.conn.commit()

    def value_json(self, obj):
        return None if obj is None else json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_PG_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _pg_text(v) -> str:
    """One value in COPY's text format."""
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, str):
        return v.translate(_PG_ESCAPES)
    if isinstance(v, datetime):
        return v.isoformat(" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _sqlite_value(v):
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


# --------------------------------------------------------------------------------------------- tax rates

class TaxRates:
    """Per-item tax of one month at a given rent, from the fees engine at a band's representative rent,
    scaled linearly to the lease's rent (cached per use, landlord kind, rent band and year)."""

    BAND_YUAN = 1000

    def __init__(self):
        from counter.tax import services as tax

        self.schedules = tax.schedule_set()
        self.guidance = tax.guidance_rents()
        self.cache: dict[tuple, list[tuple[str, str, float]]] = {}

    def items(self, use: str, kind: str, rent_fen: int, year: int) -> list[tuple[str, str, float]]:
        import fees

        band = max(1, round(rent_fen / 100 / self.BAND_YUAN))
        key = (use, kind, band, year)
        got = self.cache.get(key)
        if got is None:
            rep = band * self.BAND_YUAN * 100
            facts = fees.LeaseFacts(landlord_kind=kind, use=use, monthly_rent_fen=rep, area_m2=None,
                                    street_code=None)
            ym = fees.YearMonth(year, 7)
            try:
                a = fees.assess(facts, first=ym, last=ym, assessed_on=date(year, 7, 15), schedules=self.schedules,
                                guidance=self.guidance)
                got = [(i.item, i.name_zh, i.amount_fen / rep) for i in a.items if i.amount_fen]
            except fees.FeesError:
                got = []
            self.cache[key] = got
        return got


# --------------------------------------------------------------------------------------------- generator

@dataclass
class StreetState:
    id: int
    code: str
    short_code: str
    reg_prefix: str
    name_zh: str
    clerk_id: int
    clerk_name: str
    supervisor_id: int
    building_prefix: str
    buildings: int = 0
    units_left: int = 0
    building_code: str = ""
    building_addr: str = ""
    unit_no: int = 0
    floor: int = 1
    landlords: list = field(default_factory=list)  # recent individual landlords (party id, name)
    agencies: list = field(default_factory=list)  # (party id, name)
    journal_seq: int = 0
    journal_prev: str = ""


def _month_add(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def _ym(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


class Generator:
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

    # -- people and places -----------------------------------------------------------------------------

    def _person_name(self) -> str:
        r = self.rng
        return r.choice(SURNAMES) + r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.7 else "")

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10 ** 9):09d}"

    def _new_person(self, st: StreetState, created: datetime) -> tuple[int, str]:
        while True:
            self.person_n += 1
            number = resident_id_for(self.person_n)
            if number not in self.existing_ids:
                break
        pid, name = self._id("party"), self._person_name()
        phone = self._phone()
        self.w.add("party", (pid, st.id, "person", name, "resident_id", number, phone, None, created))
        self.stats.parties += 1
        return pid, name, "person", "resident_id", number, phone

    def _new_org(self, st: StreetState, created: datetime, agency: bool) -> tuple[int, str]:
        while True:
            self.org_n += 1
            number = credit_code_for(self.org_n)
            if number not in self.existing_ids:
                break
        r = self.rng
        word = "房地产经纪" if agency else r.choice(COMPANY_WORDS)
        name = f"深圳市{r.choice(ESTATE_HEADS)}{r.choice(ESTATE_HEADS)}{word}有限公司"
        pid = self._id("party")
        phone = f"0755-{r.randrange(10 ** 8):08d}"
        self.w.add("party", (pid, st.id, "organization", name, "credit_code", number, phone, None, created))
        self.stats.parties += 1
        return pid, name, "organization", "credit_code", number, phone

    def _new_property(self, st: StreetState, use: str, created: datetime) -> tuple[int, int, bool, str, str]:
        r = self.rng
        if st.units_left <= 0:
            st.buildings += 1
            community = r.randrange(1, 13)
            if r.random() < 0.01:  # an old building coded with a UUID: its units have no house code
                st.building_code = str(uuid.UUID(int=r.getrandbits(128))).upper()
            else:
                # Fubao shares Shatou's prefix: its buildings are numbered from 5,000,000 so codes stay unique
                number = st.buildings + (5_000_000 if st.building_prefix != st.code else 0)
                st.building_code = f"440304{st.building_prefix[-3:]}{community:03d}{number:07d}"
            estate = f"{r.choice(ESTATE_HEADS)}{r.choice(ESTATES)}"
            st.building_addr = (f"深圳市福田区{st.name_zh}街道{r.choice(ROADS)}{r.randrange(1, 400)}号"
                                f"{estate}{r.randrange(1, 20)}栋")
            st.units_left = int(r.choice((8, 20, 40, 80, 120, 200)))
            st.unit_no = 0
        st.units_left -= 1
        st.unit_no += 1
        floor, door = divmod(st.unit_no - 1, 8)
        room = f"{floor + 1}{door + 1:02d}"
        house = f"{st.building_code}{st.unit_no:06d}" if len(st.building_code) == 19 else None
        area = int(min(150, max(20, r.lognormvariate(math.log(60), 0.45))) * 100) + r.randrange(100)
        area = min(area, 15_000)
        has_title = r.random() < 0.7
        pid = self._id("property")
        key = address_key(st.building_addr, room)
        if house is None:  # unique per street among properties without a house code
            if (st.id, key) in self.address_keys:
                key = None
            else:
                self.address_keys.add((st.id, key))
        self.w.add("property", (pid, st.id, house, st.building_code, st.building_addr, room, key, area, use,
                                has_title, created))
        self.stats.properties += 1
        return pid, area, has_title, house, room

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

    def _lease(self, day: date, renewal) -> None:
        r = self.rng
        at = self._at(day)
        if renewal is None:
            st = r.choices(self.streets, cum_weights=self.street_cum)[0]
            use = r.choices(USES, cum_weights=USE_CUM)[0]
            prop_id, floor_area, has_title, house, room = self._new_property(st, use, at)
            org_landlord = r.random() < (0.06 if use in ("residential", "dormitory") else 0.4)
            if org_landlord:
                landlord = self._new_org(st, at, agency=False)
            elif st.landlords and r.random() < 0.3:  # landlords own several flats
                landlord = r.choice(st.landlords)
            else:
                landlord = self._new_person(st, at)
                st.landlords.append(landlord)
                if len(st.landlords) > 5000:
                    st.landlords = st.landlords[-2500:]
            tenants = [self._new_person(st, at) for _ in range(2 if r.random() < 0.12 else 1)]
            agent = None
            if r.random() < 0.2:
                if len(st.agencies) < 150:
                    st.agencies.append(self._new_org(st, at, agency=True))
                agent = r.choice(st.agencies)
            rented = floor_area if r.random() < 0.85 else max(1000, int(floor_area * r.uniform(0.3, 0.95)))
            rent_per_m2 = r.lognormvariate(math.log(95 if use in ("residential", "mixed", "dormitory") else 130), 0.35)
            rent = min(30_000, max(1_500, rented / 100 * rent_per_m2))
            rent_fen = int(round(rent / 50) * 50 * 100)
            start = day - timedelta(days=r.randrange(0, 25))
            previous = None
            sublease = r.random() < 0.03
            landlord_kind = "organization" if org_landlord else "individual"
            chain = 0
        else:
            (st, use, prop_id, floor_area, has_title, house, room, landlord, tenants, agent, rented, rent_fen, start,
             previous, sublease, landlord_kind, chain) = renewal
        signing = start - timedelta(days=r.randrange(0, 11))
        if signing > day:
            signing = day
        years = r.choices((1, 2, 3), weights=(60, 25, 15))[0]
        end = _month_add(start, 12 * years) - timedelta(days=1)
        cycle = r.choices(("monthly", "quarterly", "half_yearly", "yearly"), weights=(55, 30, 8, 7))[0]
        deposit = rent_fen * r.choice((1, 2, 2, 3))
        year = day.year
        seq = self._serial("registration", st.id, year)
        lease_id = self._id("lease")
        street_obj = _StreetView(st)
        display, code = self.format_registration(street_obj, year, seq)
        # lifecycle: decided now, the row is written in its final state and the events carry the history
        status, version, ended_on, end_reason, cancelled_on, cancel_reason = "active", 1, None, None, None, None
        final_rent = rent_fen
        events = []
        roll = r.random()
        elapsed = (self.today - start).days
        if roll < 0.01 and elapsed > 10:
            cancelled_on = min(self.today, day + timedelta(days=r.randrange(1, 60)))
            cancel_reason = r.choice(("当事人申请注销", "重复登记", "合同未实际履行"))
        elif roll < 0.045 and elapsed > 60:
            ended_on = start + timedelta(days=r.randrange(30, max(31, min(elapsed, (end - start).days))))
            end_reason = r.choice(("双方协商提前解除", "承租人提前退租", "房屋出售"))
        amend_day = None
        if r.random() < 0.08 and elapsed > 40:
            amend_day = day + timedelta(days=r.randrange(5, 40))
            if amend_day > self.today:
                amend_day = None
        if amend_day is not None:
            final_rent = int(round(rent_fen * r.choice((0.9, 0.95, 1.05, 1.1)) / 5000) * 5000) or rent_fen
            if final_rent == rent_fen:
                final_rent += 10000
            version += 1
        if ended_on is not None:
            status, version = "terminated", version + 1
        if cancelled_on is not None:
            status, version = "cancelled", version + 1

        parties = [("sublessor" if sublease else "landlord", landlord)] + [("tenant", t) for t in tenants]
        if agent is not None:
            parties.append(("agent", agent))
        self.w.add("lease", (lease_id, st.id, prop_id, year, seq, display, code, status, version, use, landlord_kind,
                             sublease, rented, signing, start, end, final_rent, deposit, cycle, day, at, st.clerk_id,
                             previous, None, ended_on, end_reason, cancelled_on, cancel_reason, None))
        self.stats.leases += 1
        for pos, (role, p) in enumerate(parties):
            self.w.add("lease_party", (self._id("lease_party"), st.id, lease_id, p[0], role, pos))
            self.stats.lease_parties += 1

        snap = {"registration_code": code, "status": "active", "lease_use": use, "landlord_kind": landlord_kind,
                "is_sublease": sublease, "rented_area_centi": rented, "signing_date": signing.isoformat(),
                "start_date": start.isoformat(), "end_date": end.isoformat(), "monthly_rent_fen": rent_fen,
                "deposit_fen": deposit, "payment_cycle": cycle, "ended_on": None, "end_reason": None,
                "cancelled_on": None, "cancel_reason": None, "overlap_note": None, "version": 1,
                "property": {"house_code": house, "address": st.building_addr, "room": room},
                "parties": [{"role": role, "name": p[1], "kind": p[2], "id_type": p[3], "id_number": p[4], "phone": p[5]}
                            for role, p in parties]}
        events.append(("renewal" if previous else "register", at, day, "续租" if previous else None, None, dict(snap)))
        if previous:
            prev_at = at + timedelta(seconds=1)
            events.append(("renewed", prev_at, day, "续租", None, {"renewed_by": code, "renewal_id": lease_id},
                            previous))
        v = 1
        if amend_day is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, monthly_rent_fen=final_rent, version=v)
            events.append(("amend", self._at(amend_day), amend_day, "租金调整", before, dict(snap)))
        if ended_on is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, status="terminated", ended_on=ended_on.isoformat(), end_reason=end_reason, version=v)
            when = min(self.today, ended_on + timedelta(days=r.randrange(0, 10)))
            events.append(("terminate", self._at(when), when, end_reason, before, dict(snap)))
        if cancelled_on is not None:
            before = dict(snap)
            v += 1
            snap = dict(snap, status="cancelled", cancelled_on=cancelled_on.isoformat(), cancel_reason=cancel_reason,
                        version=v)
            events.append(("cancel", self._at(cancelled_on), cancelled_on, cancel_reason, before, dict(snap)))
        for ev in events:
            kind, ev_at, ev_day, reason, before, after = ev[:6]
            target = ev[6] if len(ev) > 6 else lease_id
            ev_version = after.get("version", 1)  # "renewed" (on the previous lease): 1
            self.w.add("lease_event", (self._id("lease_event"), st.id, target, kind, ev_version, ev_at, ev_day,
                                       st.clerk_id, st.clerk_name, reason, self.w.value_json(before),
                                       self.w.value_json(after)))
            self.stats.events += 1

        # printed proof at the window (about a third of the filings; families need the slip for school places)
        if cancelled_on is None and r.random() < 0.35:
            kind = "certificate" if has_title and use != "dormitory" else "info_slip"
            holder_id, holder = tenants[0][:2]
            self._document(st, day, at, kind, holder, lease_id=lease_id, holder_party_id=holder_id,
                           purpose="学位申请" if kind == "info_slip" else None,
                           paper="A4" if kind == "info_slip" else None)

        # tax: about 60 % of the active filings pay tax at the window, by rent period (anchored at the term's
        # start, the last one short), a run of periods per receipt, up to three receipts
        if cancelled_on is None and r.random() < 0.6:
            months = {"monthly": 3, "quarterly": 3, "half_yearly": 6, "yearly": 12}[cycle]
            periods = fees.rent_periods(start, ended_on or end)
            lease_ref = (st, lease_id, use, landlord_kind, rent_fen, final_rent, amend_day, tenants, landlord)
            pay_day = day
            for k in range(r.choice((1, 1, 2, 3))):
                run = periods[k * months:(k + 1) * months]
                if not run:
                    break
                self._schedule(pay_day, "receipt", (lease_ref, [(p.start, p.end, p.days / p.full_days) for p in run]))
                following = periods[(k + 1) * months] if (k + 1) * months < len(periods) else None
                if following is None:
                    break
                pay_day = max(pay_day + timedelta(days=1), following.start + timedelta(days=r.randrange(0, 10)))

        # renewal of an active lease that ran its term: same property and parties, a new filing
        if status == "active" and chain < 3 and r.random() < 0.25:
            new_start = end + timedelta(days=1)
            file_day = new_start + timedelta(days=r.randrange(0, 20))
            new_rent = int(round(final_rent * r.uniform(1.0, 1.1) / 5000) * 5000) or final_rent
            self._schedule(file_day, "renewal", (st, use, prop_id, floor_area, has_title, house, room, landlord,
                                                 tenants, agent, rented, new_rent, new_start, lease_id, sublease,
                                                 landlord_kind, chain + 1))

    def _document(self, st: StreetState, day: date, at: datetime, kind: str, holder: str, *, lease_id=None,
                  receipt_id=None, holder_party_id=None, purpose=None, paper=None) -> None:
        seq = self._serial("document", st.id, day.year)
        number = f"DOC-{st.short_code}-{day.year}-{seq:06d}"
        self.w.add("printed_document", (self._id("printed_document"), st.id, kind, day.year, seq, number,
                                        self.verify_code_for(number), lease_id, 1 if lease_id else None, receipt_id,
                                        None, None, holder[:120], holder_party_id, purpose, paper, None, 0, None,
                                        st.clerk_id, st.clerk_name, at + timedelta(seconds=30), day, day))
        self.stats.documents += 1

    def _receipt(self, day: date, payload) -> None:
        (st, lease_id, use, landlord_kind, rent0, rent1, amend_day, tenants, landlord), periods = payload
        r = self.rng
        rent = rent1 if amend_day is not None and day >= amend_day else rent0
        first, last = periods[0][0], periods[-1][1]
        n_months = sum(share for _s, _e, share in periods)  # a short last period counts its share of days
        lines = []
        for item, name, rate in self.tax.items(use, landlord_kind, rent, first.year):
            amount = int(round(rate * rent * n_months))
            if amount > 0:
                lines.append((item, name, amount))
        if not lines:
            return
        total = sum(a for _i, _n, a in lines)
        method = r.choices(METHODS, cum_weights=METHOD_CUM)[0]
        year = day.year
        seq = self._serial("receipt", st.id, year)
        rid = self._id("receipt")
        number = f"{st.short_code}-R{year}-{seq:06d}"
        issued = self._at(day)
        void = r.random() < 0.005
        reference = None if method == "cash" else f"{method[:2].upper()}{day:%Y%m%d}{r.randrange(10 ** 8):08d}"
        payer = landlord[1][:120]
        self.w.add("receipt", (rid, st.id, lease_id, year, seq, number, payer, _ym(first), _ym(periods[-1][0]), first,
                               last, total, method,
                               reference, day, st.clerk_id, issued, "void" if void else "issued",
                               f"gen-{self.seed}-{rid}-{uuid.UUID(int=r.getrandbits(128)).hex[:16]}", None, None,
                               "收款金额录入错误" if void else None,
                               issued + timedelta(minutes=20) if void else None,
                               st.supervisor_id if void else None))
        self.stats.receipts += 1
        for p_start, p_end, _share in periods:  # the periods it covers (released at once when voided)
            self.w.add("receipt_period", (self._id("receipt_period"), st.id, lease_id, rid, p_start, p_end, False,
                                          issued + timedelta(minutes=20) if void else None,
                                          st.supervisor_id if void else None))
        entries = []
        for i, (item, name, amount) in enumerate(lines):
            entries.append(self._journal(st, rid, lease_id, st.clerk_id, day, item, name, amount, method,
                                         "collection", None, issued + timedelta(milliseconds=i), (first, last)))
        if void:
            t = issued + timedelta(minutes=20)
            for i, (jid, item, name, amount) in enumerate(entries):
                self._journal(st, rid, lease_id, st.supervisor_id, day, item, name, -amount, method, "void", jid,
                              t + timedelta(milliseconds=i), (first, last))
        elif r.random() < 0.6:
            self._document(st, day, issued, "receipt", payer, receipt_id=rid, lease_id=lease_id)

    def _journal(self, st, receipt_id, lease_id, clerk_id, day, item, name, amount, method, kind, reverses, created,
                 span):
        st.journal_seq += 1
        jid = self._id("journal_entry")
        aware = created.replace(tzinfo=timezone.utc)
        values = {"street_id": st.id, "seq": st.journal_seq, "receipt_id": receipt_id, "lease_id": lease_id,
                  "clerk_id": clerk_id, "business_date": day, "item": item, "item_name_zh": name, "amount_fen": amount,
                  "method": method, "kind": kind, "reverses_id": reverses, "created_at": aware,
                  "prev_hash": st.journal_prev, "seal_version": self.seal_version, "period_start": span[0],
                  "period_end": span[1]}
        h = self.row_hash(values)
        self.w.add("journal_entry", (jid, st.id, st.journal_seq, receipt_id, lease_id, clerk_id, day, item, name,
                                     amount, method, kind, reverses, created, st.journal_prev, h, self.seal_version,
                                     span[0], span[1]))
        st.journal_prev = h
        self.stats.journal += 1
        self.touched.add(("journal", st.id, 0))
        self.counters[("journal", st.id, 0)] = st.journal_seq
        return jid, item, name, amount

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


class _StreetView:
    """What ``format_registration`` reads from a street."""

    def __init__(self, st: StreetState):
        self.reg_prefix = st.reg_prefix
        self.short_code = st.short_code


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
    with (engine or db.engine).connect() as conn:
        gen = Generator(conn, leases, years, seed, progress=progress, batch=batch, checked=checked)
        return gen.run()


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

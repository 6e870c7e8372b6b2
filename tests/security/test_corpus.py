"""The hostile-input corpus through every form field and query parameter of every page, under every role
that may open it, on both databases (issue 12).

Nothing here lists the app's forms: the pages come from the URL map (path parameters filled from a small
world with one of everything), the forms and their fields from the rendered HTML, the query parameters
from the pages' GET forms, links and redirects. A new form is covered without editing this test.

- Latin square: a form with fields f_0..f_{m-1} gets N requests (N = the corpus size); in request k
  field j carries value (j + k) mod N, so every value passes through every field once. Request k is
  sent by role k mod R of the R roles that were shown the form.
- Single-field mutations for the known crashers: every money-looking field of a valid base form (the
  page's own values, or a known valid filing for the registration form) gets the corpus's numbers, every
  date-looking field its dates, one field at a time; a lease accepted that way (one per accepted rent,
  and the longest term) is then opened for collection over its whole term and collected (the crash of
  issue 12: an accepted rent whose assessment overflowed its column).
- Every answer must be below 500. After every refused POST (status >= 400) the row counts of all tables
  must be unchanged (the login form may add its audit entry and throttle counter: that is its job).

PDF rendering and signing are replaced by stubs here (printing is tested on real PDFs elsewhere; the register row is
still written), so that the test stays within its time budget.
"""
from __future__ import annotations

import io
import re
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from corpus import CORPUS, DATEISH, MONEYISH, REPORTED
from formscan import Form, link_params, scan
from security_testlib import build_world, enc, row_counts, urlencode

READ_KEYS: set[str] = set()


class RecordingMultiDict(ImmutableMultiDict):
    """Query and form parameters that remember which names the view asked for (``get``, ``in``, ...):
    the query parameters a page reads are found this way, links or no links."""

    def get(self, key, *args, **kwargs):
        READ_KEYS.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        READ_KEYS.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        READ_KEYS.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        READ_KEYS.add(key)
        return super().__contains__(key)


ROLES = ("anonymous", "clerk_a", "supervisor_a", "finance_a", "admin")
# POSTs whose refusal writes on purpose: a failed login is audited and counted (throttling).
ALLOWED_GROWTH = {"auth.login": {"audit_entry", "audit_chain", "rate_counter"}}  # failed logins are audited
# base values that look like money or an area, or like a date or month: the fields that get the mutations
MONEY_LOOKING = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
DATE_LOOKING = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# forms sharing the registration's fields: only the fields that reach the amounts and the term
MUTATE_ONLY = {"leases.amend": {"monthly_rent", "end_date"}, "leases.renew": {"monthly_rent", "end_date"}}
STUB_PDF = b"%PDF-1.4\n% corpus stub\n%%EOF\n"


@dataclass
class Failure:
    what: str
    method: str
    url: str
    detail: str

    def __str__(self):
        return f"{self.what}: {self.method} {self.url[:160]} {self.detail[:300]}"


@dataclass
class FormTarget:
    method: str
    endpoint: str
    path: str  # action path (POST) or page path (GET)
    form: Form | None
    names: list[str]
    roles: list[str] = field(default_factory=list)


class CorpusRun:
    def __init__(self, app, clients, world):
        self.app = app
        self.clients = clients
        self.world = world
        self.failures: list[Failure] = []
        self.requests = 0
        self.counts = None
        self.get_targets: dict[str, FormTarget] = {}
        self.post_targets: dict[tuple, FormTarget] = {}
        self.page_roles: dict[str, list[str]] = {}
        self.unreached_post: list[str] = []
        self.exceptions: list[str] = []
        self.timings: dict[str, float] = {}
        from flask import got_request_exception

        got_request_exception.connect(self._exception, app, weak=False)

    def _exception(self, sender, exception, **extra):
        self.exceptions.append(f"{type(exception).__name__}: {exception}")

    # ---------------------------------------------------------------- plumbing
    def endpoint_of(self, path: str, method: str) -> str | None:
        adapter = self.app.url_map.bind("localhost")
        try:
            endpoint, _args = adapter.match(path, method=method)
        except Exception:  # noqa: BLE001 - 404/405/redirect: not one of ours
            return None
        return endpoint

    def send(self, role, method, path, pairs=(), *, files=None, query=""):
        client = self.clients[role]
        self.requests += 1
        if method == "GET":
            qs = urlencode(pairs) if pairs else query
            resp = client.get(path, query_string=qs)
        elif files:
            data = {k: v for k, v in pairs}
            for name, (content, filename) in files.items():
                data[name] = (io.BytesIO(content), filename)
            resp = client.post(path, data={k: (v if isinstance(v, tuple) else enc(v).decode("utf-8", "replace"))
                                           for k, v in data.items()}, content_type="multipart/form-data",
                               query_string=query)
        else:
            resp = client.post(path, data=urlencode(pairs), content_type="application/x-www-form-urlencoded",
                               query_string=query)
        return resp

    def check(self, resp, what, method, url, endpoint=None, pairs=()):
        if resp.status_code >= 500:
            sent = ", ".join(f"{k}={v[:40]!r}" for k, v in pairs)
            error = self.exceptions[-1] if self.exceptions else ""
            self.failures.append(Failure(what, method, url, f"-> {resp.status_code} {error[:200]} [{sent}]"))
        self.exceptions.clear()
        if method != "POST":
            self.counts = None
            return
        before = self.counts
        after = row_counts()
        self.counts = after
        if resp.status_code >= 400 and before is not None:
            allowed = ALLOWED_GROWTH.get(endpoint, set())
            changed = {t: (before[t], after[t]) for t in after if before.get(t) != after[t] and t not in allowed}
            if changed:
                sent = ", ".join(f"{k}={v[:40]!r}" for k, v in pairs)
                self.failures.append(Failure("rows changed by a refused POST", method, url,
                                             f"{resp.status_code} {changed} [{sent}]"))

    def ensure_counts(self):
        if self.counts is None:
            self.counts = row_counts()

    # ---------------------------------------------------------------- discovery
    def path_values(self, rule) -> list[dict]:
        w = self.world
        known = {
            "lease_id": [w.lease.id], "version": [1], "receipt_id": [w.receipt.id], "kind": ["void", "refund"],
            "day_close_id": [w.day_close.id], "doc_id": [w.document.id],
            "statement_id": [w.statement.id], "remittance_id": [w.remittance.id], "vid": [w.draft.id],
            "rid": [w.assessment_id or 1], "user_id": [self.app.config["_corpus_user_id"]],
            "code": [w.document.verify_code], "fmt": ["csv", "xlsx"],
            "client_id": [w.api_client_id or 1], "key_id": [w.api_key_id or 1],
        }
        combos = [{}]
        for arg in rule.arguments:
            values = known.get(arg)
            if values is None:
                conv = rule._converters.get(arg)
                from werkzeug.routing import IntegerConverter

                values = [1] if isinstance(conv, IntegerConverter) else ["x"]
            combos = [{**c, arg: v} for c in combos for v in values]
        return combos

    def discover(self):
        rules = [r for r in self.app.url_map.iter_rules() if r.endpoint != "static"]
        post_only = set()
        for rule in rules:
            if "GET" not in rule.methods:
                post_only.add(rule.endpoint)
                continue
            for values in self.path_values(rule):
                path = self.app.url_map.bind("localhost").build(rule.endpoint, values)
                for role in ROLES:
                    READ_KEYS.clear()
                    resp = self.send(role, "GET", path)
                    self.check(resp, "page", "GET", path)
                    if resp.status_code < 500 and READ_KEYS:
                        self.add_names(self.get_target(path, rule.endpoint), READ_KEYS, role)
                    if resp.status_code in (301, 302, 303):
                        loc = urlsplit(resp.headers.get("Location", ""))
                        target = self.endpoint_of(loc.path, "GET")
                        if target:
                            t = self.get_target(loc.path, target)
                            for k, _v in parse_qsl(loc.query, keep_blank_values=True):
                                if k not in t.names:
                                    t.names.append(k)
                    if resp.status_code != 200 or "text/html" not in resp.content_type:
                        continue
                    self.page_roles.setdefault(path, []).append(role)
                    forms, links = scan(resp.get_data(as_text=True), path)
                    self.add_names(self.get_target(path, rule.endpoint), link_params(links, path), role)
                    for form in forms:
                        self.add_form(form, role)
                        if form.method == "GET" and self.endpoint_of(form.path, "GET"):
                            READ_KEYS.clear()  # a submitted search may read more parameters than the empty page
                            resp = self.send(role, "GET", form.path, list(form.base().items()))
                            self.check(resp, "search form", "GET", form.path)
                            self.add_names(self.get_target(form.path, self.endpoint_of(form.path, "GET")),
                                           READ_KEYS, role)
        reached = {t.endpoint for t in self.post_targets.values()}
        self.unreached_post = sorted(post_only - reached)
        # one query target per view (export.csv and export.xlsx are one view): names and roles merged
        merged: dict[str, FormTarget] = {}
        for t in self.get_targets.values():
            first = merged.setdefault(t.endpoint, t)
            if first is not t:
                self.add_names(first, t.names, None)
                first.roles.extend(r for r in t.roles if r not in first.roles)
        self.get_targets = {t.path: t for t in merged.values()}

    @staticmethod
    def add_names(target: FormTarget, names, role):
        for name in sorted(names):
            if name not in target.names and name != "csrf_token":
                target.names.append(name)
        if names and role is not None and role not in target.roles:
            target.roles.append(role)

    def get_target(self, path, endpoint) -> FormTarget:
        if path not in self.get_targets:
            self.get_targets[path] = FormTarget("GET", endpoint, path, None, [])
        return self.get_targets[path]

    def add_form(self, form: Form, role: str):
        endpoint = self.endpoint_of(form.path, form.method)
        if endpoint is None:
            self.failures.append(Failure("form to nowhere", form.method, form.action, ""))
            return
        if form.method == "GET":
            self.add_names(self.get_target(form.path, endpoint), form.names(), role)
            return
        names = form.names()
        if not names:
            return  # an action button (CSRF token only): no input to fuzz
        key = (endpoint, tuple(names))  # one per view: /receipt/1/void and /receipt/1/refund are one form
        t = self.post_targets.setdefault(key, FormTarget("POST", endpoint, form.path, form, names))
        if role not in t.roles:
            t.roles.append(role)

    # ---------------------------------------------------------------- the Latin squares
    def latin_square(self, t: FormTarget):
        started = time.perf_counter()
        self._latin_square(t)
        self.timings[f"{t.method} {t.endpoint} ({len(t.names)} fields)"] = time.perf_counter() - started

    def _latin_square(self, t: FormTarget):
        n = len(CORPUS)
        roles = t.roles or ["anonymous"]
        base = t.form.base() if t.form is not None else {}
        files = t.form.file_fields() if t.form is not None else set()
        query = urlsplit(t.form.action).query if t.form is not None else ""
        for k in range(n):
            role = roles[k % len(roles)]
            data = dict(base) if t.method == "POST" else {}
            for j, name in enumerate(t.names):
                data[name] = CORPUS[(j + k) % n]
            self.request(t, role, data, files, query)

    def request(self, t: FormTarget, role, data: dict, files=(), query=""):
        # the file name: a corpus entry picked by the field name (crc32: the same in every run, unlike hash()),
        # as the bytes a client would send (a lone surrogate cannot be put into a multipart header as text)
        file_parts = {name: (enc(data.pop(name)),
                             enc(CORPUS[zlib.crc32(name.encode()) % len(CORPUS)][:200]).decode("utf-8", "replace")
                             or "f.csv")
                      for name in list(data) if name in files}
        pairs = list(data.items())
        if t.method == "POST":
            self.ensure_counts()
        resp = self.send(role, t.method, t.path, pairs, files=file_parts or None, query=query)
        self.check(resp, f"{t.endpoint} as {role}", t.method, t.path, t.endpoint, pairs)
        return resp

    # ---------------------------------------------------------------- single-field mutations
    def mutations(self, t: FormTarget, valid_base: dict | None):
        role = t.roles[0]
        base = {**(t.form.base() if t.form else {}), **(valid_base or {})}
        only = MUTATE_ONLY.get(t.endpoint)
        query = urlsplit(t.form.action).query if t.form is not None else ""
        for name in t.names:
            if only is not None and name not in only:
                continue
            current = base.get(name) or ""
            values = MONEYISH if MONEY_LOOKING.match(current) else DATEISH if DATE_LOOKING.match(current) else ()
            for value in values:
                data = {**base, name: value}
                if "idempotency_key" in data:
                    data["idempotency_key"] = uuid.uuid4().hex
                self.request(t, role, data, query=query)

    def collect_accepted_leases(self, known_ids):
        """Every lease the corpus got accepted: the collection page for its whole term, and the payment."""
        from counter.extensions import db
        from counter.leases.models import Lease

        leases = db.session.scalars(db.select(Lease).where(Lease.id.not_in(known_ids)).order_by(Lease.id)).all()
        db.session.commit()
        chosen = {}  # one lease per accepted rent, and the longest term
        for lease in leases:
            chosen.setdefault(lease.monthly_rent_fen, lease)
        if leases:
            longest = max(leases, key=lambda x: x.end_date - x.start_date)
            chosen[("term", longest.id)] = longest
        leases = list(chosen.values())
        for lease in leases:
            path = f"/collection/lease/{lease.id}"
            pairs = [("first", lease.start_date.strftime("%Y-%m")), ("last", lease.end_date.strftime("%Y-%m"))]
            resp = self.send("clerk_a", "GET", path, pairs)
            self.check(resp, "collect whole term (quote)", "GET", path, pairs=pairs)
            forms, _links = scan(resp.get_data(as_text=True), path)
            for form in forms:
                if form.method == "POST" and form.path == path:
                    self.ensure_counts()
                    data = form.base()
                    resp = self.send("clerk_a", "POST", path, list(data.items()))
                    self.check(resp, f"collect whole term at {lease.monthly_rent_fen} fen/month", "POST", path,
                               "collection.collect_lease", list(data.items()))
        return len(leases)


def lease_form() -> dict:
    """A valid registration form (a property of its own; the overlap confirmed)."""
    from counter.core.timeutil import business_today
    from counter.leases.idnumbers import make_resident_id

    start = business_today() - timedelta(days=30)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    return {
        "house_code": "4403040010000000009000101", "building_code": "4403040010000000009", "address": "福田区测试路9号",
        "room": "901", "floor_area": "88.50", "design_use": "residential", "has_title": "y",
        "landlords-0-name": "王伟", "landlords-0-id_type": "resident_id",
        "landlords-0-id_number": make_resident_id("44030419800101123"), "landlords-0-phone": "13800138000",
        "tenants-0-name": "李娜", "tenants-0-id_type": "resident_id",
        "tenants-0-id_number": make_resident_id("44030419900215456"), "tenants-0-phone": "13900139000",
        "lease_use": "residential", "rented_area": "88.50", "signing_date": (start - timedelta(days=2)).isoformat(),
        "start_date": start.isoformat(), "end_date": end.isoformat(), "monthly_rent": "4500.00", "deposit": "9000",
        "payment_cycle": "monthly", "confirm_overlap": "y",
    }


def _valid_bases(world):
    """Valid base forms for the mutations of forms whose empty page is not a valid submission."""
    from counter.core.timeutil import business_today

    today = business_today()
    after = world.lease.end_date + timedelta(days=1)
    return {
        "leases.new": lease_form(),
        "leases.renew": {"signing_date": today.isoformat(), "start_date": after.isoformat(),
                         "end_date": (after + timedelta(days=364)).isoformat(), "reason": "续租",
                         "confirm_overlap": "y"},
        "leases.amend": {"reason": "更正租金", "monthly_rent": "4600.00"},
        "leases.terminate": {"effective_date": today.isoformat(), "reason": "提前解除"},
        "collection.day_close": {"counted_cash": "0.00"},
        "ledger.record_remittance": {"period_start": today.isoformat(), "period_end": today.isoformat(),
                                     "amount": "1.00", "reference": "T-1", "remitted_on": today.isoformat()},
        "tax.estimate": {"use": "residential", "landlord_kind": "individual", "rent": "3500", "area": "50",
                         "months": "12"},
    }


@pytest.fixture
def corpus_app(app, monkeypatch):
    import counter.documents.services as documents

    monkeypatch.setattr(documents, "render_document", lambda data: STUB_PDF)
    monkeypatch.setattr(documents, "render_batch", lambda items: STUB_PDF)
    monkeypatch.setattr(documents.signing, "sign", lambda pdf, reason="": pdf)  # signing: tests/documents/test_trust.py
    app.config["RATELIMIT_ENABLED"] = False  # the rate limits have their own tests
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 answer, collected with its exception
    app.request_class = type("RecordingRequest", (app.request_class,),
                             {"parameter_storage_class": RecordingMultiDict})
    return app


def test_hostile_corpus(corpus_app, users, streets, login, capsys):
    app = corpus_app
    started = time.perf_counter()
    world = build_world(users, streets)
    app.config["_corpus_user_id"] = users["clerk_b"].id
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        if role != "anonymous":
            login(clients[role], role)
    run = CorpusRun(app, clients, world)
    run.discover()
    discovered = time.perf_counter()

    bases = _valid_bases(world)
    posts = sorted(run.post_targets.values(), key=lambda t: (t.endpoint == "auth.login", t.endpoint))
    gets = [t for t in run.get_targets.values() if t.names and t.roles]
    for t in gets:
        run.latin_square(t)
    for t in posts:
        if t.endpoint != "auth.login":
            run.latin_square(t)
    squares = time.perf_counter()

    from counter.leases.models import Lease
    from counter.extensions import db

    known = [i for (i,) in db.session.execute(db.select(Lease.id))]
    db.session.commit()
    for t in posts + gets:  # the known crashers: numbers and dates of valid forms, one field at a time
        if (t.endpoint in bases or t.endpoint == "collection.collect_lease") and t.roles:
            run.mutations(t, bases.get(t.endpoint))
    accepted = run.collect_accepted_leases(known)
    for t in posts:
        if t.endpoint == "auth.login":
            run.latin_square(t)
    finished = time.perf_counter()

    fields = sum(len(t.names) for t in posts + gets)
    with capsys.disabled():
        print(f"\n[corpus] {app.config['COUNTER_BACKEND']}: {len(CORPUS)} values, {len(run.page_roles)} pages, "
              f"{len(gets)} query forms + {len(posts)} POST forms ({fields} fields), {run.requests} requests, "
              f"{accepted} leases accepted by mutation and collected; "
              f"discovery {discovered - started:.1f}s, squares {squares - discovered:.1f}s, "
              f"total {finished - started:.1f}s; 500s and refused writes: {len(run.failures)}; "
              f"POST routes reached by no form: {run.unreached_post}")
    slowest = sorted(run.timings.items(), key=lambda kv: -kv[1])[:12]
    with capsys.disabled():
        print("[corpus] slowest squares: " + ", ".join(f"{k} {v:.1f}s" for k, v in slowest))
    assert not run.failures, "\n".join(str(f) for f in run.failures[:40]) + f"\n... {len(run.failures)} in all"
    # the discovery must have found the forms of every module (a broken page would hide its forms)
    endpoints = {t.endpoint for t in posts}
    for expected in ("leases.new", "leases.amend", "collection.collect_lease", "collection.correct",
                     "ledger.record_remittance", "tax.new_version", "admin.users", "documents.slip", "auth.login"):
        assert expected in endpoints, (expected, sorted(endpoints))
    assert "leases.search" in {t.endpoint for t in gets}


@pytest.mark.parametrize("method,path,name,value", REPORTED, ids=[f"{m} {p} {n}={v[:12]!r}" for m, p, n, v in REPORTED])
def test_reported_inputs(corpus_app, clerk_client, method, path, name, value):
    """The requests of issue 12 that answered 500 (or were wrongly accepted): now refused with a field
    error in a re-shown form (422), and nothing is written."""
    if method == "GET":
        resp = clerk_client.get(path, query_string=urlencode([(name, value)]))
        assert resp.status_code in (200, 422), resp.status_code
        return
    before = row_counts()
    data = {**lease_form(), name: value}
    resp = clerk_client.post(path, data=urlencode(data.items()), content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 422, resp.status_code
    assert row_counts() == before
    page = resp.get_data(as_text=True)
    assert f'id="{name}-errors"' in page, name  # the error is at the field, the form is shown again

"""Rate limits of the public pages (issue 12): 429 with Retry-After in the user's language, per client address,
configurable, shared by workers (one atomic upsert per hit, proven under concurrency on PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from counter.core import ratelimit
from counter.core.ratelimit import RateCounter, parse_limit
from counter.extensions import db
from security_testlib import other_app

ESTIMATE = {"use": "residential", "landlord_kind": "individual", "rent": "3500", "area": "45", "months": "1"}


@pytest.fixture
def clock(monkeypatch):
    now = [50_000_000]
    monkeypatch.setattr(ratelimit, "now", lambda: now[0])
    return now


@pytest.mark.parametrize("path,query", [("/verify/", {"code": "AAAA"}), ("/estimate", ESTIMATE)])
def test_public_pages_answer_429_with_retry_after(app, clock, path, query):
    app.config["RATE_LIMITS"] = {"verify": "3/minute", "estimate": "3/minute"}
    c = app.test_client()
    for _i in range(3):
        assert c.get(path, query_string=query).status_code < 429
    refused = c.get(path, query_string=query)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    html = refused.get_data(as_text=True)
    assert "请求过于频繁" in html and "/login" not in html
    other = app.test_client()  # another address is not affected
    assert other.get(path, query_string=query, environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code < 429
    clock[0] += 61
    assert c.get(path, query_string=query).status_code < 429


def test_the_429_page_speaks_english_too(app, clock):
    app.config["RATE_LIMITS"] = {"estimate": "1/minute"}
    c = app.test_client()
    c.post("/locale", data={"locale": "en", "next": "/estimate"})
    c.get("/estimate", query_string=ESTIMATE)
    resp = c.get("/estimate", query_string=ESTIMATE)
    assert resp.status_code == 429 and "Too many requests" in resp.get_data(as_text=True)


def test_verification_pages_share_one_limit_and_default_is_sane(app, clock):
    from counter.verify.blueprint import VERIFY_PER_MINUTE

    c = app.test_client()
    codes = [c.get(f"/verify/{'A' * 19}{i % 10}").status_code for i in range(VERIFY_PER_MINUTE)]
    assert set(codes) == {404}  # unknown codes; no 429 within the limit
    assert c.get("/verify/").status_code == 429  # the form counts against the same limit
    rows = db.session.scalars(select(RateCounter).where(RateCounter.scope == "verify")).all()
    assert len(rows) == 1 and rows[0].key == "127.0.0.1"  # one row per address, not per request


def test_limits_hold_across_workers(app, clock):
    app.config["RATE_LIMITS"] = {"estimate": "4/minute"}
    with other_app(app, RATE_LIMITS={"estimate": "4/minute"}) as second:
        a, b = app.test_client(), second.test_client()
        statuses = [(a if i % 2 else b).get("/estimate", query_string=ESTIMATE).status_code for i in range(5)]
    assert statuses[:4] == [200] * 4 and statuses[4] == 429


def test_rate_limits_can_be_switched_off(app, clock):
    app.config.update(RATE_LIMITS={"estimate": "1/minute"}, RATELIMIT_ENABLED=False)
    c = app.test_client()
    assert [c.get("/estimate", query_string=ESTIMATE).status_code for _i in range(3)] == [200, 200, 200]


@pytest.mark.parametrize("text,expected", [("30/minute", (30, 60)), ("5 per second", (5, 1)), ("100/hour", (100, 3600)),
                                           ("7/900", (7, 900)), ("2 per days", (2, 86400))])
def test_parse_limit(text, expected):
    assert parse_limit(text) == expected


@pytest.mark.parametrize("bad", ["", "x/minute", "10", "10/fortnight", "-1/minute"])
def test_parse_limit_refuses(bad):
    with pytest.raises(ValueError):
        parse_limit(bad)


def test_hit_counts_blocks_and_resets(app, clock):
    for i in range(1, 4):
        d = ratelimit.hit("t", "k", limit=3, window=60)
        assert d.allowed and d.hits == i
    assert d.blocked_until == clock[0] + 60  # the third hit reached the limit: blocked to the window's end
    assert not ratelimit.hit("t", "k", limit=3, window=60).allowed
    assert ratelimit.peek("t", "k").blocked
    assert ratelimit.reset("t", "k")
    assert ratelimit.hit("t", "k", limit=3, window=60).allowed
    long_key = "x" * 500 + "\x00"
    assert ratelimit.hit("t", long_key, limit=3, window=60).hits == 1  # stored under a hash, never refused
    db.session.commit()


def test_concurrent_hits_are_all_counted(app, pg_only):
    """Eight workers hitting one key at once: the upsert loses no hit and blocks exactly at the limit."""
    db.session.commit()
    per_thread, threads = 25, 8
    allowed = []
    barrier = threading.Barrier(threads)

    def worker():
        with app.app_context():
            barrier.wait()
            for _i in range(per_thread):
                d = ratelimit.hit("race", "203.0.113.1", limit=50, window=3600)
                db.session.commit()
                allowed.append(d.allowed)
            db.session.remove()

    pool = [threading.Thread(target=worker) for _i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    row = db.session.get(RateCounter, ("race", "203.0.113.1"))
    assert row.hits == per_thread * threads
    assert sum(allowed) == 50  # exactly the limit got through, whatever the interleaving

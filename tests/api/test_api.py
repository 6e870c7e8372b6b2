"""The JSON API (issue 17), on both databases: keys (missing, unknown, expired, revoked: 401), scopes
(each scope reaches its operations and is refused the others: 403), the street restriction, masking,
registration through the window's service with Idempotency-Key, proofs one by one and in bulk (a
bounded number of queries for 1,000 codes), the change feed, the estimate, rate limits and the audit."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from counter.api.models import ApiIdempotency, ApiKey
from counter.audit.models import AuditEntry
from counter.extensions import db
from counter.leases.models import Lease, LeaseEvent

from .apilib import ALL_SCOPES, bearer, build_world, new_key, registration_body

PROBLEM = "application/problem+json"


@pytest.fixture
def world(app, streets, monkeypatch):
    return build_world(streets, monkeypatch)


def _reg(world) -> str:
    return world.lease_a.registration_code


# one request per operation, answering 2xx with every scope (the scope matrix below)
def _calls(world):
    return {
        "leases:read": [("GET", f"/api/v1/leases?registration={_reg(world)}", None), ("GET", "/api/v1/changes", None)],
        "leases:register": [("POST", "/api/v1/leases", "register")],
        "proofs:verify": [("GET", f"/api/v1/proofs/{world.slip.verify_code}", None),
                          ("POST", "/api/v1/proofs/verify", {"codes": [world.slip.verify_code]})],
        "tax:estimate": [("GET", "/api/v1/tax/estimate?use=residential&monthly_rent=3500&area=50", None)],
    }


def _send(client, method, url, body, token, streets, n=[900]):
    headers = bearer(token) if token else {}
    if body == "register":
        n[0] += 1
        headers["Idempotency-Key"] = f"scope-test-{n[0]}"
        body = registration_body(streets[1].code, n[0])
    return client.open(url, method=method, json=body, headers=headers)


def test_openapi_document(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/v1/leases", "/api/v1/proofs/{code}", "/api/v1/proofs/verify",
                                 "/api/v1/tax/estimate", "/api/v1/changes"}
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "application/problem+json" in doc["components"]["responses"]["DEFAULT_ERROR"]["content"]
    import schemathesis

    loaded = schemathesis.openapi.from_dict(doc)
    loaded.validate()  # against the OpenAPI 3.0 meta-schema (schemathesis' own check)
    assert sum(1 for _op in loaded.get_all_operations()) == 6
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data and b"//cdn" not in page.data
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.mimetype in ("text/javascript", "application/javascript")
    asset.close()
    resp = client.delete("/api/v1/changes")  # a method the operation does not take: a problem too
    assert resp.status_code == 405 and resp.mimetype == PROBLEM and "GET" in resp.headers["Allow"]


def test_no_key_unknown_expired_revoked_are_401(app, client, world):
    url = f"/api/v1/proofs/{world.slip.verify_code}"
    resp = client.get(url)
    assert resp.status_code == 401 and resp.mimetype == PROBLEM
    assert resp.get_json()["status"] == 401 and "WWW-Authenticate" in resp.headers
    assert client.get(url, headers=bearer("ck_00000000_nope")).status_code == 401
    assert client.get(url, headers=bearer("not-a-key")).status_code == 401
    token, key = new_key(["proofs:verify"])
    assert client.get(url, headers=bearer(token)).status_code == 200
    key.created_at -= timedelta(days=31)  # issued for 30 days, a day ago expired
    key.expires_at -= timedelta(days=31)
    db.session.commit()
    assert client.get(url, headers=bearer(token)).status_code == 401
    token2, key2 = new_key(["proofs:verify"])
    assert client.get(url, headers=bearer(token2)).status_code == 200
    from counter.api.services import revoke_key

    assert revoke_key(db.session.get(ApiKey, key2.id)) is True
    db.session.commit()
    resp = client.get(url, headers=bearer(token2))
    assert resp.status_code == 401 and "吊销" in resp.get_json()["detail"]  # revoked (zh by default)
    # the key is stored hashed: the token appears nowhere in the database
    assert db.session.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.token_hash == token2)) == 0


def test_each_scope_reaches_its_operations_only(app, client, world, streets):
    """A key per scope: every operation of its scope answers 2xx, every other operation 403."""
    for scope in ALL_SCOPES:
        token, _key = new_key([scope])
        for owner, calls in _calls(world).items():
            for method, url, body in calls:
                resp = _send(client, method, url, body, token, streets)
                if owner == scope:
                    assert resp.status_code in (200, 201), (scope, url, resp.get_data(as_text=True)[:300])
                else:
                    assert resp.status_code == 403, (scope, url, resp.status_code)
                    assert resp.mimetype == PROBLEM and owner in resp.get_json()["detail"]


def test_street_restriction_and_masking(app, client, world, streets):
    reader_b, _ = new_key(["leases:read"], street_id=streets[1].id, name="street B platform")
    reader, _ = new_key(["leases:read"])
    full, _ = new_key(["leases:read", "leases:register"])
    url = f"/api/v1/leases?registration={_reg(world)}"
    assert client.get(url, headers=bearer(reader_b)).get_json()["items"] == []  # street A's lease: not found
    item = client.get(url, headers=bearer(reader)).get_json()["items"][0]
    assert item["masked"] is True and item["registration_code"] == _reg(world)
    names = {p["name"] for p in item["parties"]}
    assert "王建国" not in names and "王*国" in names
    assert all("*" in p["id_number"] for p in item["parties"])
    clear = client.get(url, headers=bearer(full)).get_json()["items"][0]
    assert clear["masked"] is False and "王建国" in {p["name"] for p in clear["parties"]}
    by_house = client.get(f"/api/v1/leases?house_code={world.lease_a.premises.house_code}", headers=bearer(reader))
    assert [i["registration_code"] for i in by_house.get_json()["items"]] == [_reg(world)]
    feed_b = client.get("/api/v1/changes", headers=bearer(reader_b)).get_json()["items"]
    assert {i["street"] for i in feed_b} == {streets[1].code}
    nul = client.get("/api/v1/leases?registration=FT01%00", headers=bearer(reader))  # PostgreSQL refuses NUL
    assert nul.status_code == 422 and nul.get_json()["errors"][0]["field"] == "registration"
    both = client.get("/api/v1/leases?registration=x&house_code=y", headers=bearer(reader))
    assert both.status_code == 422 and both.mimetype == PROBLEM


def test_registration_with_idempotency_key(app, client, streets, users):
    token, _ = new_key(["leases:register"], name="city platform")
    body = registration_body(streets[0].code, 1)
    headers = {**bearer(token), "Idempotency-Key": "filing-0001"}
    first = client.post("/api/v1/leases", json=body, headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = client.post("/api/v1/leases", json=body, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Lease)) == 1
    other = client.post("/api/v1/leases", json={**body, "monthly_rent": "4300.00"}, headers=headers)
    assert other.status_code == 422 and other.get_json()["errors"][0]["field"] == "Idempotency-Key"
    missing = client.post("/api/v1/leases", json=body, headers=bearer(token))
    assert missing.status_code == 422
    assert any(e["field"] == "Idempotency-Key" for e in missing.get_json()["errors"])
    assert db.session.scalar(select(func.count()).select_from(Lease)) == 1
    assert db.session.scalar(select(func.count()).select_from(ApiIdempotency)) == 1
    # the window's service wrote the lease event and its audit entry, in the client's name
    ev = db.session.scalar(select(LeaseEvent).where(LeaseEvent.kind == "register"))
    assert ev.username == "api:city platform"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lease.register")).username == \
        "api:city platform"
    # the same filing again, new key: the property has an overlapping lease -> 409 until confirmed
    dup = client.post("/api/v1/leases", json=body, headers={**bearer(token), "Idempotency-Key": "filing-0002"})
    assert dup.status_code == 409 and dup.get_json()["errors"][0]["field"] == "confirm_overlap"
    ok = client.post("/api/v1/leases", json={**body, "confirm_overlap": True},
                     headers={**bearer(token), "Idempotency-Key": "filing-0002"})
    assert ok.status_code == 201  # the refused attempt kept nothing, its key included


def test_registration_field_errors(app, client, streets):
    token, _ = new_key(["leases:register"])
    body = registration_body(streets[0].code, 2)
    body["parties"][1]["id_number"] = "440304199206110000"  # wrong check digit
    body["end_date"] = "2099-01-01"
    resp = client.post("/api/v1/leases", json=body, headers={**bearer(token), "Idempotency-Key": "bad-1"})
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert "parties[1].id_number" in fields and "end_date" in fields
    schema = client.post("/api/v1/leases", json={**body, "monthly_rent": 4200.5, "extra": 1},
                         headers={**bearer(token), "Idempotency-Key": "bad-2"})
    assert schema.status_code == 422
    assert {"monthly_rent", "extra"} <= {e["field"] for e in schema.get_json()["errors"]}
    huge = client.post("/api/v1/leases", json={**registration_body(streets[0].code, 4), "monthly_rent": "999999999.99"},
                       headers={**bearer(token), "Idempotency-Key": "bad-3"})
    assert huge.status_code == 422 and huge.get_json()["errors"][0]["field"] == "monthly_rent"
    restricted, _ = new_key(["leases:register"], street_id=streets[1].id, name="street B")
    other_street = client.post("/api/v1/leases", json=registration_body(streets[0].code, 3),
                               headers={**bearer(restricted), "Idempotency-Key": "b-1"})
    assert other_street.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Lease)) == 0


def test_bulk_verification_of_1000_codes_in_few_queries(app, client, world):
    token, _ = new_key(["proofs:verify"])
    valid, void = world.slip.verify_code, world.void_slip.verify_code
    codes = [valid, void.lower(), "not a code", "A" * 20] + [world.certificate.verify_code] * 996
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = client.post("/api/v1/proofs/verify", json={"codes": codes}, headers=bearer(token))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resp.status_code == 200
    data = resp.get_json()
    assert len(data["results"]) == 1000
    first = data["results"][:4]
    assert [r["status"] for r in first] == ["valid", "void", "unknown", "unknown"]
    assert first[0]["holder"] == "李*娜" and first[0]["issue_date"] == world.slip.issue_date.isoformat()
    assert first[1]["code"] == void.lower() and first[1]["reason"] == "filing_cancelled"
    assert data["counts"] == {"valid": 997, "void": 1, "unknown": 2}
    assert len(statements) <= 20, statements  # key, rate limit, documents + 3 relations, counts, audit: not 1,000
    too_many = client.post("/api/v1/proofs/verify", json={"codes": [valid] * 1001}, headers=bearer(token))
    assert too_many.status_code == 422 and too_many.get_json()["errors"][0]["field"] == "codes"
    one = client.get(f"/api/v1/proofs/{valid}", headers=bearer(token))
    assert one.status_code == 200 and one.get_json()["status"] == "valid"
    assert client.get("/api/v1/proofs/AAAAAAAAAAAAAAAAAAAA", headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/proofs/AB%00CD", headers=bearer(token)).status_code == 404
    nul = client.post("/api/v1/proofs/verify", json={"codes": [valid, "A\u0000B"]}, headers=bearer(token))
    assert nul.status_code == 422 and nul.get_json()["errors"][0]["field"] == "codes[1]"


def test_change_feed_cursor(app, client, world, streets):
    token, _ = new_key(["leases:read"])
    seen, cursor = [], None
    for _page in range(10):
        url = "/api/v1/changes?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(token)).get_json()
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    kinds = [(i["registration_code"], i["kind"]) for i in seen]
    assert len(kinds) == db.session.scalar(select(func.count()).select_from(LeaseEvent))
    assert any(k == "cancel" for _c, k in kinds)
    # nothing new: the last cursor gives an empty page and itself again
    empty = client.get(f"/api/v1/changes?cursor={cursor}", headers=bearer(token)).get_json()
    assert empty["items"] == [] and empty["next_cursor"] == cursor
    bad = client.get("/api/v1/changes?cursor=abc", headers=bearer(token))
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "cursor"
    assert client.get("/api/v1/changes?limit=501", headers=bearer(token)).status_code == 422


def test_tax_estimate(app, client):
    token, _ = new_key(["tax:estimate"])
    resp = client.get("/api/v1/tax/estimate?use=residential&monthly_rent=3500.00&area=50&months=3",
                      headers=bearer(token))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()
    assert data["periods"] == 3 and data["sample_rates"] is True and "." in data["total"]
    assert client.get("/api/v1/tax/estimate?use=residential&monthly_rent=1e5&area=50",
                      headers=bearer(token)).status_code == 422
    bad_street = client.get("/api/v1/tax/estimate?use=residential&monthly_rent=1&area=5&street=ZZ",
                            headers=bearer(token))
    assert bad_street.status_code == 422 and bad_street.get_json()["errors"][0]["field"] == "street"


def test_rate_limit_per_key_and_every_call_audited(app, client, world):
    app.config["RATE_LIMITS"] = {"api": "3/minute"}
    token, key = new_key(["proofs:verify"], name="school bureau")
    other, _ = new_key(["proofs:verify"], name="school bureau")
    url = f"/api/v1/proofs/{world.slip.verify_code}"
    assert [client.get(url, headers=bearer(token)).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url, headers=bearer(token))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert client.get(url, headers=bearer(other)).status_code == 200  # per key
    assert client.get("/api/v1/changes", headers=bearer(other)).status_code == 403
    calls = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api.call")
                               .order_by(AuditEntry.id)).all()
    assert len(calls) == 6  # 4 + the other key's 2: refused calls included
    assert all(c.username == "api:school bureau" for c in calls)
    assert f"[{key.prefix}]" in calls[0].summary and calls[3].summary.endswith("429: " + limited.get_json()["detail"])
    assert "-> 403" in calls[-1].summary
    assert db.session.get(ApiKey, key.id).last_used_at is not None


@pytest.mark.usefixtures("pg_only")
def test_idempotency_race_registers_once(app, streets):
    """Two deliveries of the same filing with the same Idempotency-Key at the same instant (PostgreSQL):
    one lease; the second answers the first's response once it committed (the unique index waits)."""
    from tests.integrity.racelib import race

    token, _ = new_key(["leases:register"])
    body = registration_body(streets[0].code, 7)

    def deliver():
        c = app.test_client()
        resp = c.post("/api/v1/leases", json=body, headers={**bearer(token), "Idempotency-Key": "race-1"})
        return resp.status_code, resp.get_json()

    (s1, b1), (s2, b2) = race(app, deliver, deliver)
    assert (s1, s2) == (201, 201) and b1 == b2
    assert db.session.scalar(select(func.count()).select_from(Lease)) == 1

"""The API module's pages (both databases): the administrator registers a client and issues a key (the
token shown once, stored hashed), revokes it; the public bulk check turns a CSV or .xlsx file of codes
into the same file with a status column, refuses too many codes or a non-file, and carries CSRF."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from counter.api.models import ApiClient, ApiKey
from counter.api.services import hash_token
from counter.extensions import db

from .apilib import bearer, build_world


def test_admin_registers_client_issues_and_revokes_key(app, admin_client, clerk_client, streets):
    assert clerk_client.get("/admin/api-clients").status_code == 403
    assert admin_client.get("/admin/api-clients").status_code == 200
    resp = admin_client.post("/admin/api-clients", data={"name": "市租赁平台", "contact": "王工 0755-1234"})
    assert resp.status_code == 302
    client = db.session.scalar(select(ApiClient).where(ApiClient.name == "市租赁平台"))
    dup = admin_client.post("/admin/api-clients", data={"name": "市租赁平台"})
    assert dup.status_code == 422
    none = admin_client.post(f"/admin/api-clients/{client.id}", data={"days": "30"})
    assert none.status_code == 422  # no scope chosen
    page = admin_client.post(f"/admin/api-clients/{client.id}",
                             data={"scopes": ["proofs:verify", "leases:read"], "street_id": str(streets[0].id),
                                   "days": "30", "label": "prod"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = re.search(r'<code id="token">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    key = db.session.scalar(select(ApiKey).where(ApiKey.client_id == client.id))
    assert key.token_hash == hash_token(token) and token not in (key.prefix, key.token_hash)
    assert key.scope_set == {"proofs:verify", "leases:read"} and key.street_id == streets[0].id
    assert token not in admin_client.get(f"/admin/api-clients/{client.id}").get_data(as_text=True)  # shown once
    anon = app.test_client()
    assert anon.get("/api/v1/changes", headers=bearer(token)).status_code == 200
    assert admin_client.post(f"/admin/api-keys/{key.id}/revoke").status_code == 302
    assert db.session.get(ApiKey, key.id).state() == "revoked"
    assert anon.get("/api/v1/changes", headers=bearer(token)).status_code == 401


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_bulk_page_csv_and_xlsx(app, client, streets, monkeypatch):
    world = build_world(streets, monkeypatch)
    assert client.get("/verify/bulk").status_code == 200
    valid, void = world.slip.verify_code, world.void_slip.verify_code
    data = _csv([["学生", "核验码"], ["张三", valid], ["李四", void], ["", ""], ["王五", "nonsense"]])
    resp = client.post("/verify/bulk", data={"file": (io.BytesIO(data), "学生名单.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert "checked.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["学生", "核验码", "状态", "出具日期", "持有人"]
    assert rows[1][:2] == ["张三", valid] and rows[1][2] == "有效" and rows[1][4] == "李*娜"
    assert rows[2][2] == "已作废" and rows[4][2] == "无此核验码" and rows[3] == ["", ""]

    wb = Workbook()
    ws = wb.active
    for code in (valid, "AAAAAAAAAAAAAAAAAAAA"):
        ws.append([code])
    buf = io.BytesIO()
    wb.save(buf)
    resp = client.post("/verify/bulk", data={"file": (io.BytesIO(buf.getvalue()), "codes.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    out = load_workbook(io.BytesIO(resp.get_data())).active
    assert [c.value for c in out[1]][:2] == [valid, "有效"] and out["B2"].value == "无此核验码"

    too_many = _csv([[valid]] * 1001)
    resp = client.post("/verify/bulk", data={"file": (io.BytesIO(too_many), "x.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "1000" in resp.get_data(as_text=True)
    junk = client.post("/verify/bulk", data={"file": (io.BytesIO(b"PK\x03\x04garbage"), "x.xlsx")},
                       content_type="multipart/form-data")
    assert junk.status_code == 422
    assert client.post("/verify/bulk", data={}).status_code == 422
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/verify/bulk", data={"file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data").status_code == 400
    assert 'name="csrf_token"' in client.get("/verify/bulk").get_data(as_text=True)

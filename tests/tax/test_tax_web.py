"""Tax pages through the test client: the admin's schedule flow, stored assessments, the public estimate."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

import fees
from counter.core.timeutil import business_today
from counter.extensions import db
from counter.tax import services
from counter.tax.models import RateScheduleVersion

ROOT = Path(__file__).resolve().parents[2]

SHIPPED = {s.id: s.version for s in fees.load_shipped_schedules()}  # the version a fresh install has
V = SHIPPED["itemised-2023-01"]


def _active(schedule_id):
    return db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.schedule_id == schedule_id,
                                                               RateScheduleVersion.status == "active"))


def _text_with_property_tax(v, rate):
    d = json.loads(services.version_text(v))
    rule = next(r for r in d["rules"] if r["id"] == "individual-residential")
    next(i for i in rule["items"] if i["code"] == "property_tax")["rate"] = rate
    return json.dumps(d, ensure_ascii=False, indent=2)


def _count_versions():
    return len(db.session.scalars(select(RateScheduleVersion.id)).all())


def test_admin_lists_schedules_marked_as_sample(admin_client):
    resp = admin_client.get("/tax/schedules")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "税率表" in html and "itemised-2023-01" in html and "comprehensive-2019" in html
    assert "示例税率，须与主管税务机关核实" in html
    assert 'href="/tax/schedules"' in html  # the nav entry


def test_clerk_and_anonymous_cannot_manage(clerk_client, client, app):
    v1 = _active("itemised-2023-01")
    for url in ("/tax/schedules", f"/tax/schedules/{v1.id}", f"/tax/schedules/{v1.id}/new",
                f"/tax/schedules/{v1.id}/preview", "/tax/guidance"):
        assert clerk_client.get(url).status_code == 403, url
    assert clerk_client.post(f"/tax/schedules/{v1.id}/new", data={"text": "{}"}).status_code == 403
    assert clerk_client.post(f"/tax/schedules/{v1.id}/activate").status_code == 403
    assert client.get("/tax/schedules").status_code == 302  # to the login page
    assert 'href="/tax/schedules"' not in clerk_client.get("/").get_data(as_text=True)


def test_admin_creates_previews_and_activates_in_the_browser(admin_client):
    v1 = _active("itemised-2023-01")
    form = admin_client.get(f"/tax/schedules/{v1.id}/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "autofocus" in html and "individual-residential" in html
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    import html as htmllib

    text = htmllib.unescape(text).replace('"rate": "0.04"', '"rate": "0.08"', 1)
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": text, "note": "test 8 %"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    draft = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.schedule_id == "itemised-2023-01",
                                                                RateScheduleVersion.version == V + 1))
    assert draft.status == "draft" and draft.note == "test 8 %"
    assert resp.headers["Location"].endswith(f"/tax/schedules/{draft.id}/preview")

    preview = admin_client.get(f"/tax/schedules/{draft.id}/preview?month=2026-01")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    month, rows = services.preview(draft, fees.YearMonth(2026, 1))
    first = rows[0]
    assert first.draft.total_fen > first.current.total_fen
    with admin_client.application.test_request_context():
        from counter.core.i18n import money

        assert money(first.current.total_fen) in page and money(first.draft.total_fen) in page
    assert f"itemised-2023-01 v{V + 1}" in page and f"itemised-2023-01 v{V}" in page  # the per-item lines
    assert f'action="/tax/schedules/{draft.id}/activate"' in page

    resp = admin_client.post(f"/tax/schedules/{draft.id}/activate")
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(RateScheduleVersion, draft.id).status == "active"
    assert db.session.get(RateScheduleVersion, v1.id).status == "retired"
    listing = admin_client.get("/tax/schedules").get_data(as_text=True)
    assert "已启用" in listing or "已停用" in listing
    # activating twice is refused, nothing changes
    again = admin_client.post(f"/tax/schedules/{draft.id}/activate", follow_redirects=True)
    assert "只有草稿可以启用" in again.get_data(as_text=True)
    # a frozen version cannot be edited through the UI either
    assert admin_client.get(f"/tax/schedules/{v1.id}/edit").status_code == 302


def test_invalid_schedule_text_gives_field_errors_and_saves_nothing(admin_client):
    v1 = _active("itemised-2023-01")
    n = _count_versions()
    bad = _text_with_property_tax(v1, "150%")
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": bad, "note": "oops"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "税率表有误" in html and "property_tax" in html and "has-error" in html
    assert "150%" in html and 'value="oops"' in html  # the form keeps what was typed
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": "{broken", "note": ""})
    assert resp.status_code == 422 and "税率表有误" in resp.get_data(as_text=True)
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": "", "note": ""})
    assert resp.status_code == 422 and "请填写税率表" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert _count_versions() == n


def _field_errors(html):
    """The messages listed under the schedule text field."""
    import html as htmllib

    block = re.search(r'<ul class="errors" id="text-errors">(.*?)</ul>', html, re.S)
    assert block, "no field-level errors under the text field"
    return [htmllib.unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_schedule_errors_are_in_the_chinese_ui_language(admin_client):
    v1 = _active("itemised-2023-01")
    n = _count_versions()
    d = json.loads(services.version_text(v1))
    d["effective_to"] = "2000-01-01"
    d["rules"][0]["items"][0]["rate"] = 0.05
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": json.dumps(d), "note": ""})
    assert resp.status_code == 422
    errors = _field_errors(resp.get_data(as_text=True))
    assert any(e.startswith("税率表有误：effective_to（截止日期 2000-01-01）不能早于 effective_from") for e in errors)
    code = d["rules"][0]["items"][0]["code"]
    assert any(f"规则 individual-residential 的税目 {code}：rate：税率须写成带引号的字符串" in e for e in errors), errors
    assert not any("must" in e or "rule " in e for e in errors), errors  # no English left
    # a TOML syntax error: Chinese, with the line and column
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": 'id = "x"\nversion = 1\nmode = itemised\n'})
    assert resp.status_code == 422
    assert _field_errors(resp.get_data(as_text=True)) == [
        '税率表有误：TOML 格式错误（第 3 行第 8 列）：无效的值（文字须加引号，如 "1.5%"；日期写作 2024-01-01）']
    # a JSON syntax error
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": '{"id": "x",\n}'})
    assert resp.status_code == 422
    (error,) = _field_errors(resp.get_data(as_text=True))
    assert error.startswith("税率表有误：JSON 格式错误（第 2 行第 1 列）：")
    db.session.expire_all()
    assert _count_versions() == n


def test_schedule_errors_are_in_the_english_ui_language(admin_client):
    admin_client.post("/locale", data={"locale": "en", "next": "/tax/schedules"})
    v1 = _active("itemised-2023-01")
    bad = _text_with_property_tax(v1, "150%")
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": bad, "note": ""})
    assert resp.status_code == 422
    errors = _field_errors(resp.get_data(as_text=True))
    assert errors == ["The schedule is not valid: rule individual-residential item property_tax: rate: "
                      "rate out of range 0..100 %: '150%'"]
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": 'id = "x"\nversion 1\n'})
    assert resp.status_code == 422
    assert _field_errors(resp.get_data(as_text=True)) == [
        "The schedule is not valid: TOML syntax error (line 2, column 9): Expected '=' after a key in a key/value pair"]


def test_editing_a_draft_reports_a_changed_id_in_chinese(admin_client):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(services.version_text(v1))
    db.session.commit()
    d = json.loads(services.version_text(draft))
    d["id"] = "another-id"
    resp = admin_client.post(f"/tax/schedules/{draft.id}/edit", data={"text": json.dumps(d), "note": ""})
    assert resp.status_code == 422
    assert _field_errors(resp.get_data(as_text=True)) == [
        "税率表有误：id 必须保持为 'itemised-2023-01'（如需使用其他 id，请新建版本）"]


def test_admin_edits_and_discards_a_draft(admin_client):
    v1 = _active("itemised-2023-01")
    draft = services.create_version(_text_with_property_tax(v1, "5%"), based_on=v1)
    db.session.commit()
    draft_id = draft.id
    resp = admin_client.post(f"/tax/schedules/{draft_id}/edit",
                             data={"text": _text_with_property_tax(v1, "6%"), "note": "six"})
    assert resp.status_code == 302
    db.session.expire_all()
    d = db.session.get(RateScheduleVersion, draft_id)
    assert '"0.06"' in json.dumps(d.data) and d.note == "six"
    assert admin_client.post(f"/tax/schedules/{draft_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(RateScheduleVersion, draft_id) is None


def test_version_page_shows_data_and_actions(admin_client):
    v1 = _active("comprehensive-2019")
    html = admin_client.get(f"/tax/schedules/{v1.id}").get_data(as_text=True)
    assert f"comprehensive-2019 v{SHIPPED['comprehensive-2019']}" in html and "综合征收" in html and "示例税率" in html
    assert "深圳市租赁税综合征收率（文号未查到）" in html  # the legal source, as recorded
    assert f"/tax/schedules/{v1.id}/new" in html and "/edit" not in html  # frozen: only "new version"


def test_guidance_list(admin_client):
    html = admin_client.get("/tax/guidance").get_data(as_text=True)
    assert "南园" in html and "¥70.00" in html and "示例数据，非官方" in html


def test_old_assessment_still_shows_the_schedule_it_used(admin_client, clerk_client, lease):
    month = fees.YearMonth(2026, 1)
    a = services.assess_lease(lease, month, month, date(2026, 2, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    old_total = a.total_fen

    v1 = _active("itemised-2023-01")
    resp = admin_client.post(f"/tax/schedules/{v1.id}/new", data={"text": _text_with_property_tax(v1, "8%")})
    assert resp.status_code == 302
    draft = db.session.scalar(select(RateScheduleVersion).where(RateScheduleVersion.status == "draft"))
    assert admin_client.post(f"/tax/schedules/{draft.id}/activate").status_code == 302
    new = services.assess_lease(lease, month, month, date(2026, 2, 1))
    assert new.total_fen != old_total and new.schedules_used == [("itemised-2023-01", V + 1)]

    for c in (clerk_client, admin_client):
        resp = c.get(f"/tax/assessments/{rec.id}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200
        used = re.search(r'<ul id="versions-used">(.*?)</ul>', html, re.S).group(1)
        assert f"itemised-2023-01 v{V}" in used and f"v{V + 1}" not in used
        assert "已停用" in used
        with c.application.test_request_context():
            from counter.core.i18n import money

            assert money(old_total) in html and money(new.total_fen) not in html
        assert "租赁税计算说明" in html  # Chinese explanation by default


def test_assessment_is_street_scoped(app, users, login, lease):
    a = services.assess_lease(lease, fees.YearMonth(2026, 1), fees.YearMonth(2026, 1), date(2026, 2, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    other = app.test_client()
    login(other, "clerk_b")
    assert other.get(f"/tax/assessments/{rec.id}").status_code == 404


def test_assessment_explanation_in_english(clerk_client, lease):
    a = services.assess_lease(lease, fees.YearMonth(2026, 1), fees.YearMonth(2026, 1), date(2026, 2, 1))
    rec = services.record_assessment(lease, a)
    db.session.commit()
    clerk_client.post("/locale", data={"locale": "en", "next": "/"})
    html = clerk_client.get(f"/tax/assessments/{rec.id}").get_data(as_text=True)
    assert "Rental tax calculation" in html and "Schedule versions used" in html


# ----------------------------------------------------------------------------------- estimate

def _expected(use, kind, rent_fen, area, months, street=None):
    """The estimate's rule: ``months`` rent periods anchored at today (today .. the day before the same date
    ``months`` months later)."""
    today = business_today()
    periods = fees.rent_periods(today, fees.add_months(today, months) - timedelta(days=1))
    assert len(periods) == months and not periods[-1].short
    return fees.assess_periods(fees.LeaseFacts(kind, use, rent_fen, Decimal(area), street), periods, today,
                               fees.ScheduleSet(fees.load_shipped_schedules()), fees.load_sample_guidance())


def test_estimate_form_is_public_and_chinese(client):
    resp = client.get("/estimate")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'lang="zh-CN"' in html and "租赁税试算" in html and "月租金（元）" in html
    first_field = re.search(r"<select[^>]*>", html).group(0)
    assert 'name="use"' in first_field and "autofocus" in first_field  # keyboard: start typing at once
    assert html.count("autofocus") == 1
    assert 'method="get"' in html and 'type="submit"' in html


def test_estimate_totals_match_the_engine(client):
    for use, kind, rent, area, months, street in (
            ("residential", "individual", "3500", "45.5", 3, ""),
            ("commercial", "individual", "20000.50", "80", 12, "440304001"),
            ("office", "organization", "50000", "300", 1, ""),
            ("residential", "individual", "800", "30", 2, "440304001")):  # below the guidance floor
        resp = client.get("/estimate", query_string={"use": use, "landlord_kind": kind, "rent": rent,
                                                     "area": area, "months": months, "street": street})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, html[:3000]
        expected = _expected(use, kind, fees.yuan_to_fen(rent), area, months, street or None)
        assert f'data-total="{expected.total_fen}"' in html
        assert f"{expected.start.isoformat()} 至 {expected.end.isoformat()}" in html  # the periods' dates
        assert "租赁税计算说明" in html and "示例税率" in html
        for item in expected.items:
            assert item.name_zh in html
        assert f'value="{rent}"' in html  # the form keeps what was typed


def test_estimate_bad_input_gives_field_errors(client):
    base = {"use": "residential", "landlord_kind": "individual", "rent": "3500", "area": "45", "months": "3"}
    cases = [({"rent": "-1"}, "租金不能为负数"),
             ({"rent": "3500.123"}, "最多保留两位小数"),
             ({"rent": "abc"}, "请输入数字"),
             ({"rent": ""}, "请填写月租金"),
             ({"area": "-2"}, "面积不能为负数"),
             ({"months": "0"}, "请填写月数（1 至 36）"),
             ({"months": "37"}, "请填写月数（1 至 36）"),
             ({"use": "castle"}, "用途")]
    for change, message in cases:
        resp = client.get("/estimate", query_string={**base, **change})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, change
        assert message in html, (change, message)
        assert "has-error" in html and 'id="result"' not in html
        for k, v in change.items():
            if k in ("rent", "area") and v:
                assert f'value="{v}"' in html


def test_estimate_in_english(client):
    client.post("/locale", data={"locale": "en", "next": "/estimate"})
    html = client.get("/estimate", query_string={"use": "residential", "landlord_kind": "individual",
                                                 "rent": "3500", "area": "45", "months": "1"}).get_data(as_text=True)
    assert "Rental tax estimate" in html and "Rental tax calculation" in html


def test_my_strings_are_translated():
    """``scripts/i18n.py missing`` prints nothing for the tax module's strings."""
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "missing"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    from babel.messages.pofile import read_po

    with open(ROOT / "translations" / "tax" / "zh" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        mine = {m.id for m in read_po(fh) if m.id}
    missing = {eval(line) for line in out.splitlines() if line.strip()}  # noqa: S307 - repr() of str
    assert not (missing & mine)
    assert {"Tax rates", "Rental tax estimate"} <= mine

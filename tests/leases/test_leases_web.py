"""The lease window in the browser: register, amend, renew, terminate, cancel, search, isolation."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from counter.core.timeutil import business_today
from counter.extensions import db
from counter.leases.models import Lease, LeaseEvent, Property

from leases_testlib import HOUSE, LANDLORD_ID, TENANT2_ID, TENANT_ID, form_data


def _register(client, **overrides):
    resp = client.post("/leases/new", data=form_data(**overrides))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def test_nav_and_forms_are_keyboard_ready(clerk_client):
    home = clerk_client.get("/").get_data(as_text=True)
    assert 'href="/leases/"' in home and "租赁备案" in home
    page = clerk_client.get("/leases/new").get_data(as_text=True)
    assert 'id="house_code"' in page and "autofocus" in page.split('id="house_code"')[0][-300:] + page.split('id="house_code"')[1][:300]
    assert 'type="submit"' in page and "新增备案" in page
    # one landlord and one tenant row to start with, the others on demand
    assert 'name="landlords-0-name"' in page and 'name="tenants-0-id_number"' in page
    assert 'name="landlords-1-name"' not in page and 'name="tenants-1-name"' not in page
    assert 'name="agents-0-name"' not in page
    for group in ("landlords", "tenants", "agents"):
        assert f'name="add_row" value="{group}"' in page
    search = clerk_client.get("/leases/").get_data(as_text=True)
    assert 'name="q"' in search and "autofocus" in search


def _focused(html: str) -> list[str]:
    """The ids of the form fields rendered with ``autofocus``."""
    import re

    return re.findall(r'<(?:input|select|textarea)\b[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', html)


def test_add_a_row_without_javascript_keeps_everything_typed(clerk_client, app):
    data = form_data(**{"tenants-1-name": "", "tenants-1-id_number": ""})
    data = {k: v for k, v in data.items() if not k.startswith(("tenants-1", "tenants-2", "tenants-3"))}
    resp = clerk_client.post("/leases/new", data={**data, "add_row": "tenants"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'name="tenants-1-name"' in html and 'name="tenants-2-name"' not in html
    assert f'value="{TENANT_ID}"' in html and f'value="{HOUSE}"' in html and "has-error" not in html
    assert _focused(html) == ["tenants-1-name"]  # the new row's name has the focus, nothing else
    assert db.session.scalar(select(func.count(Lease.id))) == 0
    for odd in (" ", "payments", "tenants\x00"):  # not a button's value: an ordinary submission, never a 500
        assert clerk_client.post("/leases/new", data={**data, "add_row": odd, "monthly_rent": "abc"}).status_code == 422
    # a wrong value: the cursor goes to the first field with an error
    resp = clerk_client.post("/leases/new", data={**data, "monthly_rent": "abc"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert _focused(html) == ["monthly_rent"]


def test_register_defaults_and_existing_property(clerk_client, app):
    """The rented area defaults to the floor area, the building code to the house code's first 19 characters;
    a property on file is shown (with its active leases) before submitting, its landlord offered."""
    data = form_data(rented_area="", building_code="")
    lease_id = _register(clerk_client, **{k: v for k, v in data.items() if k in ("rented_area", "building_code")})
    lease = db.session.get(Lease, lease_id)
    assert lease.rented_area_centi == lease.premises.floor_area_centi
    assert lease.premises.building_code == lease.premises.house_code[:19]
    card = clerk_client.get(f"/leases/property?house_code={HOUSE.lower()}").get_data(as_text=True)
    assert 'id="found-property"' in card and lease.registration_code in card and lease.premises.address in card
    assert LANDLORD_ID in card  # the landlord of its latest lease, offered for the empty landlord rows
    assert 'id="no-property"' in clerk_client.get("/leases/property?house_code=" + "9" * 25).get_data(as_text=True)
    # without JavaScript: "find the property" re-renders with the card, the landlord row filled, the
    # new-property fields hidden and the first tenant focused
    resp = clerk_client.post("/leases/new", data={"house_code": HOUSE, "add_row": "property",
                                                   "landlords-0-name": "", "tenants-0-name": ""})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="found-property"' in html and 'id="new-property" hidden' in html
    assert f'value="{LANDLORD_ID}"' in html and _focused(html) == ["tenants-0-name"]


def test_register_and_view_in_the_browser(clerk_client, app):
    lease_id = _register(clerk_client)
    page = clerk_client.get(f"/leases/{lease_id}").get_data(as_text=True)
    lease = db.session.get(Lease, lease_id)
    assert lease.registration_number in page and lease.registration_code in page
    assert LANDLORD_ID in page and TENANT_ID in page  # in full, own street, lease page only
    assert "王伟" in page and "李娜" in page and HOUSE in page
    assert "¥4,500.00" in page and "新增备案" in page and "clerk_a" in page
    assert lease.monthly_rent_fen == 450000 and lease.rented_area_centi == 8850 and lease.deposit_fen == 900000
    # after saving, the next action (collect) has the focus, once
    assert "autofocus" in page.split('id="collect-action"')[1][:250]
    again = clerk_client.get(f"/leases/{lease_id}").get_data(as_text=True)
    assert "autofocus" not in again.split('id="collect-action"')[1][:250]


def test_bad_input_answers_422_keeps_input_and_saves_nothing(clerk_client, app):
    bad_id = TENANT_ID[:-1] + ("1" if TENANT_ID[-1] != "1" else "2")
    resp = clerk_client.post("/leases/new", data=form_data(**{
        "tenants-0-id_number": bad_id, "end_date": (business_today() - timedelta(days=400)).isoformat(),
        "monthly_rent": "abc", "house_code": "4403", "landlords-1-name": "张三", "landlords-1-id_number": "H123"}))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "证件号码校验位不正确，请检查是否输错。" in html
    assert "房屋代码为25位字母和数字。" in html or "租期截止日不能早于起始日。" in html or "abc" in html
    assert f'value="{bad_id}"' in html and 'value="4403"' in html and 'value="张三"' in html
    assert db.session.scalar(select(func.count(Lease.id))) == 0
    assert db.session.scalar(select(func.count(Property.id))) == 0
    # service-level errors (the form itself is well-formed)
    resp = clerk_client.post("/leases/new", data=form_data(**{
        "tenants-0-id_number": bad_id, "end_date": (business_today() - timedelta(days=400)).isoformat(),
        "landlords-1-name": "张三", "landlords-1-id_number": "H123"}))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "证件号码校验位不正确，请检查是否输错。" in html
    assert "租期截止日不能早于起始日。" in html
    assert "18位证件号码由17位数字加1位数字或X组成。" in html or "居民身份证号码为18位（旧证15位数字），此号码为4位。" in html
    assert "请更正下面标出的字段" in html or "has-error" in html
    assert db.session.scalar(select(func.count(Lease.id))) == 0


def test_english_error_text(clerk_client, app):
    clerk_client.post("/locale", data={"locale": "en", "next": "/"})
    resp = clerk_client.post("/leases/new", data=form_data(**{"signing_date": (business_today() + timedelta(days=3)).isoformat()}))
    assert resp.status_code == 422
    assert "The signing date cannot be in the future." in resp.get_data(as_text=True)


def test_overlap_confirmation_in_the_browser(clerk_client, app):
    first = _register(clerk_client)
    data = form_data(**{"tenants-0-id_number": TENANT2_ID, "tenants-0-name": "赵敏"})
    resp = clerk_client.post("/leases/new", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "该房屋已有租期重叠的有效备案" in html and 'name="confirm_overlap"' in html
    assert db.session.scalar(select(func.count(Lease.id))) == 1
    second = _register(clerk_client, **{"tenants-0-id_number": TENANT2_ID, "tenants-0-name": "赵敏", "confirm_overlap": "y"})
    lease = db.session.get(Lease, second)
    assert db.session.get(Lease, first).registration_code in lease.overlap_note
    assert "租期重叠" in clerk_client.get(f"/leases/{second}").get_data(as_text=True)


def test_full_lifecycle_in_the_browser(clerk_client, supervisor_client, app):
    lease_id = _register(clerk_client)
    # amend: reason required
    data = form_data(monthly_rent="4800.00", reason="")
    resp = clerk_client.post(f"/leases/{lease_id}/amend", data=data)
    assert resp.status_code == 422 and "请填写原因。" in resp.get_data(as_text=True)
    assert clerk_client.get(f"/leases/{lease_id}/amend").status_code == 200
    resp = clerk_client.post(f"/leases/{lease_id}/amend", data=form_data(monthly_rent="4800.00", reason="租金调整"))
    assert resp.status_code == 302
    lease = db.session.get(Lease, lease_id)
    assert lease.monthly_rent_fen == 480000 and lease.version == 2
    v1 = clerk_client.get(f"/leases/{lease_id}/versions/1").get_data(as_text=True)
    assert "¥4,500.00" in v1
    # renew
    start = lease.end_date + timedelta(days=1)
    resp = clerk_client.post(f"/leases/{lease_id}/renew", data=form_data(
        signing_date=business_today().isoformat(), start_date=start.isoformat(),
        end_date=start.replace(year=start.year + 1).isoformat(), monthly_rent="5000", reason="续租一年"))
    assert resp.status_code == 302
    renewal_id = int(resp.headers["Location"].split("/")[-1])
    renewal = db.session.get(Lease, renewal_id)
    assert renewal.previous_lease_id == lease_id and renewal.monthly_rent_fen == 500000
    # terminate the old one
    resp = clerk_client.post(f"/leases/{lease_id}/terminate", data={"effective_date": (lease.end_date + timedelta(days=9)).isoformat(), "reason": "提前退租"})
    assert resp.status_code == 422 and "解除日期必须在租期内" in resp.get_data(as_text=True)
    resp = clerk_client.post(f"/leases/{lease_id}/terminate", data={"effective_date": business_today().isoformat(), "reason": "提前退租"})
    assert resp.status_code == 302
    # cancel: supervisors only
    assert clerk_client.post(f"/leases/{renewal_id}/cancel", data={"reason": "录入错误"}).status_code == 403
    resp = supervisor_client.post(f"/leases/{renewal_id}/cancel", data={"reason": ""})
    assert resp.status_code == 422
    resp = supervisor_client.post(f"/leases/{renewal_id}/cancel", data={"reason": "录入错误"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lease, renewal_id).status == "cancelled"
    page = clerk_client.get(f"/leases/{lease_id}").get_data(as_text=True)
    for text in ("新增备案", "变更", "租金调整", "已续租", "续租一年", "已解除", "提前退租", renewal.registration_code):
        assert text in page, text
    page = clerk_client.get(f"/leases/{renewal_id}").get_data(as_text=True)
    assert "续租备案" in page and "已注销备案" in page and "录入错误" in page and "supervisor_a" in page
    kinds = db.session.scalars(select(LeaseEvent.kind).order_by(LeaseEvent.id)).all()
    assert kinds == ["register", "amend", "renewal", "renewed", "terminate", "cancel"]


def test_other_street_cannot_see_it(clerk_client, app, users, login):
    lease_id = _register(clerk_client)
    code = db.session.get(Lease, lease_id).registration_code
    other = app.test_client()
    login(other, "clerk_b")
    assert other.get(f"/leases/{lease_id}").status_code == 404
    assert other.get(f"/leases/{lease_id}/amend").status_code == 404
    assert other.post(f"/leases/{lease_id}/terminate", data={"effective_date": business_today().isoformat(),
                                                             "reason": "x"}).status_code == 404
    resp = other.get("/leases/", query_string={"q": code})
    assert resp.status_code == 200 and f'/leases/{lease_id}"' not in resp.get_data(as_text=True)
    assert "没有找到备案。" in resp.get_data(as_text=True)
    assert f'/leases/{lease_id}"' not in other.get("/leases/").get_data(as_text=True)


def test_search_jumps_on_scan_and_masks_ids(clerk_client, app):
    lease_id = _register(clerk_client)
    lease = db.session.get(Lease, lease_id)
    for scanned in (lease.registration_code, lease.registration_code.lower(), lease.registration_number):
        resp = clerk_client.get("/leases/", query_string={"q": scanned})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/leases/{lease_id}")
    resp = clerk_client.get("/leases/", query_string={"q": "李娜"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and lease.registration_code in html
    assert TENANT_ID not in html and TENANT_ID[:4] + "*" in html  # masked in lists
    html = clerk_client.get("/leases/", query_string={"id_number": TENANT_ID}).get_data(as_text=True)
    assert lease.registration_code in html
    html = clerk_client.get("/leases/", query_string={"house_code": HOUSE, "status": "active"}).get_data(as_text=True)
    assert lease.registration_code in html
    html = clerk_client.get("/leases/", query_string={"address": "福华路", "status": "cancelled"}).get_data(as_text=True)
    assert lease.registration_code not in html and "没有找到备案。" in html
    assert clerk_client.get("/leases/", query_string={"signed_from": "not-a-date"}).status_code == 422


def test_version_page_formats_dates_and_area_like_the_lease_page(clerk_client, app):
    """A previous version shows its dates through the date filter and its area exactly (not ISO text, not float)."""
    from babel.dates import format_date

    lease_id = _register(clerk_client)
    lease = db.session.get(Lease, lease_id)
    signing, start, end = lease.signing_date, lease.start_date, lease.end_date
    resp = clerk_client.post(f"/leases/{lease_id}/amend", data=form_data(monthly_rent="4800.00", reason="租金调整"))
    assert resp.status_code == 302
    v1 = clerk_client.get(f"/leases/{lease_id}/versions/1").get_data(as_text=True)
    for day in (signing, start, end):
        assert format_date(day, "medium", locale="zh_Hans_CN") in v1
        assert day.isoformat() not in v1
    assert "88.50 m²" in v1

from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.auth.models import User
from counter.extensions import db


def test_admin_creates_user_bound_to_street(admin_client, streets, login, app):
    resp = admin_client.post("/admin/users", data={"username": "new.clerk", "display_name": "新窗口",
                                                   "role": "clerk", "street_id": str(streets[2].id),
                                                   "password": "long enough 1"})
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "new.clerk"))
    assert user.street_id == streets[2].id and user.role == "clerk"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                      AuditEntry.object_id == str(user.id))) is not None
    login(app.test_client(), "new.clerk", "long enough 1")


def test_clerk_without_street_is_refused_and_form_kept(admin_client):
    resp = admin_client.post("/admin/users", data={"username": "lost.clerk", "display_name": "无街道",
                                                   "role": "clerk", "street_id": "", "password": "long enough 1"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "必须属于一个街道" in html and 'value="lost.clerk"' in html
    assert db.session.scalar(select(User).where(User.username == "lost.clerk")) is None


def test_short_password_and_bad_username(admin_client, streets):
    resp = admin_client.post("/admin/users", data={"username": "bad name!", "display_name": "x", "role": "clerk",
                                                   "street_id": str(streets[0].id), "password": "short"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "字段长度必须介于 10 到 128 个字符之间" in html
    assert "只能包含字母" in html


def test_disable_user_blocks_login(admin_client, users, app):
    uid = users["clerk_b"].id
    assert admin_client.post(f"/admin/users/{uid}/active").status_code == 302
    c = app.test_client()
    assert c.post("/login", data={"username": "clerk_b", "password": "correct horse 1"}).status_code == 422


def test_only_admin_manages_users(clerk_client, supervisor_client):
    assert clerk_client.get("/admin/users").status_code == 403
    assert supervisor_client.get("/admin/users").status_code == 403


def test_admin_cannot_disable_themself(admin_client, users):
    resp = admin_client.post(f"/admin/users/{users['admin'].id}/active", follow_redirects=True)
    assert "不能停用自己的账号" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert users["admin"].active is True

"""Login, roles, CSRF, locale and audit: the foundation's guarantees, on both databases."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.extensions import db


def test_login_page_is_chinese_by_default(client, users):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录房屋租赁窗口系统" in html


def test_wrong_password_is_refused_and_form_keeps_username(client, users):
    resp = client.post("/login", data={"username": "clerk_a", "password": "wrong password"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "用户名或密码错误" in html
    assert 'value="clerk_a"' in html
    assert client.get("/").status_code == 302  # still anonymous


def test_unknown_user_gets_same_message(client, users):
    resp = client.post("/login", data={"username": "nobody", "password": "x" * 10})
    assert resp.status_code == 422 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client, users):
    users["clerk_a"].active = False
    db.session.commit()
    assert client.post("/login", data={"username": "clerk_a", "password": "correct horse 1"}).status_code == 422


def test_login_logout_and_audit(client, users, login):
    login(client, "clerk_a")
    home = client.get("/")
    assert home.status_code == 200
    assert "clerk a" in home.get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.username == "clerk_a")).all()
    assert actions == ["auth.login", "auth.logout"]


def test_open_redirect_is_refused(client, users):
    resp = client.post("/login", data={"username": "clerk_a", "password": "correct horse 1",
                                       "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/"


def test_english_switch_persists_for_the_user(client, users, login, app):
    login(client, "clerk_a")
    assert "首页" in client.get("/").get_data(as_text=True)
    client.post("/locale", data={"locale": "en", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html and "Good day" in html
    assert users["clerk_a"].locale == "en"
    # a new session of the same user keeps English
    other = app.test_client()
    other.post("/login", data={"username": "clerk_a", "password": "correct horse 1"})
    assert "Good day" in other.get("/").get_data(as_text=True)


def test_money_and_dates_follow_locale(app):
    from flask_babel import force_locale

    from counter.core.i18n import fmt_date, money
    from datetime import date

    with app.test_request_context():
        with force_locale("zh"):
            assert money(350000) == "¥3,500.00"
            assert fmt_date(date(2026, 3, 1)) == "2026年3月1日"
        with force_locale("en"):
            assert money(350012) == "CN¥3,500.12"
            assert fmt_date(date(2026, 3, 1)) == "Mar 1, 2026"


def test_role_permissions_gate_views(client, users, login):
    login(client, "clerk_a")
    assert client.get("/audit/").status_code == 403
    sup = client.application.test_client()
    login(sup, "supervisor_a")
    assert sup.get("/audit/").status_code == 200


def test_supervisor_sees_only_own_street_audit(client, users, login):
    other = client.application.test_client()
    login(other, "clerk_b")  # writes an auth.login entry in street B
    login(client, "supervisor_a")
    html = client.get("/audit/").get_data(as_text=True)
    assert "clerk_b" not in html
    assert "supervisor_a" in html


def test_audit_log_is_append_only(app, users):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from counter.audit.service import record

    record("test.write", summary="x", before={"a": 1}, after={"a": 2})
    db.session.commit()
    for stmt in ("UPDATE audit_entry SET summary = 'y'", "DELETE FROM audit_entry"):
        with pytest.raises(DatabaseError, match="append-only|permission denied"):  # PostgreSQL: the app role
            db.session.execute(text(stmt))
        db.session.rollback()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "test.write")).after == {"a": 2}


def test_password_is_hashed(users):
    assert users["clerk_a"].password_hash != "correct horse 1"
    assert users["clerk_a"].check_password("correct horse 1")


def test_security_headers(client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


class TestCSRF:
    @pytest.fixture
    def csrf_app(self, app):
        app.config["WTF_CSRF_ENABLED"] = True
        return app

    def test_post_without_token_is_refused_on_every_form(self, csrf_app, users):
        """Every POST route of the app refuses a request without the CSRF token."""
        client = csrf_app.test_client()
        rules = [r for r in csrf_app.url_map.iter_rules() if "POST" in r.methods and not r.arguments]
        assert rules, "no POST routes found"
        for rule in rules:
            resp = client.post(rule.rule, data={"username": "clerk_a", "password": "correct horse 1"})
            if rule.endpoint.startswith("api_v1."):  # the JSON API: bearer keys, no cookie to ride on
                assert resp.status_code == 401, rule.rule
                continue
            assert resp.status_code == 400, rule.rule
        assert client.get("/").status_code == 302  # nothing logged in

    def test_post_with_token_from_the_form_works(self, csrf_app, users):
        client = csrf_app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        resp = client.post("/login", data={"username": "clerk_a", "password": "correct horse 1", "csrf_token": token})
        assert resp.status_code == 302

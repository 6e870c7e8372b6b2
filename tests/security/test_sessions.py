"""Sessions (issue 12): a cookie copied before logout, a password change or disabling the user is worthless
afterwards, on every worker; idle timeout and absolute lifetime; Secure cookies, HSTS and no-store."""
from __future__ import annotations

from counter.auth import sessions
from counter.extensions import db
from security_testlib import other_app

RIGHT = "correct horse 1"


def _copy_cookie(source, target):
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def test_cookie_copied_before_logout_is_dead_after_it(app, users, login):
    victim, thief = app.test_client(), app.test_client()
    login(victim, "clerk_a")
    _copy_cookie(victim, thief)
    assert thief.get("/").status_code == 200  # the stolen cookie works while the session lives
    assert victim.post("/logout").status_code == 302
    assert thief.get("/").status_code == 302
    assert thief.get("/leases/").status_code == 302


def test_logout_ends_the_session_on_every_worker(app, users, login):
    with other_app(app) as second:
        here, there = app.test_client(), second.test_client()
        login(here, "clerk_a")
        _copy_cookie(here, there)
        assert there.get("/").status_code == 200
        here.post("/logout")
        assert there.get("/").status_code == 302


def test_password_change_ends_the_other_sessions(app, users, login):
    mine, other = app.test_client(), app.test_client()
    login(mine, "clerk_a")
    login(other, "clerk_a")
    resp = mine.post("/password", data={"current_password": RIGHT, "new_password": "brand new pass 9",
                                        "confirm": "brand new pass 9"})
    assert resp.status_code == 302
    assert mine.get("/").status_code == 200  # the browser that changed it stays in
    assert other.get("/").status_code == 302
    login(app.test_client(), "clerk_a", "brand new pass 9")


def test_password_change_checks_the_current_password_and_the_policy(app, users, login):
    c = app.test_client()
    login(c, "clerk_a")
    wrong = c.post("/password", data={"current_password": "nope nope 1", "new_password": "brand new pass 9",
                                      "confirm": "brand new pass 9"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = c.post("/password", data={"current_password": RIGHT, "new_password": "1234567890",
                                     "confirm": "1234567890"})
    assert weak.status_code == 422 and "至少包含两类字符" in weak.get_data(as_text=True)
    assert c.get("/").status_code == 200


def test_disabling_a_user_ends_their_sessions(app, users, login, admin_client):
    clerk = app.test_client()
    login(clerk, "clerk_b")
    assert clerk.get("/").status_code == 200
    assert admin_client.post(f"/admin/users/{users['clerk_b'].id}/active").status_code == 302
    assert clerk.get("/").status_code == 302
    admin_client.post(f"/admin/users/{users['clerk_b'].id}/active")  # enabled again: the old cookie stays dead
    assert clerk.get("/").status_code == 302


def test_idle_timeout_and_absolute_lifetime(app, users, login, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(sessions, "now", lambda: clock[0])
    c = app.test_client()
    login(c, "clerk_a")
    clock[0] += 29 * 60
    assert c.get("/").status_code == 200
    clock[0] += 29 * 60  # active every 29 minutes: still in
    assert c.get("/").status_code == 200
    clock[0] += 31 * 60  # 31 idle minutes
    resp = c.get("/")
    assert resp.status_code == 302
    assert "会话已过期" in c.get("/login").get_data(as_text=True)

    login(c, "clerk_a")
    for _i in range(21):  # busy all day, but a login lasts one working day (10 hours)
        clock[0] += 29 * 60
        last = c.get("/")
    assert last.status_code == 302


def test_a_session_without_the_token_is_not_accepted(app, users):
    c = app.test_client()
    with c.session_transaction() as s:  # the form of a session from before session tokens
        s["_user_id"] = str(users["clerk_a"].id)
        s["_fresh"] = True
        s["_login_at"] = s["_seen_at"] = int(sessions.now())
    assert c.get("/").status_code == 302


def test_no_store_on_every_authenticated_page_and_the_public_check(app, users, login, clerk_client):
    for path in ("/", "/leases/", "/collection/"):
        resp = clerk_client.get(path)
        assert resp.headers["Cache-Control"] == "no-store", path
    assert app.test_client().get("/verify/").headers["Cache-Control"] == "no-store"
    with app.test_client().get("/static/counter.css") as static:
        assert "no-store" not in (static.headers.get("Cache-Control") or "")


def test_secure_cookies_and_hsts_only_when_https(app, users, login):
    plain = app.test_client()
    resp = plain.post("/login", data={"username": "clerk_a", "password": RIGHT})
    assert resp.status_code == 302 and "Secure" not in resp.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in plain.get("/").headers
    for https in ({"COUNTER_HTTPS": True}, {"PREFERRED_URL_SCHEME": "https"}):
        with other_app(app, **https) as secure:
            c = secure.test_client()
            resp = c.post("/login", data={"username": "clerk_a", "password": RIGHT}, base_url="https://localhost")
            assert resp.status_code == 302
            cookie = resp.headers["Set-Cookie"]
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
            page = c.get("/", base_url="https://localhost")
            assert page.status_code == 200 and page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_token_rotates_only_on_purpose(app, users, login):
    before = users["clerk_a"].session_token
    c = app.test_client()
    login(c, "clerk_a")
    c.get("/")
    db.session.expire_all()
    assert users["clerk_a"].session_token == before  # logging in elsewhere does not log anyone out
    c.post("/logout")
    db.session.expire_all()
    assert users["clerk_a"].session_token != before

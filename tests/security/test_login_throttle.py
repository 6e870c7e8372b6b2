"""Login throttling (issue 12): five failures in fifteen minutes lock the account (the right password too),
an administrator unlocks it, client addresses are throttled, every attempt is audited with the address,
and the counters are shared by every worker (they live in the database)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from counter.audit.models import AuditEntry
from counter.core import ratelimit
from counter.extensions import db
from security_testlib import other_app

RIGHT = "correct horse 1"


def _login(client, username="clerk_a", password="wrong password 1", **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def _failures(username="clerk_a"):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed",
                                                       AuditEntry.username == username)
                              .order_by(AuditEntry.id)).all()


def test_five_failures_lock_the_account_and_the_right_password_waits(client, users, monkeypatch):
    clock = [10_000_000]
    monkeypatch.setattr(ratelimit, "now", lambda: clock[0])
    for i in range(4):
        resp = _login(client)
        assert resp.status_code == 422 and "用户名或密码错误" in resp.get_data(as_text=True), i
    fifth = _login(client)
    assert fifth.status_code == 422 and "登录失败次数过多" in fifth.get_data(as_text=True)
    right = _login(client, password=RIGHT)
    html = right.get_data(as_text=True)
    assert right.status_code == 422 and "该账号已锁定" in html and "区管理员" in html  # waits, and says why
    assert client.get("/").status_code == 302  # not logged in
    entries = _failures()
    assert len(entries) == 6 and all(e.remote_addr == "127.0.0.1" for e in entries)
    assert [e.after["reason"] for e in entries] == ["password"] * 4 + ["locked", "locked"]
    assert entries[0].user_id == users["clerk_a"].id and entries[0].street_id == users["clerk_a"].street_id
    clock[0] += 15 * 60 + 1  # fifteen minutes later the account may try again
    assert _login(client, password=RIGHT).status_code == 302


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client, users, monkeypatch):
    clock = [20_000_000]
    monkeypatch.setattr(ratelimit, "now", lambda: clock[0])
    for _i in range(4):
        _login(client)
    clock[0] += 15 * 60 + 1
    for _i in range(4):
        assert "用户名或密码错误" in _login(client).get_data(as_text=True)
    assert _login(client, password=RIGHT).status_code == 302


def test_a_successful_login_is_audited_with_the_address(client, users, login):
    login(client, "clerk_a")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login"))
    assert entry.username == "clerk_a" and entry.remote_addr == "127.0.0.1" and entry.after["address"] == "127.0.0.1"


def test_unknown_user_names_are_throttled_alike(client, users):
    for _i in range(5):
        _login(client, username="nobody.here")
    html = _login(client, username="nobody.here").get_data(as_text=True)
    assert "该账号已锁定" in html  # no difference between existing and unknown accounts
    assert len(_failures("nobody.here")) == 6


def test_admin_sees_the_lock_and_unlocks(app, client, users, admin_client):
    for _i in range(5):
        _login(client)
    page = admin_client.get("/admin/users").get_data(as_text=True)
    uid = users["clerk_a"].id
    assert f'id="locked-{uid}"' in page and f"/admin/users/{uid}/unlock" in page
    assert admin_client.post(f"/admin/users/{uid}/unlock").status_code == 302
    assert f'id="locked-{uid}"' not in admin_client.get("/admin/users").get_data(as_text=True)
    assert _login(client, password=RIGHT).status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.unlock")).username == "admin"


def test_unlock_is_for_administrators_only(supervisor_client, users):
    assert supervisor_client.post(f"/admin/users/{users['clerk_a'].id}/unlock").status_code == 403


def test_one_address_is_blocked_after_many_failures_on_any_accounts(app, client, users):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 6
    for i in range(6):
        _login(client, username=f"guess{i}")
    html = _login(client, username="clerk_b", password=RIGHT).get_data(as_text=True)
    assert "来自这台电脑的登录失败次数过多" in html
    other = app.test_client()  # another computer
    assert _login(other, username="clerk_b", password=RIGHT, environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(app, client, users):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    for i in range(3):  # an attacker rotating X-Forwarded-For still counts as one address
        _login(client, username=f"g{i}", headers={"X-Forwarded-For": f"198.51.100.{i}"})
    assert "来自这台电脑" in _login(client, username="clerk_b", password=RIGHT,
                                    headers={"X-Forwarded-For": "198.51.100.77"}).get_data(as_text=True)


def test_behind_a_trusted_proxy_the_forwarded_address_counts(app, users):
    with other_app(app, COUNTER_TRUSTED_PROXIES=1, LOGIN_ADDRESS_MAX_FAILURES=3) as proxied:
        _proxied_logins(proxied.test_client())


def _proxied_logins(c):
    for i in range(3):
        _login(c, username=f"p{i}", headers={"X-Forwarded-For": "203.0.113.5"})
    assert "来自这台电脑" in _login(c, username="clerk_b", password=RIGHT,
                                    headers={"X-Forwarded-For": "203.0.113.5"}).get_data(as_text=True)
    resp = _login(c, username="clerk_b", password=RIGHT, headers={"X-Forwarded-For": "203.0.113.6"})
    assert resp.status_code == 302  # another client behind the same proxy is not blocked
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login")).all()[-1]
    assert entry.remote_addr == "203.0.113.6"


def test_two_workers_share_the_count(app, users):
    """Two app instances (two gunicorn workers, or two servers) on one database count together."""
    with other_app(app) as second:
        a, b = app.test_client(), second.test_client()
        for i in range(5):
            _login(a if i % 2 else b)
        assert "该账号已锁定" in _login(b, password=RIGHT).get_data(as_text=True)
        assert "该账号已锁定" in _login(a, password=RIGHT).get_data(as_text=True)


@pytest.mark.parametrize("password,ok", [("short1", False), ("onlyletters", False), ("1234567890", False),
                                         ("clerk_a is me 1", False), ("password123", False), ("aaaaaaaaa1", False),
                                         ("correct horse 2", True), ("租房窗口的密码2026年", True)])
def test_password_policy(app, password, ok):
    from counter.auth.services import password_problems

    with app.test_request_context():
        assert (password_problems(password, "clerk_a") == []) is ok, password_problems(password, "clerk_a")


def test_create_user_command_applies_the_policy(app, streets):
    from counter.cli import main

    runner = app.test_cli_runner()
    weak = runner.invoke(main, ["create-user", "--username", "weak.user", "--role", "clerk", "--street", "FT01",
                                "--password", "12345678"])
    assert weak.exit_code != 0 and "10" in weak.output
    strong = runner.invoke(main, ["create-user", "--username", "good.user", "--role", "clerk", "--street", "FT01",
                                  "--password", "window seven 7"])
    assert strong.exit_code == 0, strong.output

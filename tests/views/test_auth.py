"""Accounts: login, logout, CSRF, password hashing, the users CLI."""

from __future__ import annotations

import re

import sqlalchemy as sa

from syndication.extensions import db
from syndication.models import PartnerStatus, Role, User
from tests.factories import PASSWORD


def test_staff_logs_in_and_lands_on_the_dashboard(client, auth, make_user):
    make_user(Role.STAFF, email="desk@example.org")
    response = auth.login("desk@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_partner_logs_in_and_lands_on_the_portal(auth, make_user, make_partner):
    make_user(Role.PARTNER, partner=make_partner(), email="ed@outlet.example")
    assert auth.login("ed@outlet.example").headers["Location"] == "/portal/"


def test_wrong_password_is_refused_in_the_page(auth, make_user):
    make_user(email="desk@example.org")
    response = auth.login("desk@example.org", "not the password")
    assert response.status_code == 422
    assert b"do not match an account" in response.data


def test_passwords_are_stored_as_argon2id_hashes(make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_ignores_an_offsite_next_url(auth, make_user, client):
    make_user(email="desk@example.org")
    response = auth.login("desk@example.org", PASSWORD, query="?next=https://evil.example/")
    assert response.headers["Location"] == "/staff/"


def test_logout_needs_a_post(client, auth, make_user):
    make_user(email="desk@example.org")
    auth.login("desk@example.org")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/staff/").status_code == 302


def test_forms_refuse_a_post_without_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_the_login_sets_the_session_every_page_then_reads_unchanged(
    app, client, auth, make_user, make_partner
):
    """The new session's CSRF secret comes with the login's cookie, not with the first form."""
    make_user(Role.PARTNER, partner=make_partner(), email="ed@outlet.example")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = _csrf_token(client.get("/login").text)
        login = client.post(
            "/login",
            data={"email": "ed@outlet.example", "password": PASSWORD, "csrf_token": token},
        )
        assert login.status_code == 302
        catalogue = client.get("/portal/catalogue")
        assert catalogue.status_code == 200 and 'name="csrf_token"' in catalogue.text
        assert not catalogue.headers.getlist("Set-Cookie")
        # The token the page carries is good for the session the login made.
        logout = client.post("/logout", data={"csrf_token": _csrf_token(catalogue.text)})
        assert logout.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def test_suspending_a_partner_ends_its_users_sessions(client, auth, make_user, make_partner):
    partner = make_partner()
    make_user(Role.PARTNER, partner=partner, email="ed@outlet.example")
    auth.login("ed@outlet.example")
    assert client.get("/portal/").status_code == 200
    partner.status = PartnerStatus.SUSPENDED
    db.session.commit()
    assert client.get("/portal/").status_code == 302


def test_bumping_the_session_version_logs_the_user_out(client, auth, make_user):
    user = make_user(email="desk@example.org")
    auth.login("desk@example.org")
    user.session_version += 1
    db.session.commit()
    assert client.get("/staff/").status_code == 302


def test_cli_creates_a_staff_user(runner):
    result = runner.invoke(
        args=["users", "create", "--role", "staff", "new@example.org", "--password", PASSWORD],
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert user.role is Role.STAFF


def test_cli_refuses_a_duplicate_user(runner, make_user):
    make_user(email="dup@example.org")
    result = runner.invoke(args=["users", "create", "dup@example.org", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_repeated_login_attempts_are_slowed_down(app, client, make_user):
    make_user(email="desk@example.org")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [
            client.post(
                "/login", data={"email": "desk@example.org", "password": "guess"}
            ).status_code
            for _ in range(4)
        ]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "100000 per minute"
    assert codes == [422, 422, 422, 429]

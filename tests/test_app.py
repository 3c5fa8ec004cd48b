"""The app factory and configuration."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory

from config import ProductionConfig
from syndication import ROOT, create_app


def test_blueprints_are_registered(app):
    assert {"auth", "staff", "portal", "api", "public"} <= set(app.blueprints)


def test_templates_come_from_the_top_level_folder(app):
    assert app.template_folder.endswith("templates")
    assert "syndication" not in app.template_folder.split("/")[-2:]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/syndication")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_reads_database_url_and_uses_psycopg(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/syndication")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://syndication.example.org")
    monkeypatch.setenv("WEBHOOK_SECRET_KEYS", "x" * 43 + "=")
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db.internal/syndication"
    assert config.SESSION_COOKIE_SECURE is True


def test_production_refuses_to_start_without_webhook_secret_keys(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/syndication")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://syndication.example.org")
    monkeypatch.delenv("WEBHOOK_SECRET_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="WEBHOOK_SECRET_KEYS"):
        ProductionConfig()


def test_health_endpoint_reports_the_database_and_its_schema(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"
    assert answer.json["database"] == "ok"
    # The newest migration: a deploy can see that `flask db upgrade` ran.
    heads = ScriptDirectory(str(ROOT / "migrations")).get_heads()
    assert [answer.json["schema"]] == heads


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert "Bearer" in response.json["detail"]


def test_pages_link_an_icon_that_is_served(client):
    # Without one every page view asks for /favicon.ico and logs a 404 in the browser.
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")


def test_health_endpoint_answers_503_when_the_database_is_not_migrated(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["status"] == "unavailable"


def test_the_navigation_kept_per_page_and_role_shows_each_role_its_own(
    client, auth, make_user, make_partner
):
    """The links are rendered once per page and role (templating.nav_menu): an admin's
    links never reach staff, a partner's page never marks another page as current."""
    from syndication.models import Role

    make_user(Role.ADMIN, email="admin@desk.example")
    make_user(Role.STAFF, email="staff@desk.example")
    make_user(Role.PARTNER, partner=make_partner(), email="ed@outlet.example")
    assert 'href="/login"' in client.get("/apply").text
    auth.login("admin@desk.example")
    admin = client.get("/staff/partners").text
    assert "Background work" in admin and "Log out" in admin
    assert 'href="/staff/partners" aria-current="page"' in admin
    auth.logout()
    auth.login("staff@desk.example")
    staff = client.get("/staff/partners").text
    assert "Background work" not in staff and "Partners" in staff
    auth.logout()
    auth.login("ed@outlet.example")
    catalogue = client.get("/portal/catalogue").text
    assert 'href="/portal/catalogue" aria-current="page"' in catalogue
    assert 'href="/portal/downloads" aria-current' not in catalogue
    assert "/staff/" not in catalogue and "ed@outlet.example" in catalogue
    downloads = client.get("/portal/downloads").text
    assert 'href="/portal/downloads" aria-current="page"' in downloads
    assert 'href="/portal/catalogue" aria-current' not in downloads

"""Syndication Desk: a syndication licensing and republishing manager."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

# Flask is imported inside create_app so that the pure packages (ingest, rules,
# packaging) can be imported, tested and benchmarked without loading it.
if TYPE_CHECKING:
    from flask import Flask

    from config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | Config | dict | str | None = None) -> Flask:
    """Build the app: ``config`` is a config class/object, a name, or a dict of overrides.

    Without one, the ``SYNDICATION_CONFIG`` environment variable names the
    config (development, testing, production); the default is development.
    """
    from flask_openapi3 import Info, OpenAPI

    from config import CONFIGS
    from syndication.errors import validation_problem

    # OpenAPI is Flask plus the API's generated OpenAPI 3.1 document; the
    # document is served by the API blueprint itself, so no doc UI routes.
    app = OpenAPI(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
        info=Info(title="Syndication Desk partner API", version="1.0.0"),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        doc_ui=False,
        validation_error_callback=validation_problem,
    )
    overrides: dict = {}
    if isinstance(config, dict):
        overrides, config = config, None
    if config is None or isinstance(config, str):
        name = config or os.environ.get("SYNDICATION_CONFIG", "development")
        config = CONFIGS[name]
    app.config.from_object(config() if isinstance(config, type) else config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        from syndication.security import instance_secret_key

        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The ping guards against server connections dropped while idle; a SQLite
        # file has none to drop, and the ping would cost a query per request.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }

    from syndication import inputs

    # Before any blueprint adds a route: the routes bind the converters they name.
    inputs.register(app)
    _init_extensions(app)
    _register_blueprints(app)

    from syndication import cli, errors, headers, templating

    errors.register(app)
    headers.register(app)
    templating.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from syndication import (
        models,  # noqa: F401  (the models must be mapped first)
        security,
        tasks,
    )
    from syndication.extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    security.configure(fast=app.config.get("PASSWORD_HASH_FAST", False))
    tasks.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from syndication.views import api, auth, feeds, portal, public, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp, url_prefix="/staff")
    app.register_blueprint(portal.bp, url_prefix="/portal")
    app.register_blueprint(feeds.bp)
    app.register_api(api.bp)

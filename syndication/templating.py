"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, get_template_attribute, request
from flask_login import current_user
from markupsafe import Markup

# Navigations kept per app (nav_menu): pages times roles, a few hundred at most.
NAV_MENUS_KEPT = 1_000


def format_date(value: datetime | None, fmt: str = "%d %b %Y") -> str:
    return value.strftime(fmt) if value else "—"


def format_datetime(value: datetime | None) -> str:
    return value.strftime("%d %b %Y %H:%M UTC") if value else "—"


def format_number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "—"


def plural(count: int | None, singular: str, plural_form: str | None = None) -> str:
    """A count with its noun in the right number: "1 article", "2 articles", "0 articles"."""
    count = count or 0
    noun = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {noun}"


def nav_menu() -> Markup:
    """The navigation's links (macros/ui.html's nav_menu) for this page and this role.

    They depend on nothing else (and on the path the app is served under), so each is
    rendered once per app and kept: a dozen links, each a macro call and a url_for,
    cost a page more than most of its content.
    """
    signed_in = bool(current_user.is_authenticated)
    role = (signed_in, signed_in and current_user.is_staff, signed_in and current_user.is_admin)
    key = (request.script_root, request.endpoint, *role)
    kept: dict = current_app.extensions.setdefault("nav_menus", {})
    html = kept.get(key)
    if html is None:
        html = Markup(get_template_attribute("macros/ui.html", "nav_menu")(*role))
        if len(kept) >= NAV_MENUS_KEPT:
            kept.clear()
        kept[key] = html
    return html


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.globals["nav_menu"] = nav_menu
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

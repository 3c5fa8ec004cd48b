"""Jinja filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask


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


def register(app: Flask) -> None:
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

"""Keyset pages, newest first by id: what the API's cursors walk."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from syndication.extensions import db


def newest_first(
    query: sa.Select, model: Any, *, before: int | None, limit: int
) -> tuple[list, bool]:
    """Up to ``limit`` rows of ``query`` with ids below ``before``, newest first, and
    whether more follow. Keyset rather than offset: a page costs the same however deep."""
    if before is not None:
        query = query.where(model.id < before)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit

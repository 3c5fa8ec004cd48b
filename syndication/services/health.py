"""What a load balancer or a deploy asks before sending traffic: can this process serve?"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from syndication.extensions import db


def check() -> dict[str, str]:
    """Each dependency a request needs, as ``ok`` or the reason it failed.

    The database is the only one every request needs; it is asked for the
    schema version too, so a deploy can see that migrations ran.
    """
    try:
        version = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "unavailable", "database": type(exc).__name__}
    return {"status": "ok", "database": "ok", "schema": version or "none"}

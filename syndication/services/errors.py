"""Domain errors: a message for people and an HTTP status, raised by services.

The app answers them in one place (``syndication.errors``): problem+json with
the error's own status for machines, a page (or a flashed message) for people.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from syndication.extensions import db


class DomainError(Exception):
    """An operation was refused; ``str(error)`` says why, in words for people."""

    status = 400


class Invalid(DomainError):
    """Understood, but not acceptable as given (a reason missing, a transition not allowed)."""

    status = 422


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the object first, or it already exists."""

    status = 409


def is_write_conflict(exc: Exception) -> bool:
    """True when a commit lost a race with another transaction on the same rows.

    PostgreSQL makes the loser's conditional UPDATE match no row (StaleDataError);
    SQLite refuses the loser's write while the winner holds or has just released
    the write lock ("database is locked").
    """
    if isinstance(exc, StaleDataError):
        return True
    return "database is locked" in str(getattr(exc, "orig", exc))


@contextmanager
def write_conflicts_as(message: str) -> Iterator[None]:
    """Inside, a write that lost a race is rolled back and becomes Conflict(message).

    Wrap the writes and the commit: the conditional UPDATE of a versioned row
    runs at flush, and only a lost race is turned into words; other errors pass.
    """
    try:
        yield
    except (StaleDataError, sa.exc.OperationalError) as exc:
        db.session.rollback()
        if not is_write_conflict(exc):
            raise
        raise Conflict(message) from exc


class Gone(DomainError):
    """The object was withdrawn for good (a revoked grant, a taken-down article)."""

    status = 410


class Forbidden(DomainError):
    """The object exists and is the caller's, but may not be used now (expired, revoked)."""

    status = 403

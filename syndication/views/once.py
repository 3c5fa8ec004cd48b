"""Secrets shown once, after the redirect: POST makes them, the next page shows them.

A form that creates a key, a feed token or a signing secret answers with a
redirect (so a reload never makes a second one); the secret rides in the
session to the page the redirect leads to, which takes it out as it shows it.
That page is sent with ``Cache-Control: no-store``, and reloading it shows the
secret no more.
"""

from __future__ import annotations

from flask import session

_KEY = "shown_once"


def keep(kind: str, value: str) -> None:
    """Keep a secret for the next page of its kind."""
    session[_KEY] = {"kind": kind, "value": value}


def take(kind: str) -> str | None:
    """The secret kept for this kind of page, removed as it is read (None if none)."""
    kept = session.get(_KEY)
    if not kept or kept.get("kind") != kind:
        return None
    session.pop(_KEY)
    return kept["value"]


NO_STORE = {"Cache-Control": "no-store"}

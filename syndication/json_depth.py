"""How deep JSON data nests: real data nests a few levels, and deeper is none to read.

``json.loads`` raises RecursionError past about a thousand levels, and whatever
then walks the result by recursion (lower-casing keys, reading an author's
name) runs out of stack well before that: the API refuses bodies, and the
importers files and structured data, that nest deeper than theirs ever do.
Pure: no Flask, no database.
"""

from __future__ import annotations

from typing import Any


def nests_within(data: Any, limit: int) -> bool:
    """True when ``data`` holds no more than ``limit`` levels of arrays and objects."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return False
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return True

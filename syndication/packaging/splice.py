"""Templates of files that every grant of a revision shares but for a few values.

A builder writes its file once with a mark (:func:`mark`) in place of each
grant's value; :func:`split` cuts the output at the marks into a
:class:`Template`, kept per revision and shape of grant; each grant's file is
then the template's pieces joined with its values, escaped as the writer would
have escaped them (:meth:`Template.join`). Byte for byte the file the builder
writes whole (tested for every format that uses it): where a mark is not found
exactly once (a value of the revision holding a mark's characters), there is
no template and the builder writes the file whole.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Generic, TypeVar

from syndication.packaging.inputs import REVISIONS_KEPT

# Private-use characters around the value's number: no writer escapes them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_OPEN_BYTES = _OPEN.encode()
_MARKS = re.compile(f"{_OPEN}([0-9]+){_CLOSE}".encode())
# A mark as a JSON string: the quotes go with it, the value's JSON brings its own.
_QUOTED_MARKS = re.compile(f'"{_OPEN}([0-9]+){_CLOSE}"'.encode())


def mark(n: int) -> str:
    """What stands for value number ``n`` while a template is written."""
    return f"{_OPEN}{n}{_CLOSE}"


@dataclass(frozen=True, slots=True)
class Template:
    """The bytes between the values (one more than the values), and each value's number."""

    pieces: tuple[bytes, ...]
    order: tuple[int, ...]
    # Picks the values in the order they go, in C: every grant's file joins the template.
    _pick: Callable[[Sequence[bytes]], Sequence[bytes]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if len(self.pieces) != len(self.order) + 1:
            raise ValueError("a template has one piece more than it has values")
        order = self.order
        # itemgetter of one index gives the value itself, not a tuple of it.
        pick = itemgetter(*order) if len(order) > 1 else lambda values: [values[n] for n in order]
        object.__setattr__(self, "_pick", pick)

    def join(self, values: Sequence[bytes]) -> bytes:
        """The file with ``values[n]`` (escaped already) where mark ``n`` was."""
        parts = [b""] * (2 * len(self.pieces) - 1)
        parts[0::2] = self.pieces
        parts[1::2] = self._pick(values)
        return b"".join(parts)

    def map(self, change: Callable[[bytes], bytes]) -> Template:
        """The same template with every piece changed (say, made ASCII-safe)."""
        return Template(tuple(change(piece) for piece in self.pieces), self.order)


def split(data: bytes, *, quoted: bool = False) -> Template | None:
    """``data`` cut at its marks (``quoted``: marks written as JSON strings, quotes and all).

    None when a mark occurs twice, or the output holds a mark's opening
    character anywhere else: then the revision itself holds one.
    """
    pieces = (_QUOTED_MARKS if quoted else _MARKS).split(data)
    order = tuple(int(n) for n in pieces[1::2])
    if len(order) != len(set(order)) or data.count(_OPEN_BYTES) != len(order):
        return None
    return Template(tuple(pieces[0::2]), order)


_SEEN = object()
T = TypeVar("T")


class OnReuse(Generic[T]):
    """Templates made on the second call with the same arguments, kept for the last few.

    ``make(*key)`` makes one (a template, or several of one file's; None: none can be).

    A template costs more to make than the file it joins to costs to write whole:
    it pays off only when a second grant of the revision reuses it (a notice's
    ten thousand do), not in a bundle or feed whose articles come once each.
    Calling returns None the first time (the caller writes the file whole), the
    template (or None, when there can be none) from then on.
    """

    def __init__(self, make: Callable[..., T | None], size: int) -> None:
        self._make, self._size = make, size
        self._kept: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()
        # The worker's threads build packages side by side: one's eviction must not
        # pull a key from under another's move_to_end.
        self._lock = threading.Lock()

    def __call__(self, *key: Hashable) -> T | None:
        kept = self._kept
        # A template made already (every grant of a notice but the first two): no lock.
        # Each OrderedDict call is atomic; another thread may evict the key between them.
        value = kept.get(key)
        if value is not None and value is not _SEEN:
            with suppress(KeyError):  # evicted just now: still this template
                kept.move_to_end(key)
            return value  # type: ignore[return-value]
        with self._lock:
            value = kept.get(key, None)
            if value is None and key not in kept:
                kept[key] = _SEEN
                if len(kept) > self._size:
                    kept.popitem(last=False)
                return None
            kept.move_to_end(key)
        if value is _SEEN:
            # Made outside the lock (it is the slow part); two threads may both make it.
            value = self._make(*key)
            with self._lock:
                if key in kept:
                    kept[key] = value
        return value  # type: ignore[return-value]

    def clear(self) -> None:
        """Forget every template and every first sight."""
        with self._lock:
            self._kept.clear()


@lru_cache(maxsize=REVISIONS_KEPT)
def encoded(text: str) -> bytes:
    """``text`` as UTF-8, encoded once for every grant's file that holds it (a revision's body
    in one of its forms: encoding a text with non-ASCII characters costs as much as the rest
    of a plain file)."""
    return text.encode()


def joined(separator: bytes, parts: Iterable[str | bytes]) -> bytes:
    """``separator.join`` of the parts as UTF-8, the ``bytes`` among them (encoded already,
    by :func:`encoded`) taken as they are: ``separator.decode().join(parts).encode()``."""
    return separator.join([part if isinstance(part, bytes) else part.encode() for part in parts])

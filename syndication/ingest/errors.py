"""The one error every importer raises when the bytes cannot be imported."""

from __future__ import annotations


class ImportFormatError(ValueError):
    """The input is not in a format we import, or is too broken to read; the message says why."""

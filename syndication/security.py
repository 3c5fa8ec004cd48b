"""Password hashing (argon2id), API-key secrets and the development secret key."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_dummy_hash: str | None = None

API_KEY_PREFIX = "sdk_"


def configure(*, fast: bool) -> None:
    """Use cheap argon2 parameters (tests only); production keeps the library defaults."""
    global _hasher, _dummy_hash
    _hasher = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else (PasswordHasher())
    )
    _dummy_hash = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def dummy_hash() -> str:
    """A hash of a random password at the current cost: checked when there is no account."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; never raises for a bad or missing hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key: (the secret shown once, its display prefix, its stored hash)."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[: len(API_KEY_PREFIX) + 6], hash_api_key(secret)


def hash_api_key(secret: str) -> str:
    # Keys are 256-bit random, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


SECRET_KEY_FILE = "secret_key"


def instance_secret_key(instance_path: str | Path) -> str:
    """The secret key kept in ``instance/secret_key``, created at random on first use.

    For development only (production refuses to start without SECRET_KEY): a
    constant in the code would let anyone sign an admin session for an
    instance started with ``make run``. The key is written to a file of its
    own and then hard-linked into place, which fails if the name exists: two
    processes starting at once agree on one complete key. Only its owner may
    read it.
    """
    path = Path(instance_path) / SECRET_KEY_FILE
    if not path.exists():
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as out:  # mkstemp makes it 0600
                out.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text().strip()

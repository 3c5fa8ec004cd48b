"""Password hashing (argon2id) and API-key secrets."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

API_KEY_PREFIX = "sdk_"


def configure(*, fast: bool) -> None:
    """Use cheap argon2 parameters (tests only); production keeps the library defaults."""
    global _hasher
    _hasher = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else (PasswordHasher())
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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

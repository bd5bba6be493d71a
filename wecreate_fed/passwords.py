"""Passwords, in one place: their length rules and their Argon2id hashes.

Argon2id is memory-hard, so a leaked database is expensive to crack. The length cap keeps
one login request cheap (Argon2 itself takes any length). Accounts (civic.accounts),
actors.local and the website's login all go through here.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH, MAX_LENGTH = 8, 1024
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with none stored, False after as long a check.

    An unknown username then costs as long as a wrong password, so a login does not tell
    which names exist.
    """
    try:
        _hasher.verify(stored or _dummy_hash(), password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def needs_rehash(stored: str) -> bool:
    """The hash was made with weaker parameters than today's: store a new one at the next login."""
    return _hasher.check_needs_rehash(stored)


@cache
def _dummy_hash() -> str:
    """Made on first use, not at import (hashing is deliberately slow)."""
    return _hasher.hash(secrets.token_urlsafe(16))

"""Password hashes: argon2id through argon2-cffi, never the password itself.

The hasher's parameters are argon2-cffi's defaults (RFC 9106's low-memory profile); a hash
made with other parameters still verifies and is replaced at the next good login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from meldkamer.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256  # longer is no safer, and hashing it costs time

hasher = PasswordHasher()  # argon2id


def check(password: str) -> None:
    """Refuse a password that is too short or too long (the password is never named)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput("the password is too short: at least {count} characters",
                           count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InvalidInput("the password is too long: at most {count} characters",
                           count=MAX_LENGTH)


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password."""
    check(password)
    return hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored hash; False for a wrong one or a bad hash."""
    try:
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with other parameters than the hasher's current ones."""
    try:
        return hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# Checked against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY: list[str] = []


def waste_time(password: str) -> None:
    """Verify against a throwaway hash (an unknown or disabled user)."""
    if not _DUMMY:
        _DUMMY.append(hasher.hash("not a password of anyone"))
    verify(_DUMMY[0], password)

"""What makes a password acceptable: long enough, and not easy to guess.

Guessability comes from zxcvbn, which ships its dictionaries in the package (no network):
the 30,000 most common passwords of public breaches, English words, names, keyboard
patterns, repeats and sequences. ``aaaaaaaaaa``, ``password123`` and ``qwertyuiop`` are
refused; a phrase of a few unusual words passes. The account's own email and name count
as known words.

Stored passwords are argon2 hashes (argon2-cffi, its default parameters).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from zxcvbn import zxcvbn

from .. import ServiceError

MIN_PASSWORD_LENGTH = 10
# zxcvbn's scale: 3 = "safely unguessable" (about 10^10 guesses), its authors' recommendation.
MIN_SCORE = 3
SCORED_CHARACTERS = 72  # zxcvbn's own limit; a longer password is judged on its start


def check_password_strength(password: str, known: Iterable[str] = ()) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    words = [w for item in known if item for w in (item, item.split("@")[0]) if w]
    if zxcvbn(password[:SCORED_CHARACTERS], user_inputs=words)["score"] < MIN_SCORE:
        raise ServiceError(
            _(
                "This password is too common or too easy to guess. "
                "Try a phrase of three or four unusual words."
            )
        )


_hasher = PasswordHasher()
# Verified against when an email is unknown, so both paths cost the same time.
_dummy_hash = _hasher.hash(secrets.token_hex(16))


def configure_hasher(cheap: bool) -> None:
    """Tests may use cheap argon2 parameters; everything else keeps argon2-cffi's defaults."""
    global _hasher, _dummy_hash
    _hasher = (
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        if cheap
        else (PasswordHasher())
    )
    _dummy_hash = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-cost check: an unknown account costs as much as a wrong password."""
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_security_stamp() -> str:
    return secrets.token_hex(16)

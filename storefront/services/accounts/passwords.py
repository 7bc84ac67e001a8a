"""What makes a password acceptable: long enough, and not easy to guess.

Guessability comes from zxcvbn, which ships its dictionaries in the package (no network):
the 30,000 most common passwords of public breaches, English words, names, keyboard
patterns, repeats and sequences. ``aaaaaaaaaa``, ``password123`` and ``qwertyuiop`` are
refused; a phrase of a few unusual words passes. The account's own email and name count
as known words.
"""

from __future__ import annotations

from collections.abc import Iterable

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

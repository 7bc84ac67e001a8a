"""A page rendered once for many viewers, with holes for what is each viewer's own.

A shared rendering stands a marker (``\\x00name\\x00``) where a viewer's own value goes: the
CSRF token, the response's script nonce, and on each catalogue card whether the viewer holds
the film. Filling the holes is a join over the pieces split once when the page was made;
what goes in them is worked out for every request. No text a viewer sees can hold the
marker's NUL character (requests carrying one are refused; PostgreSQL cannot store one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from markupsafe import Markup

CSRF = "csrf-token"
NONCE = "csp-nonce"
_OWNED = "owned:"
_HOLE = re.compile("\x00([^\x00]*)\x00")


def hole(name: str) -> str:
    return f"\x00{name}\x00"


def owned_hole(title_id: int) -> Markup:
    """Where a card says the viewer holds the film (or nothing, if they do not)."""
    return Markup(hole(f"{_OWNED}{title_id}"))  # noqa: S704 - a marker, no viewer text


@dataclass(frozen=True, slots=True)
class HoledPage:
    """The pieces of a shared rendering: text, then (hole, text) pairs.

    A hole is a name (CSRF, NONCE) or a card's title id (the viewer's "in your library").
    """

    head: str
    pieces: tuple[tuple[str | int, str], ...]
    title_ids: tuple[int, ...]  # the cards on the page, in order
    in_library: str  # the card's mark for a film the viewer holds, in the page's language

    @classmethod
    def split(cls, html: str, title_ids: Collection[int], in_library: str) -> HoledPage:
        parts = _HOLE.split(html)
        pieces: list[tuple[str | int, str]] = []
        for i in range(1, len(parts), 2):
            name, text = parts[i], parts[i + 1]
            key: str | int
            if name.startswith(_OWNED) and name[len(_OWNED) :].isdigit():
                key = int(name[len(_OWNED) :])
            elif name in (CSRF, NONCE):
                key = name
            else:  # not one of ours: leave it as it was
                pieces.append(("", hole(name) + text))
                continue
            pieces.append((key, text))
        return cls(parts[0], tuple(pieces), tuple(title_ids), in_library)

    def holes(self) -> set[str | int]:
        return {key for key, _ in self.pieces if key != ""}

    def fill(self, values: dict[str, Callable[[], str]], owned: Collection[int]) -> str:
        """The page for one viewer: ``values`` make the named holes' text (each asked once,
        and only if the page has that hole), ``owned`` are the title ids the viewer holds."""
        made: dict[str, str] = {}
        out = [self.head]
        for key, text in self.pieces:
            if isinstance(key, int):
                if key in owned:
                    out.append(self.in_library)
            elif key:
                value = made.get(key)
                if value is None:
                    value = made[key] = values[key]()
                out.append(value)
            out.append(text)
        return "".join(out)

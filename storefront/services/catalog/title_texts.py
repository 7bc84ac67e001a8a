"""A title's name, tagline and synopsis in many languages, and which one a viewer sees.

The title's own fields are the texts in its `text_language`; each TitleText row gives them in
another language. A viewer sees the row of their interface language, field by field falling
back to the title's own text, so a missing tagline never leaves a hole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...languages import is_language
from ...models import Title, TitleText
from .. import ServiceError

MAX_TEXTS_PER_TITLE = 60


class TextInvalid(ServiceError):
    """Some fields are wrong; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ShownText:
    """What a viewer reads, and in which language each part is written (for `lang`)."""

    name: str
    name_language: str
    tagline: str
    tagline_language: str
    synopsis: str
    synopsis_language: str


def texts_of(title: Title) -> list[TitleText]:
    """The title's translations, by language code."""
    return list(
        db.session.scalars(
            sa.select(TitleText).where(TitleText.title_id == title.id).order_by(TitleText.language)
        )
    )


def save_text(
    title: Title, language: str, name: str, tagline: str = "", synopsis: str = ""
) -> TitleText:
    """Add or replace the title's texts in ``language``; raises TextInvalid per field."""
    language = (language or "").strip().lower()
    name, tagline, synopsis = name.strip(), tagline.strip(), synopsis.strip()
    errors: dict[str, str] = {}
    if not is_language(language):
        errors["language"] = _("Choose a language from the list.")
    if not name:
        errors["name"] = _("Give the film a title.")
    elif len(name) > 200:
        errors["name"] = _("Use at most %(max)d characters.", max=200)
    if len(tagline) > 255:
        errors["tagline"] = _("Use at most %(max)d characters.", max=255)
    if len(synopsis) > 5000:
        errors["synopsis"] = _("Use at most %(max)d characters.", max=5000)
    existing = {text.language: text for text in texts_of(title)}
    if language not in existing and len(existing) >= MAX_TEXTS_PER_TITLE:
        errors["language"] = _(
            "A title can have at most %(count)d translations.", count=MAX_TEXTS_PER_TITLE
        )
    if errors:
        raise TextInvalid(errors)
    text = existing.get(language) or TitleText(title_id=title.id, language=language)
    text.name, text.tagline, text.synopsis = name, tagline, synopsis
    db.session.add(text)
    db.session.flush()
    return text


def delete_text(title: Title, language: str) -> bool:
    """Remove the title's texts in ``language``; False if there were none."""
    result = db.session.execute(
        sa.delete(TitleText).where(TitleText.title_id == title.id, TitleText.language == language)
    )
    db.session.flush()
    return bool(result.rowcount)


def _primary(locale: str) -> str:
    return (locale or "").replace("-", "_").split("_")[0].lower()


def shown_text(title: Title, locale: str) -> ShownText:
    """The title's texts for a viewer reading ``locale``, each falling back to the original."""
    own = title.text_language or ""
    text = db.session.scalar(
        sa.select(TitleText).where(
            TitleText.title_id == title.id, TitleText.language == _primary(locale)
        )
    )
    if text is None:
        return ShownText(title.name, own, title.tagline, own, title.synopsis, own)
    lang = text.language

    def pick(translated: str, original: str) -> tuple[str, str]:
        return (translated, lang) if translated else (original, own)

    return ShownText(
        *pick(text.name, title.name),
        *pick(text.tagline, title.tagline),
        *pick(text.synopsis, title.synopsis),
    )


def shown_names(title_ids: Sequence[int], locale: str) -> dict[int, str]:
    """Each title's name in ``locale`` where it has one (one query); callers fall back."""
    if not title_ids:
        return {}
    rows = db.session.execute(
        sa.select(TitleText.title_id, TitleText.name).where(
            TitleText.title_id.in_(title_ids), TitleText.language == _primary(locale)
        )
    ).all()
    return {title_id: name for title_id, name in rows}

"""Forms of the studio's title pages: details, images and subtitles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..countries import country_choices
from ..genres import genre_choices
from ..i18n import current_locale
from ..languages import language_choices
from ..models import AudioKind, CreditRole, ImageKind, SubtitleKind
from ..services.catalog.titles import RENTAL_START_DAYS, RENTAL_WATCH_HOURS, TitleData
from .forms import ChoicesField, at_most

# Form field name for each credit role, and its label.
CREDIT_FIELDS = {
    CreditRole.DIRECTOR: "directors",
    CreditRole.CAST: "cast",
    CreditRole.PRODUCER: "producers",
    CreditRole.CO_PRODUCER: "co_producers",
    CreditRole.WRITER: "writers",
}
ONE_PER_LINE = _l("One per line.")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _locale() -> str:
    return current_locale()


class MultiCheckboxField(ChoicesField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TitleForm(FlaskForm):
    name = StringField(_l("Title"), validators=[DataRequired(), at_most(200)])
    original_name = StringField(_l("Original title"), validators=[Optional(), at_most(200)])
    tagline = StringField(_l("Tagline"), validators=[Optional(), at_most(255)])
    synopsis = TextAreaField(_l("Synopsis"), validators=[Optional(), at_most(5000)])
    text_language = SelectField(
        _l("Language of this text"), choices=[], default="", validate_choice=False
    )
    year = IntegerField(_l("Year"), validators=[Optional()])
    genres = MultiCheckboxField(_l("Genres"), choices=[])
    # Checkboxes, not multiple selects (no Ctrl-click on a phone): the territory picker's
    # script turns them into a search box with chips (templates/_territory_picker.html).
    languages = MultiCheckboxField(_l("Spoken languages"), choices=[])
    countries = MultiCheckboxField(_l("Countries of production"), choices=[])
    directors = TextAreaField(_l("Directed by"), render_kw={"rows": 2})
    writers = TextAreaField(_l("Written by"), render_kw={"rows": 2})
    cast = TextAreaField(_l("Cast"), render_kw={"rows": 4})
    producers = TextAreaField(_l("Producers"), render_kw={"rows": 2})
    co_producers = TextAreaField(_l("Co-producers"), render_kw={"rows": 2})
    content_advisory = StringField(_l("Content advisory"), validators=[Optional(), at_most(255)])
    festival_selections = TextAreaField(_l("Festival selections"), render_kw={"rows": 3})
    rental_start_days = IntegerField(
        _l("Days a renter has to start watching"),
        default=30,
        validators=[InputRequired(), NumberRange(*RENTAL_START_DAYS)],
    )
    rental_watch_hours = IntegerField(
        _l("Hours to finish once started"),
        default=48,
        validators=[InputRequired(), NumberRange(*RENTAL_WATCH_HOURS)],
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        locale = _locale()
        self.genres.choices = genre_choices()
        self.languages.choices = language_choices(locale)
        self.text_language.choices = [("", _l("Not said")), *language_choices(locale)]
        self.countries.choices = country_choices(locale)
        for field in (self.languages, self.countries):
            field.render_kw = {"size": 8}

    def to_data(self) -> TitleData:
        return TitleData(
            name=self.name.data or "",
            original_name=self.original_name.data or "",
            synopsis=self.synopsis.data or "",
            tagline=self.tagline.data or "",
            text_language=self.text_language.data or "",
            year=self.year.data,
            genres=list(self.genres.data or []),
            languages=list(self.languages.data or []),
            countries=list(self.countries.data or []),
            credits={
                role: _lines(getattr(self, name).data) for role, name in CREDIT_FIELDS.items()
            },
            content_advisory=self.content_advisory.data or "",
            festival_selections=_lines(self.festival_selections.data),
            rental_start_days=self.rental_start_days.data or 0,
            rental_watch_hours=self.rental_watch_hours.data or 0,
        )

    def fill_from(self, data: TitleData) -> None:
        for name in (
            "name",
            "original_name",
            "tagline",
            "synopsis",
            "text_language",
            "year",
            "content_advisory",
        ):
            getattr(self, name).data = getattr(data, name)
        self.genres.data = data.genres
        self.languages.data = data.languages
        self.countries.data = data.countries
        for role, name in CREDIT_FIELDS.items():
            getattr(self, name).data = "\n".join(data.credits.get(role, []))
        self.festival_selections.data = "\n".join(data.festival_selections)
        self.rental_start_days.data = data.rental_start_days
        self.rental_watch_hours.data = data.rental_watch_hours

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the service's per-field messages next to the fields."""
        for name, message in errors.items():
            if name.startswith("credits_"):
                name = CREDIT_FIELDS[CreditRole(name.removeprefix("credits_"))]
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


class TitleTextForm(FlaskForm):
    """The title, tagline and synopsis in one more language."""

    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    name = StringField(_l("Title"), validators=[Optional(), at_most(200)])
    tagline = StringField(_l("Tagline"), validators=[Optional(), at_most(255)])
    synopsis = TextAreaField(_l("Synopsis"), validators=[Optional(), at_most(5000)])

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices(_locale())

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name)
            field.errors = [*field.errors, message]


class ImageForm(FlaskForm):
    # Ids of their own: the media page holds this form and SubtitleForm, both with a "kind".
    kind = SelectField(
        _l("Kind of image"),
        id="image-kind",
        choices=[
            SelectChoice(ImageKind.POSTER.value, _l("Poster")),
            SelectChoice(ImageKind.STILL.value, _l("Still")),
        ],
    )
    image = FileField(
        _l("Image file (JPEG, PNG or WebP)"),
        validators=[FileRequired(_l("Choose an image file."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class AudioTrackForm(FlaskForm):
    """What an audio track of the film is: its language, kind and name in the player."""

    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(AudioKind.MAIN.value, _l("Original soundtrack")),
            SelectChoice(AudioKind.DUBBED.value, _l("Dubbed")),
            SelectChoice(AudioKind.COMMENTARY.value, _l("Commentary")),
            SelectChoice(AudioKind.DESCRIPTION.value, _l("Audio description (for blind viewers)")),
        ],
        validate_choice=False,
    )
    label = StringField(_l("Label shown in the player"), validators=[Optional(), at_most(80)])

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.language.choices = [("", "—"), *language_choices(_locale())]


class SubtitleForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[], validators=[DataRequired()])
    kind = SelectField(
        _l("Kind"),
        id="subtitle-kind",
        choices=[
            SelectChoice(SubtitleKind.SUBTITLES.value, _l("Subtitles (dialogue only)")),
            SelectChoice(
                SubtitleKind.CAPTIONS.value, _l("Captions (dialogue and sounds, for deaf viewers)")
            ),
            SelectChoice(
                SubtitleKind.FORCED.value,
                _l("Forced (only foreign dialogue and on-screen text, shown to everyone)"),
            ),
        ],
    )
    label = StringField(_l("Label shown in the player"), validators=[Optional(), at_most(80)])
    file = FileField(
        _l("Subtitle file (SRT or WebVTT)"),
        validators=[FileRequired(_l("Choose a subtitle file."))],
        render_kw={"accept": ".srt,.vtt,text/vtt,application/x-subrip"},
    )

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.language.choices = [("", "—"), *language_choices(_locale())]

"""Every form of the store, sent back with one adversarial value at a time, is never a 500.

The authorization matrix (tests/test_authorization.py) posts empty, huge and NUL bodies; this
sweep posts well-formed forms whose values are what a careless or hostile visitor types: text
far past any column's width, integers past a 32-bit column, ``1e309``, ``nan``, negative
counts, dates that do not exist, choices that are not on the list, ids of rows that do not
exist or belong to another studio. PostgreSQL refuses some of these where SQLite accepts them,
so the sweep runs on both.

Each page is opened by an admin who also owns the studio of the matrix's world (a buyer's own
pages by the buyer), every ``<form method="post">`` on it is read with its own default values,
and is sent once per (field, value) with that one field replaced. Blank fields are typed in as
a person would (every one when the form takes that, else the required ones), so the one
adversarial value is what the form has to refuse. Forms sharing an action and field names are
sent once, rows of one kind (``row-0-floor``, ``row-1-floor``) stand for each other, and forms
that sign the visitor out or delete what other forms use are left to their own tests.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from storefront.extensions import db
from storefront.models import Studio, StudioMember, StudioRole, TitleStatus

from .browser.pages import NOT_PAGES
from .conftest import PASSWORD
from .test_authorization import EXPECTED, NOT_CHECKED, OK, RUN_LAST, build_world, url_values

# Forms whose success removes the visitor or what other forms need: sent by their own tests.
NOT_SENT = {*RUN_LAST, "account.delete", "studio_titles.delete"}
SKIPPED_TYPES = {"file", "submit", "button", "image", "reset"}
TEXT = "x" * 5000
NUMBERS = ("99999999999999999999", "-1", "1e309", "nan", str(10**12))
DATES = ("2026-02-30", "99999-01-01", "0000-01-01")
DATETIMES = ("2026-02-30T10:00", "99999-01-01T10:00")
NUMERIC_NAMES = (
    "amount",
    "price",
    "percent",
    "year",
    "month",
    "count",
    "cap",
    "limit",
    "seats",
    "quantity",
    "days",
    "hours",
    "minutes",
    "minimum",
    "maximum",
    "_id",
    "max_",
    "min_",
    "share",
    "number",
)
# The sweep's bound, as a count (a clock would fail on a busy machine): about 460 today, some
# 50 s on either database on an idle machine.
MAX_SUBMISSIONS = 1000
# What a person would type into a blank field, so that a form gets past its required fields
# and the adversarial value is the only thing wrong with it.
TYPED = {"email": "fuzz@example.org", "url": "https://example.org", "tel": "+4712345678"}
# Typed even where the page does not require them (a code is unique: one per submission).
TYPED_BY_NAME = {"currency": "EUR", "code": "FUZZ{serial}", "language": "de"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str | None = ""
    options: list[str] = field(default_factory=list)
    required: bool = False


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    button: tuple[str, str] | None = None  # the first named submit button

    def defaults(self, serial: int, fill: bool) -> list[tuple[str, str]]:
        """The page's values, blank fields filled as a person would: the required ones, or
        (``fill``) every one."""
        pairs = [
            (f.name, f.value or typed_value(f, serial, fill))
            for f in self.fields
            if f.value is not None
        ]
        if self.button:
            pairs.append(self.button)
        return pairs


class FormParser(HTMLParser):
    """The POST forms of a page, with the values a browser would send untouched."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: tuple[str | None, bool] | None = None
        self.option_text = ""
        self.first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.form = Form(urljoin(self.page_url, a.get("action") or self.page_url))
            return
        form = self.form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image") and form.button is None:
                form.button = (name, a.get("value", ""))
            if kind in SKIPPED_TYPES:
                return
            if kind in ("checkbox", "radio"):
                existing = next((f for f in form.fields if f.name == name), None)
                if kind == "radio" and existing:
                    existing.options.append(a.get("value", "on"))
                    if "checked" in a:
                        existing.value = a.get("value", "on")
                    return
                checked = "checked" in a
                form.fields.append(
                    Field(
                        name,
                        kind,
                        a.get("value", "on") if checked else None,
                        [a.get("value", "on")],
                    )
                )
                return
            form.fields.append(Field(name, kind, a.get("value", ""), required="required" in a))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            if form.button is None:
                form.button = (name, a.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea", "", required="required" in a)
            form.fields.append(self.textarea)
        elif tag == "select" and name:
            self.select = Field(name, "select", None)
            self.first_option = None
            form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option = (a.get("value"), "selected" in a)
            self.option_text = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option_text += data

    def _close_option(self) -> None:
        if self.option is None or self.select is None:
            return
        value, selected = self.option
        value = self.option_text.strip() if value is None else value
        self.select.options.append(value)
        if self.first_option is None:
            self.first_option = value
        if selected:
            self.select.value = value
        self.option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self.select is not None:
            self._close_option()
            if self.select.value is None:
                self.select.value = self.first_option
            self.select = None
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None


def is_numeric(f: Field) -> bool:
    if f.kind == "hidden":
        return (f.value or "").isdigit()
    name = f.name.lower()
    return f.kind in ("number", "range") or any(part in name for part in NUMERIC_NAMES)


def typed_value(f: Field, serial: int, fill: bool) -> str:
    """A sound value for a field the page leaves blank, or blank where it may stay so."""
    by_name = next((v for k, v in TYPED_BY_NAME.items() if f.name.endswith(k)), None)
    if by_name is not None and f.kind not in ("hidden", "select", "checkbox", "radio"):
        return by_name.format(serial=serial)
    if not (f.required or fill) or f.kind in ("hidden", "select", "checkbox", "radio"):
        return ""
    later = date.today() + timedelta(days=30)
    if any(word in f.name for word in ("until", "ends", "closes")):
        later += timedelta(days=5)  # a period's end after its start
    if f.kind == "date":
        return later.isoformat()
    if f.kind == "datetime-local":
        return f"{later.isoformat()}T20:00"
    if f.kind in TYPED:
        return TYPED[f.kind]
    if f.kind == "password":
        return ""  # changing a password or an email asks for the current one: left out
    if is_numeric(f):
        return "5"
    return f"Fuzz {serial}"


def adversarial_values(f: Field, foreign_ids: list[str]) -> list[str]:
    """What to put in this one field instead of its default."""
    numeric = is_numeric(f)
    if f.kind == "date":
        return list(DATES)
    if f.kind == "datetime-local":
        return list(DATETIMES)
    if f.kind in ("select", "radio"):
        values = ["not-an-option"]
        if any(option.isdigit() for option in f.options):
            values += ["99999999999999999999", "2147483647", *foreign_ids]
        return values
    if f.kind == "checkbox":
        return ["x" * 300]
    if numeric:
        return list(NUMBERS)
    return [TEXT]


def _login(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert client.get("/account/").status_code == 200
    return client


def collect_forms(app, world, clients) -> list[tuple[str, str, Form]]:  # type: ignore[no-untyped-def]
    """(endpoint, visitor, form) of every distinct POST form on every page."""
    adapter = app.url_map.bind("localhost")
    seen: set[tuple[str, tuple[str, ...]]] = set()
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        endpoint = rule.endpoint
        if "GET" not in rule.methods or endpoint in NOT_CHECKED | NOT_PAGES | set(RUN_LAST):
            continue
        outcomes = EXPECTED[(endpoint, "GET")]
        visitor = next((v for v in ("admin", "buyer") if outcomes[v] == OK), None)
        if visitor is None:
            continue
        path = adapter.build(endpoint, url_values(endpoint, rule, world))
        response = clients[visitor].get(path, headers={"X-Test-Country": "NO"})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = FormParser(f"http://localhost{path}")
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            target = urlsplit(form.action)
            if target.netloc not in ("", "localhost"):
                continue
            try:
                posted, _ = adapter.match(target.path, method="POST")
            except HTTPException:  # a form to nowhere: the link checks' concern
                continue
            key = (posted, tuple(sorted(f.name for f in form.fields)))
            if posted in NOT_SENT or key in seen:
                continue
            seen.add(key)
            found.append((posted, visitor, form))
    return found


def test_no_form_value_is_a_server_error(app, make_user, make_studio, make_title):
    started = time.monotonic()
    world = build_world(app, make_user, make_studio, make_title)
    admin = world.users["admin"]
    db.session.add(
        StudioMember(studio_id=world.values["studio_id"], user_id=admin.id, role=StudioRole.OWNER)
    )
    rival = db.session.scalar(
        db.select(StudioMember.studio_id).filter_by(user_id=world.users["other_studio"].id)
    )
    foreign = make_title(
        "Rival Film", studio=db.session.get(Studio, rival), status=TitleStatus.PUBLISHED
    )
    db.session.commit()
    clients = {"admin": _login(app, "admin@example.org"), "buyer": _login(app, "buyer@example.org")}
    forms = collect_forms(app, world, clients)
    assert len(forms) > 30, [e for e, _, _ in forms]
    failures: list[str] = []
    sent = 0

    def send(endpoint: str, visitor: str, form: Form, data: list, what: str) -> int:
        nonlocal sent
        sent += 1
        try:
            response = clients[visitor].post(
                form.action, data=MultiDict(data), headers={"X-Test-Country": "NO"}
            )
        except Exception as exc:  # noqa: BLE001 - even the error page failed
            failures.append(f"{endpoint} {what}: {exc!r:.200}")
            return 500
        response.close()
        if response.status_code >= 500:
            failures.append(f"{endpoint} {what}: {response.status_code}")
        return response.status_code

    for endpoint, visitor, form in forms:
        # Every blank field typed in, when the form takes that; else only the required ones,
        # so that the one adversarial value is all that is wrong with a submission.
        fill = send(endpoint, visitor, form, form.defaults(sent, fill=True), "filled in") < 400
        shapes = set()
        for target in form.fields:
            # Rows of one kind (offers-0-amount, offers-1-amount) and a list's checkboxes are
            # handled by the same code: the first of each stands for all.
            shape = re.sub(r"\d+", "N", target.name)
            if target.name == "csrf_token" or shape in shapes:  # CSRF is off in tests
                continue
            shapes.add(shape)
            for value in adversarial_values(target, [str(foreign.id)]):
                defaults = form.defaults(sent, fill)
                data = [(n, v) for n, v in defaults if n != target.name] + [(target.name, value)]
                shown = value if len(value) < 40 else f"{value[:10]}...({len(value)})"
                send(endpoint, visitor, form, data, f"{target.name}={shown!r}")
    took = time.monotonic() - started
    print(f"{len(forms)} forms, {sent} submissions in {took:.1f} s")
    assert not failures, "\n".join(failures)
    assert sent <= MAX_SUBMISSIONS, f"{sent} submissions ({took:.0f} s): dedupe more forms"

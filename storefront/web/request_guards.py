"""What a request may carry before any view sees it.

* Bodies are small everywhere (``MAX_REQUEST_BYTES``, 1 MiB): a form or JSON call needs no
  more, and a large body of millions of empty fields would cost a request thread seconds
  of parsing. A route that really takes a file says so with :func:`accepts_files`, which
  raises the limit for that route only, by the size of the files it takes.
* Forms carry at most ``MAX_FORM_PARTS`` fields and ``MAX_FORM_MEMORY_SIZE`` bytes of text,
  url-encoded as well as multipart (Werkzeug limits only multipart).
* No NUL character in the path, the query, a form field or an uploaded file's name:
  PostgreSQL refuses them in text, so they would end as a 500 deep in a service.
* JSON bodies nested deeper than ``MAX_JSON_DEPTH``, or holding a NUL, are refused like
  malformed JSON (each route's own 400).
* An ``<int:...>`` in a path matches only what an integer column can hold: a larger number
  names no row (404), instead of an overflow in the database.

Video parts never pass here: browsers upload them straight to storage, or to the local
storage route, which limits its body by the part's signed size.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from flask import Flask, Request, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from ..models.base import INT_MAX

F = TypeVar("F", bound=Callable[..., Any])
# Room for the other fields of a form that carries a file.
FORM_OVERHEAD_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def accepts_files(*size_settings: str) -> Callable[[F], F]:
    """Let this view's requests be as large as the files it takes (the named settings).

    ``@accepts_files("IMAGE_MAX_BYTES")`` under the route decorator; everything else keeps
    MAX_REQUEST_BYTES.
    """

    def mark(view: F) -> F:
        view.accepts_files = size_settings  # type: ignore[attr-defined]
        return view

    return mark


def body_limit(view: Callable[..., Any] | None) -> int:
    """The largest body the view accepts."""
    config = current_app.config
    settings = getattr(view, "accepts_files", ())
    if not settings:
        return int(config["MAX_CONTENT_LENGTH"])
    return sum(int(config[name]) for name in settings) + FORM_OVERHEAD_BYTES


class LimitedFormDataParser(FormDataParser):
    """Werkzeug's parser, with its multipart limits applied to url-encoded bodies too."""

    def _parse_urlencoded(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> Any:
        limit = self.max_form_memory_size
        if limit is not None and content_length is not None and content_length > limit:
            raise RequestEntityTooLarge()
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestEntityTooLarge()
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        items = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return stream, self.cls(items), self.cls()


class GuardedRequest(Request):
    form_data_parser_class = LimitedFormDataParser


def _refuse_deep_or_nul(value: object) -> None:
    """Walk parsed JSON without recursion: refuse deep nesting and NUL characters."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ValueError("NUL character in JSON")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(key, str) and "\x00" in key:
                raise ValueError("NUL character in JSON")
            stack.append((child, depth + 1))


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what would otherwise surface as a 500 (see the module doc)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        _refuse_deep_or_nul(value)
        return value


def _has_nul(pairs: Any) -> bool:
    return any(
        "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values)
        for key, values in pairs
    )


def _guard_request() -> ResponseReturnValue | None:
    request.max_content_length = body_limit(current_app.view_functions.get(request.endpoint or ""))
    suspicious = "\x00" in request.path or _has_nul(request.args.lists())
    if not suspicious and request.mimetype in FORM_TYPES:
        suspicious = _has_nul(request.form.lists()) or any(
            "\x00" in (upload.filename or "") for upload in request.files.values()
        )
    if suspicious:
        from .errors import render_error

        return render_error(400, _("The request contains a character that is not allowed."))
    return None


class RowIdConverter(IntegerConverter):
    """``<int:...>`` up to INT_MAX unless the rule says otherwise."""

    def __init__(self, map: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Install the guards; call before CSRFProtect so they run before it reads the form,
    and before the blueprints so that their rules use the bounded ``int``."""
    app.url_map.converters["int"] = RowIdConverter
    app.request_class = GuardedRequest
    app.json = GuardedJSONProvider(app)
    app.before_request(_guard_request)

"""Files sent as responses (static assets, locally stored media) are closed even when the
client goes away mid-download.

Werkzeug's own server (``flask run``, the browser tests) skips the response's close() when the
client resets the connection while the server drains the request after the body, as browsers
do when they abandon a segment, a favicon or a stylesheet: the file was left open for the
garbage collector to find. Production servers bring their own ``wsgi.file_wrapper`` and keep
it; where none is given, this one closes its file when dropped as well as on close().
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from werkzeug.wsgi import FileWrapper


class ClosingFileWrapper(FileWrapper):
    """Werkzeug's file wrapper, closing its file when dropped as well as on close()."""

    def __del__(self) -> None:
        self.close()


def init_app(app: Flask) -> None:
    """Every response of ``app`` that sends a file uses the closing wrapper by default."""
    inner = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.setdefault("wsgi.file_wrapper", ClosingFileWrapper)
        return inner(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]

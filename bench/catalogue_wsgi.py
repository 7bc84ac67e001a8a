"""WSGI entry points for the catalogue benchmark: the store itself, or a bare Flask route.

``BENCH_APP=bare`` serves a one-line Flask app, the yardstick the catalogue is divided by.
"""

from __future__ import annotations

import os

from flask import Flask

if os.environ.get("BENCH_APP") == "bare":
    app = Flask(__name__)

    @app.get("/films")
    def bare() -> str:
        return "ok"

else:
    from storefront import create_app

    app = create_app()

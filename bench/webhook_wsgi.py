"""WSGI entry points for the webhook benchmark: the store itself, or a bare Flask route.

``BENCH_APP=bare`` serves a one-line Flask endpoint that reads the body and answers 200: the
yardstick for what this machine, gunicorn and the load generator cost on their own.
"""

from __future__ import annotations

import os

from flask import Flask, request

if os.environ.get("BENCH_APP") == "bare":
    app = Flask(__name__)

    @app.post("/webhooks/stripe")
    def bare() -> tuple[str, int]:
        return ("ok", 200) if request.get_data() != b"{}" else ("unsigned", 400)

else:
    from storefront import create_app

    app = create_app()

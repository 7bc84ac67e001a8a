"""Flask extensions, created unbound here and initialised in create_app()."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def client_address() -> str:
    """Who sent this request: the socket peer, or behind GEO_TRUSTED_PROXIES the first
    X-Forwarded-For hop they did not add. Rate limits, geolocation and logs all use it."""
    peer = request.remote_addr
    return current_app.extensions["geo"].client_address(peer, request.headers) or peer or "?"


# Storage URI comes from config (memory:// by default, Redis when REDIS_URL is set).
limiter = Limiter(key_func=client_address, default_limits=[])

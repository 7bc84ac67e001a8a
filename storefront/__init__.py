"""The storefront application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .config import check_config, load_config

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> adapters -> blueprints -> errors -> cli."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.config.update(load_config(instance_path=app.instance_path))
    if overrides:
        app.config.update(overrides)
    for warning in check_config(app.config):
        app.logger.warning(warning)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_adapters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import i18n, security
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .web import file_responses, request_guards

    file_responses.init_app(app)
    # Before CSRFProtect, which reads the form: the body limits must already apply.
    request_guards.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(ROOT / "storefront" / "translations"),
    )
    i18n.init_app(app)
    security.init_app(app, login_manager)

    from .db import init_request_transactions

    init_request_transactions(app, db)


def register_adapters(app: Flask) -> None:
    from .adapters.geo import build_geo
    from .adapters.mail import build_mailer
    from .adapters.payments import build_gateway
    from .adapters.storage import build_storage
    from .adapters.storage.cdn import build_cdn
    from .jobs import init_jobs
    from .tasks.payments import defer_offline_delivery
    from .web.media_files import media_url_for_token
    from .web.test_checkout import page_url

    # Adapters that hand out links take URL builders from the web layer; they never import it.
    app.extensions["mailer"] = build_mailer(app.config)
    app.extensions["geo"] = build_geo(app.config)
    app.extensions["storage"] = build_storage(app.config, url_for_token=media_url_for_token)
    app.extensions["cdn"] = build_cdn(app.config)  # None: links go straight to storage
    app.extensions["payments"] = build_gateway(
        app.config, offline_page_url=page_url, offline_notify=defer_offline_delivery
    )
    init_jobs(app)


def register_blueprints(app: Flask) -> None:
    from .web import (
        account,
        admin,
        admin_accounts,
        admin_audit,
        admin_revenue,
        admin_rights,
        auth,
        bundles,
        checkout,
        festival_text,
        festivals,
        headers,
        mail_links,
        media_files,
        preorders,
        rights,
        screeners,
        sharing,
        site,
        store,
        studio,
        studio_analytics,
        studio_festival_edits,
        studio_festivals,
        studio_media,
        studio_offers,
        studio_payments,
        studio_promotions,
        studio_pwyw,
        studio_revenue,
        studio_screeners,
        studio_titles,
        studio_uploads,
        test_checkout,
        viewer,
        watch,
        webhooks,
    )

    headers.init_app(app)
    admin_audit.init_app(app)
    viewer.init_app(app)
    festival_text.init_app(app)
    bundles.init_app(app)
    app.register_blueprint(store.bp)
    app.register_blueprint(site.bp)
    app.register_blueprint(bundles.bp)
    app.register_blueprint(bundles.studio_bp)
    app.register_blueprint(festivals.bp)
    app.register_blueprint(studio_festivals.bp)
    app.register_blueprint(studio_festival_edits.bp)
    app.register_blueprint(media_files.bp)
    app.register_blueprint(sharing.bp)
    app.register_blueprint(mail_links.bp)
    app.register_blueprint(watch.bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(test_checkout.bp)
    app.register_blueprint(studio_payments.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(studio.bp)
    app.register_blueprint(studio_titles.bp)
    app.register_blueprint(studio_uploads.bp)
    app.register_blueprint(studio_media.bp)
    app.register_blueprint(studio_offers.bp)
    app.register_blueprint(studio_promotions.bp)
    app.register_blueprint(preorders.bp)
    app.register_blueprint(preorders.studio_bp)
    app.register_blueprint(screeners.bp)
    app.register_blueprint(studio_screeners.bp)
    app.register_blueprint(studio_pwyw.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_accounts.bp)
    app.register_blueprint(studio_revenue.bp)
    app.register_blueprint(studio_analytics.bp)
    app.register_blueprint(admin_revenue.bp)
    app.register_blueprint(rights.bp)
    app.register_blueprint(admin_rights.bp)


def register_errorhandlers(app: Flask) -> None:
    from .web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)

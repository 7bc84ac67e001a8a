"""The authorization matrix: every route of ``app.url_map``, for every kind of visitor, with
other people's real object ids, answers as the table below says, and carries the security
headers.

A route without an entry in EXPECTED fails ``test_every_route_has_an_expected_outcome``
with its name. To add one, give each method a row: the helpers below cover the usual cases
(``public()``, ``signed_in()``, ``studio(...)``, ``buyer_only(...)``, ``admin_only()``), or
spell out a dict of role -> outcome. Routes that sign the visitor out go in RUN_LAST.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from storefront.extensions import db
from storefront.models import (
    AssetKind,
    AssetStatus,
    AudioKind,
    AudioTrack,
    ImageKind,
    ImageStatus,
    MediaAsset,
    OutboxMessage,
    Rendition,
    StudioInvite,
    StudioMember,
    StudioRole,
    SubtitleKind,
    SubtitleTrack,
    TitleImage,
    TitleStatus,
    TitleText,
    utcnow,
)

from .conftest import PASSWORD
from .test_security_headers import assert_hardened

ROLES = ("anonymous", "viewer", "buyer", "owner", "manager", "finance", "other_studio", "admin")
OK, LOGIN, HIDDEN, FORBIDDEN = "ok", "login", "404", "403"


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


def public() -> dict[str, str]:
    return everyone(OK)


def signed_in() -> dict[str, str]:
    return {**everyone(OK), "anonymous": LOGIN}


def admin_only() -> dict[str, str]:
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "admin": OK}


def buyer_only(others: str = HIDDEN, anonymous: str = LOGIN) -> dict[str, str]:
    """Objects of the viewer who bought the film (orders, streams)."""
    return {**everyone(others), "anonymous": anonymous, "buyer": OK}


def studio(owner: str = OK, manager: str = OK, finance: str = OK) -> dict[str, str]:
    """The victim studio's pages: outsiders are told nothing, roles as given, admins all."""
    return {
        **everyone(HIDDEN),
        "anonymous": LOGIN,
        "owner": owner,
        "manager": manager,
        "finance": finance,
        "admin": OK,
    }


def members_only() -> dict[str, str]:
    """A draft title's image: members see it, nobody else learns it exists."""
    return {**everyone(HIDDEN), "owner": OK, "manager": OK, "finance": OK, "admin": OK}


OWNER_ONLY = {"owner": OK, "manager": FORBIDDEN, "finance": FORBIDDEN}
CATALOGUE = {"owner": OK, "manager": OK, "finance": FORBIDDEN}
# Stripe Connect is off in tests: the onboarding routes are 404 once past the role check.
PREVIEW = {"owner": OK, "manager": OK, "finance": OK}
CONNECT_OFF = {"owner": HIDDEN, "manager": FORBIDDEN, "finance": FORBIDDEN}

EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("account.choose_language", "POST"): public(),
    ("account.resend_verification", "POST"): signed_in(),
    ("account.settings", "GET"): signed_in(),
    ("account.settings", "POST"): signed_in(),
    ("account.sign_out_everywhere", "POST"): signed_in(),
    ("admin.index", "GET"): admin_only(),
    ("admin.outbox", "GET"): admin_only(),
    ("admin.outbox_message", "GET"): admin_only(),
    ("admin_accounts.users", "GET"): admin_only(),
    ("admin_accounts.user", "GET"): admin_only(),
    ("admin_accounts.suspend_user", "POST"): admin_only(),  # no reason given: a 400 page
    ("admin_accounts.unsuspend_user", "POST"): admin_only(),
    ("admin_accounts.studios", "GET"): admin_only(),
    ("admin_accounts.studio", "GET"): admin_only(),
    ("admin_accounts.audit_log", "GET"): admin_only(),
    ("admin_revenue.export_csv", "GET"): admin_only(),
    ("admin_revenue.export_xlsx", "GET"): admin_only(),
    ("admin_revenue.overview", "GET"): admin_only(),
    ("admin_rights.owed", "GET"): admin_only(),
    ("admin_rights.record_payout", "POST"): admin_only(),
    ("auth.forgot_password", "GET"): public(),
    ("auth.forgot_password", "POST"): public(),
    ("auth.login", "GET"): public(),
    ("auth.login", "POST"): public(),
    ("auth.logout", "POST"): public(),
    ("auth.reset_password", "GET"): public(),  # the token is the credential
    ("auth.reset_password", "POST"): public(),
    ("auth.session_check", "GET"): signed_in(),
    ("auth.signup", "GET"): public(),
    ("auth.signup", "POST"): public(),
    ("auth.verify_email", "GET"): public(),
    ("checkout.cancel", "GET"): buyer_only(),
    ("checkout.done", "GET"): buyer_only(),
    ("checkout.problem", "GET"): buyer_only(),
    ("checkout.start", "GET"): signed_in(),
    ("checkout.start", "POST"): signed_in(),
    ("checkout.status", "GET"): buyer_only(),
    ("media_files.image", "GET"): members_only(),
    ("media_files.festival_artwork", "GET"): public(),  # of a published festival
    ("media_files.media_object", "GET"): public(),  # a signed link
    ("media_files.media_part", "PUT"): public(),  # a signed link
    # A screener's link is its credential: anyone holding it watches (no account needed).
    ("screeners.heartbeat", "POST"): everyone(FORBIDDEN),  # another stream's id: refused
    ("screeners.open_screener", "POST"): public(),
    ("screeners.start", "POST"): public(),
    ("screeners.watch", "GET"): public(),
    ("rights.accept_invite", "GET"): signed_in(),
    ("rights.accept_invite", "POST"): signed_in(),  # someone else's invitation: a 400
    ("rights.holdings", "GET"): studio(),
    ("rights.holdings_csv", "GET"): studio(),
    ("rights.holdings_xlsx", "GET"): studio(),
    ("rights.invite", "POST"): studio(**OWNER_ONLY),
    ("rights.retry", "POST"): studio(**OWNER_ONLY),
    ("rights.revoke", "GET"): studio(**OWNER_ONLY),
    ("rights.revoke", "POST"): studio(**OWNER_ONLY),  # unconfirmed: a 400, nothing revoked
    ("rights.title_rights", "GET"): studio(),
    ("rights.title_rights", "POST"): studio(**OWNER_ONLY),
    ("rights.title_sales", "GET"): studio(),
    ("site.favicon", "GET"): public(),
    ("site.source", "GET"): public(),
    ("store.catalogue_page", "GET"): public(),
    ("store.healthz", "GET"): public(),
    ("store.home", "GET"): public(),
    ("store.studio", "GET"): public(),
    ("store.title", "GET"): public(),
    ("account.export_json", "GET"): signed_in(),
    ("account.export_csv", "GET"): signed_in(),
    # Only the viewer's own consent: anyone else has none to take back for that film.
    ("account.withdraw_consent", "POST"): {**everyone(HIDDEN), "anonymous": LOGIN},
    ("account.delete", "GET"): signed_in(),
    ("account.delete", "POST"): signed_in(),  # nothing happens without the password
    ("studio_analytics.audience", "GET"): studio(),
    ("studio_analytics.audience_csv", "GET"): studio(),
    ("studio_analytics.buyers_csv", "GET"): studio(),
    ("sharing.robots", "GET"): public(),
    ("sharing.sitemap", "GET"): public(),
    ("sharing.embed", "GET"): public(),  # framed by other sites (allow_framing)
    ("sharing.oembed", "GET"): public(),
    # The signed token mailed to the studio's contact address is the credential.
    ("mail_links.sale_mails_off", "GET"): public(),
    ("mail_links.sale_mails_off", "POST"): public(),
    ("studio.accept_invite", "GET"): signed_in(),
    ("studio.accept_invite", "POST"): signed_in(),  # someone else's invitation: a 400
    ("studio.change_role", "POST"): studio(**OWNER_ONLY),
    ("studio.create", "GET"): signed_in(),
    ("studio.create", "POST"): signed_in(),
    ("studio.edit", "GET"): studio(**OWNER_ONLY),
    ("studio.edit", "POST"): studio(**OWNER_ONLY),
    ("studio.index", "GET"): signed_in(),
    ("studio.members", "GET"): studio(),
    ("studio.members", "POST"): studio(**OWNER_ONLY),
    ("studio.overview", "GET"): studio(),
    ("studio.remove_member", "POST"): studio(**OWNER_ONLY),
    ("studio_media.add_image", "POST"): studio(**CATALOGUE),
    ("studio_media.add_subtitles", "POST"): studio(**CATALOGUE),
    ("studio_media.delete_image", "POST"): studio(**CATALOGUE),
    ("studio_media.delete_subtitles", "POST"): studio(**CATALOGUE),
    ("studio_media.media", "GET"): studio(),
    ("studio_media.media_status", "GET"): studio(),
    ("bundles.page", "GET"): public(),
    ("bundles.buy", "POST"): signed_in(),
    ("studio_bundles.index", "GET"): studio(),
    ("studio_bundles.index", "POST"): studio(**CATALOGUE),
    ("festivals.index", "GET"): public(),
    ("festivals.page", "GET"): public(),
    ("festivals.buy_ticket", "POST"): signed_in(),
    ("festivals.buy_pass", "POST"): signed_in(),
    # No pass named in the body: nobody's pass is found.
    ("festivals.book", "POST"): {**everyone(HIDDEN), "anonymous": LOGIN},
    ("studio_festivals.index", "GET"): studio(),
    ("studio_festivals.index", "POST"): studio(**CATALOGUE),
    ("studio_festivals.manage", "GET"): studio(),
    ("studio_festivals.add_section", "POST"): studio(**CATALOGUE),
    ("studio_festivals.invite", "POST"): studio(**CATALOGUE),
    ("studio_festivals.add_screening", "POST"): studio(**CATALOGUE),
    ("studio_festivals.add_pass", "POST"): studio(**CATALOGUE),
    # Editing what the festival sells: the same members who may set it up.
    ("studio_festival_edits.edit_festival", "GET"): studio(**CATALOGUE),
    ("studio_festival_edits.edit_festival", "POST"): studio(**CATALOGUE),
    ("studio_festival_edits.edit_screening", "GET"): studio(**CATALOGUE),
    ("studio_festival_edits.edit_screening", "POST"): studio(**CATALOGUE),
    ("studio_festival_edits.remove_screening", "POST"): studio(**CATALOGUE),
    ("studio_festival_edits.edit_pass", "GET"): studio(**CATALOGUE),
    ("studio_festival_edits.edit_pass", "POST"): studio(**CATALOGUE),
    ("studio_festival_edits.artwork", "POST"): studio(**CATALOGUE),  # no file: a 400
    ("studio_festival_edits.remove_artwork", "POST"): studio(**CATALOGUE),
    ("studio_festivals.report", "GET"): studio(),
    ("studio_festivals.attendance_csv", "GET"): studio(),
    ("studio_festivals.invitations", "GET"): studio(),
    # Accepting a festival's share is about money: the owner's decision.
    ("studio_festivals.answer", "POST"): studio(manager=FORBIDDEN, finance=FORBIDDEN),
    ("studio_offers.edit", "GET"): studio(),
    ("studio_offers.edit", "POST"): studio(**CATALOGUE),
    ("studio_payments.connect", "POST"): {**studio(**CONNECT_OFF), "admin": HIDDEN},
    ("studio_payments.flagged", "GET"): admin_only(),
    ("studio_payments.onboarding_refresh", "GET"): {**studio(**CONNECT_OFF), "admin": HIDDEN},
    ("studio_payments.onboarding_return", "GET"): {**studio(**CONNECT_OFF), "admin": HIDDEN},
    ("studio_payments.order", "GET"): studio(),
    ("studio_payments.order", "POST"): studio(**OWNER_ONLY),
    ("studio_payments.orders", "GET"): studio(),
    ("studio_payments.payments", "GET"): studio(),
    ("preorders.choose", "GET"): buyer_only(),
    ("preorders.choose", "POST"): buyer_only(),
    ("studio_preorders.release", "GET"): studio(),
    ("studio_preorders.release", "POST"): studio(**CATALOGUE),
    ("studio_promotions.codes_csv", "GET"): studio(**CATALOGUE),
    ("studio_promotions.create", "GET"): studio(**CATALOGUE),
    ("studio_promotions.create", "POST"): studio(**CATALOGUE),
    ("studio_promotions.index", "GET"): studio(),
    ("studio_promotions.show", "GET"): studio(),
    ("studio_promotions.withdraw", "POST"): studio(**CATALOGUE),
    ("studio_promotions.reinstate", "POST"): studio(**CATALOGUE),
    ("studio_pwyw.edit", "GET"): studio(),
    ("studio_pwyw.edit", "POST"): studio(**CATALOGUE),
    ("studio_revenue.dashboard", "GET"): studio(),
    ("studio_revenue.export_csv", "GET"): studio(),
    ("studio_revenue.export_xlsx", "GET"): studio(),
    ("studio_revenue.statement", "GET"): studio(),
    ("studio_screeners.index", "GET"): studio(),
    ("studio_screeners.index", "POST"): studio(**CATALOGUE),
    ("studio_screeners.revoke", "POST"): studio(**CATALOGUE),
    ("studio_titles.change_status", "POST"): studio(**CATALOGUE),
    ("studio_titles.create", "GET"): studio(**CATALOGUE),
    ("studio_titles.create", "POST"): studio(**CATALOGUE),
    ("studio_titles.delete", "GET"): studio(**OWNER_ONLY),
    ("studio_titles.delete", "POST"): studio(**OWNER_ONLY),
    ("studio_titles.details", "GET"): studio(),
    ("studio_titles.details", "POST"): studio(**CATALOGUE),
    ("studio_titles.save_text", "POST"): studio(**CATALOGUE),
    ("studio_titles.delete_text", "POST"): studio(**CATALOGUE),
    ("studio_uploads.cancel_upload", "DELETE"): studio(**CATALOGUE),
    ("studio_uploads.complete_upload", "POST"): studio(**CATALOGUE),
    ("studio_uploads.open_upload", "POST"): studio(**CATALOGUE),
    ("studio_uploads.show_upload", "GET"): studio(**CATALOGUE),
    ("studio_uploads.sign_parts", "POST"): studio(**CATALOGUE),
    # The offline checkout page stands in for Stripe's: unknown sessions are 404 for all.
    ("test_checkout.decline", "POST"): everyone(HIDDEN),
    ("test_checkout.page", "GET"): everyone(HIDDEN),
    ("test_checkout.pay", "POST"): everyone(HIDDEN),
    ("watch.heartbeat", "POST"): buyer_only(others=FORBIDDEN),
    ("watch.library", "GET"): signed_in(),
    ("watch.master", "GET"): buyer_only(others=FORBIDDEN, anonymous=FORBIDDEN),
    # The studio's members preview their own films (any role), without buying.
    ("watch.start", "POST"): {**buyer_only(others=FORBIDDEN), **PREVIEW},
    ("watch.subtitles", "GET"): buyer_only(others=FORBIDDEN, anonymous=FORBIDDEN),
    ("watch.subtitle_file", "GET"): buyer_only(others=FORBIDDEN, anonymous=FORBIDDEN),
    ("watch.title", "GET"): {**buyer_only(others=FORBIDDEN), **PREVIEW},
    ("watch.variant", "GET"): buyer_only(others=FORBIDDEN, anonymous=FORBIDDEN),
    ("watch.audio", "GET"): buyer_only(others=FORBIDDEN, anonymous=FORBIDDEN),
    ("studio_media.label_audio", "POST"): studio(**CATALOGUE),
    ("studio_media.delete_audio_file", "POST"): studio(**CATALOGUE),
    ("studio_media.retry_audio_file", "POST"): studio(**CATALOGUE),
    ("webhooks.stripe_events", "POST"): public(),  # unsigned: a 400 for everyone
}
NOT_CHECKED = {"static"}  # files of the site itself
# Routes that end the visitor's session, or remove what other routes use, run last.
RUN_LAST = [
    "studio_media.delete_audio_file",
    "studio_uploads.cancel_upload",
    "account.sign_out_everywhere",
    "auth.logout",
    "auth.verify_email",
]
JSON_BODIES = {
    "watch.heartbeat": {},
    "screeners.heartbeat": {},
    "screeners.start": {},
    "studio_uploads.open_upload": {},
    "studio_uploads.sign_parts": {},
}


def routes(app) -> list[tuple[str, str, object]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_CHECKED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule))
    last = {endpoint: n for n, endpoint in enumerate(RUN_LAST, start=1)}
    return sorted(found, key=lambda r: (last.get(r[0], 0), r[0], r[1]))


def test_every_route_has_an_expected_outcome(app):
    missing = [f"{e} {m} ({r.rule})" for e, m, r in routes(app) if (e, m) not in EXPECTED]
    assert not missing, (
        "routes without an expected outcome for each role; add them to EXPECTED in "
        "tests/test_authorization.py: " + ", ".join(missing)
    )
    stale = set(EXPECTED) - {(e, m) for e, m, _ in routes(app)}
    assert not stale, f"EXPECTED names routes that no longer exist: {sorted(stale)}"
    for key, outcomes in EXPECTED.items():
        assert set(outcomes) == set(ROLES), f"{key} must say what each of {ROLES} gets"


@dataclass
class World:
    users: dict[str, object]
    values: dict[str, object]


PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nseg0.ts\n#EXT-X-ENDLIST\n"


def build_world(app, make_user, make_studio, make_title) -> World:
    from storefront.services.accounts.notifications.opt_out import stop_url
    from storefront.services.accounts.users import make_reset_token
    from storefront.services.accounts.verification import _serializer as verify_serializer
    from storefront.services.media import uploads as uploads_service
    from storefront.services.watching import playback

    from .watching.conftest import grant

    storage = app.extensions["storage"]
    users = {role: make_user(f"{role}@example.org") for role in ROLES if role != "anonymous"}
    users["admin"].is_admin = True
    victim = make_studio(users["owner"], name="Victim Films")
    make_studio(users["other_studio"], name="Rival Films")
    for role in ("manager", "finance"):
        db.session.add(
            StudioMember(studio_id=victim.id, user_id=users[role].id, role=StudioRole(role))
        )
    film = make_title(
        "Public Film",
        studio=victim,
        status=TitleStatus.PUBLISHED,
        offers=[{"kind": "buy", "amount": 999, "currency": "EUR"}],
    )
    draft = make_title("Secret Draft", studio=victim, status=TitleStatus.DRAFT)

    asset = MediaAsset(
        title_id=film.id,
        kind=AssetKind.FEATURE,
        status=AssetStatus.READY,
        original_filename="film.mp4",
        size_bytes=1,
        source_key="titles/x/source.mp4",
        duration_ms=6000,
    )
    db.session.add(asset)
    db.session.flush()
    key = f"titles/{film.id}/hls/{asset.id}/360p/index.m3u8"
    storage.put(key, PLAYLIST, "application/vnd.apple.mpegurl")
    storage.put(key.replace("index.m3u8", "seg0.ts"), b"ts", "video/mp2t")
    rendition = Rendition(
        asset_id=asset.id,
        name="360p",
        width=640,
        height=360,
        bandwidth=800_000,
        status=AssetStatus.READY,
        playlist_key=key,
    )
    track = SubtitleTrack(
        title_id=film.id,
        language="fr",
        label="Français",
        kind=SubtitleKind.SUBTITLES,
        storage_key=f"titles/{film.id}/subtitles/fr.vtt",
    )
    storage.put(track.storage_key, b"WEBVTT\n", "text/vtt")
    image_key = f"titles/{draft.id}/posters/poster-w240.jpg"
    storage.put(image_key, b"jpeg", "image/jpeg")
    image = TitleImage(
        title_id=draft.id,
        kind=ImageKind.POSTER,
        keys={"w240.jpg": image_key},
        width=240,
        height=360,
        status=ImageStatus.READY,
    )
    film_image = TitleImage(
        title_id=film.id,
        kind=ImageKind.STILL,
        keys={"w640.jpg": image_key.replace(str(draft.id), str(film.id))},
        width=640,
        height=360,
        status=ImageStatus.READY,
    )
    text = TitleText(title_id=film.id, language="de", name="Nordlichter")
    dubbed = AudioTrack(
        title_id=film.id,
        asset_id=asset.id,
        stream_index=2,
        position=1,
        language="de",
        kind=AudioKind.DUBBED,
        status=AssetStatus.READY,
        playlist_key=key,
    )
    audio_file = MediaAsset(
        title_id=film.id,
        kind=AssetKind.AUDIO,
        status=AssetStatus.FAILED,
        original_filename="dub.m4a",
        size_bytes=1,
        source_key=f"titles/{film.id}/source/dub.m4a",
    )
    db.session.add_all([rendition, track, image, film_image, text, dubbed, audio_file])
    from storefront.services.promotion.screeners import ScreenerPlan, send_screener

    screener, screener_token = send_screener(
        victim, ScreenerPlan(film.id, "Rita Critic", "rita@press.example"), utcnow(), users["owner"]
    )
    db.session.commit()

    bought = grant(users["buyer"], film)
    stream = playback.start(users["buyer"], film, "NO", utcnow(), playback.Limits())
    from storefront.web.watch import feature_token

    with app.test_request_context():
        token = feature_token(stream.session, asset.id)
    upload = uploads_service.open_session(
        film, users["owner"], "feature", "film.mp4", 20_000_000, "video/mp4"
    )
    part_url = storage.sign_part(upload.storage_key, upload.storage_upload_id, 1, 600, "AAAAAA==")
    invite = StudioInvite(studio_id=victim.id, email="someone@example.org")
    db.session.add(invite)
    message = OutboxMessage(to="buyer@example.org", subject="Hello", body="Private")
    db.session.add(message)
    finance_member = db.session.scalar(
        db.select(StudioMember).filter_by(user_id=users["finance"].id)
    )
    db.session.commit()
    festival, screening, festival_pass, selection, artwork = _festival_world(victim, film, storage)
    from storefront.services.promotion.bundles import create_bundle

    # Two films on the store (a bundle naming a draft has no page: tests/festivals/test_bundles).
    second = make_title("Second Film", studio=victim)
    bundle = create_bundle(victim, "Both films", [film, second], 1500, "EUR")
    db.session.commit()
    from storefront.models import HolderPayout, PayoutKind, PayoutStatus, RightsHolder
    from storefront.services.accounts.studios import _invite_serializer
    from storefront.services.promotion.manage import PromotionPlan, create_promotion

    promotion = create_promotion(
        victim, PromotionPlan(name="Press", discount_type="percent", percent_off=100, code="PRESS")
    )
    from storefront.services.rights.holders import _serializer as rights_serializer

    # Sent to the buyer: the one visitor who reads the page; to anyone else it says "not yours".
    rights_invite = RightsHolder(title_id=film.id, email="buyer@example.org")
    payout = HolderPayout(
        order_id=bought.order.id,
        studio_id=victim.id,
        title_id=film.id,
        kind=PayoutKind.TRANSFER,
        cause="sale",
        amount=100,
        currency="EUR",
        status=PayoutStatus.FAILED,
    )
    db.session.add_all([rights_invite, payout])
    db.session.commit()

    values = {
        "studio_slug": victim.slug,
        "title_slug": film.slug,
        "title_id": film.id,
        "image_id": image.id,
        "film_image_id": film_image.id,
        "name": "w240.jpg",
        "track_id": track.id,
        "audio_track_id": dubbed.id,
        "audio_file_id": audio_file.id,
        "language": "de",
        "rendition_id": rendition.id,
        "member_id": finance_member.id,
        "message_id": message.id,
        "public_id": bought.order.public_id,
        "upload_id": upload.public_id,
        "stream_id": stream.session.public_id,
        "promotion_id": promotion.id,
        "screener_id": screener.id,
        "screener_token": screener_token,
        "year": 2026,
        "month": 3,
        "playback_token": token,
        "reset_token": make_reset_token(users["buyer"]),
        "verify_token": verify_serializer().dumps(
            {"u": users["buyer"].id, "e": "buyer@example.org", "s": users["buyer"].security_stamp}
        ),
        "invite_token": _invite_serializer().dumps(invite.id),
        "rights_token": rights_serializer().dumps(rights_invite.id),
        "sale_mails_token": stop_url(victim.slug, victim.contact_email).rsplit("/", 1)[1],
        "payout_id": payout.id,
        "holder_id": rights_invite.id,
        "studio_id": victim.id,
        "user_id": users["owner"].id,  # an account with a studio: every admin fact to show
        "currency": "EUR",
        "part_token": part_url.url.rsplit("/", 1)[1],
        "object_token": storage.signed_get_url(track.storage_key, 600).rsplit("/", 1)[1],
        "festival": festival.slug,
        "screening_id": screening.id,
        "pass_id": festival_pass.id,
        "artwork_id": artwork.id,
        "selection_id": selection.id,
        "bundle_id": bundle.id,
    }
    return World(users, values)


AUDIO_ENDPOINTS = {"watch.audio", "studio_media.label_audio"}


def _festival_world(victim, film, storage):  # type: ignore[no-untyped-def]
    """The victim studio runs a festival programming its own film, with a screening, a pass
    and artwork."""
    from datetime import timedelta

    from storefront.models import FestivalArtwork, FestivalPass, PassKind
    from storefront.services.promotion import festivals, screenings

    today = utcnow().date()
    festival = festivals.create_festival(
        victim, "Victim Festival", today, today + timedelta(days=3), "Europe/Oslo", 2000
    )
    selection = festivals.invite_title(festival, film)
    festivals.respond(selection, film.studio.members[0].user, accept=True)
    screening = screenings.add_screening(
        selection, utcnow() - timedelta(hours=1), utcnow() + timedelta(days=1), 500, "EUR"
    )
    festival_pass = FestivalPass(
        festival_id=festival.id, name="Pass", kind=PassKind.ALL_ACCESS, amount=2000, currency="EUR"
    )
    artwork_key = f"festivals/{festival.id}/artwork/1-w240.jpg"
    storage.put(artwork_key, b"jpeg", "image/jpeg")
    artwork = FestivalArtwork(
        festival_id=festival.id,
        keys={"w240.jpg": artwork_key},
        width=240,
        height=135,
        status=ImageStatus.READY,
    )
    db.session.add_all([festival_pass, artwork])
    db.session.commit()
    return festival, screening, festival_pass, selection, artwork


def url_values(endpoint: str, rule, world: World) -> dict[str, object]:
    v = world.values
    chosen: dict[str, object] = {}
    for arg in rule.arguments:
        if arg == "slug":
            studio_page = endpoint.startswith(("studio", "rights.")) or endpoint == "store.studio"
            chosen[arg] = v["studio_slug"] if studio_page else v["title_slug"]
        elif arg == "session_id":
            chosen[arg] = {
                "watch.heartbeat": v["stream_id"],
                "studio_uploads": v["upload_id"],
            }.get(endpoint, v["upload_id"] if endpoint.startswith("studio_uploads") else "cs_x")
        elif arg == "token":
            chosen[arg] = {
                "auth.reset_password": v["reset_token"],
                "auth.verify_email": v["verify_token"],
                "studio.accept_invite": v["invite_token"],
                "rights.accept_invite": v["rights_token"],
                "media_files.media_part": v["part_token"],
                "media_files.media_object": v["object_token"],
                "screeners.watch": v["screener_token"],
                "screeners.open_screener": v["screener_token"],
                "screeners.start": v["screener_token"],
                "screeners.heartbeat": v["screener_token"],
                "mail_links.sale_mails_off": v["sale_mails_token"],
            }.get(endpoint, v["playback_token"])
        elif arg == "track_id" and endpoint in AUDIO_ENDPOINTS:
            chosen[arg] = v["audio_track_id"]
        elif arg == "image_id" and endpoint.startswith("studio_media"):
            chosen[arg] = v["film_image_id"]  # the title the URL names
        else:
            chosen[arg] = v[arg]
    return chosen


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login?next=" in location:
        return LOGIN  # sent to log in first (not a page that ends at the login form)
    if response.status_code == 401:
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    return OK


@pytest.mark.parametrize("role", ROLES)
def test_the_authorization_matrix(app, make_user, make_studio, make_title, role):
    world = build_world(app, make_user, make_studio, make_title)
    client = app.test_client()
    if role != "anonymous":
        client.post("/login", data={"email": f"{role}@example.org", "password": PASSWORD})
        assert client.get("/account/").status_code == 200
    wrong = []
    for endpoint, method, rule in routes(app):
        path = app.url_map.bind("localhost").build(endpoint, url_values(endpoint, rule, world))
        kwargs = {"json": JSON_BODIES[endpoint]} if endpoint in JSON_BODIES else {"data": {}}
        response = client.open(
            path,
            method=method,
            headers={"X-Test-Country": "NO"},
            **({} if method == "GET" else kwargs),
        )
        response.close()
        assert response.status_code < 500, f"{method} {path} as {role}: {response.status_code}"
        if endpoint == "media_files.media_object":  # stored bytes: a sandbox of their own
            assert "sandbox" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        elif endpoint == "sharing.embed":  # the one view other sites may frame
            assert "X-Frame-Options" not in response.headers
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        else:
            assert_hardened(response)
        expected = EXPECTED[(endpoint, method)][role]
        if outcome(response) != expected:
            wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_a_new_route_without_an_outcome_is_named(app):
    app.add_url_rule("/_test/new-thing", "new_thing", lambda: "new")
    with pytest.raises(AssertionError, match=r"new_thing GET \(/_test/new-thing\)"):
        test_every_route_has_an_expected_outcome(app)


WRITES = ("POST", "PUT", "DELETE")


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_every_form_route_refuses_huge_and_nul_bodies_without_work(
    app, make_user, make_studio, make_title, role
):
    """12 MB of empty fields is refused unread (413); a NUL in any field is a 400; JSON
    nested 100,000 deep is never a 500. Anonymous and as an admin, who passes every check."""
    from .test_request_guards import CountingStream

    world = build_world(app, make_user, make_studio, make_title)
    client = app.test_client()
    if role == "admin":
        client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    huge = b"&" * (12 * 1024 * 1024)
    nul = {"name": "a\x00b", "email": "x\x00@example.org", "next": "/\x00", "action": "x\x00"}
    deep = b"[" * 100_000 + b"]" * 100_000
    problems = []
    for endpoint, method, rule in routes(app):
        if method not in WRITES or endpoint in RUN_LAST:
            continue
        path = app.url_map.bind("localhost").build(endpoint, url_values(endpoint, rule, world))
        stream = CountingStream(huge)
        oversized = client.open(
            path,
            method=method,
            input_stream=stream,
            content_length=len(huge),
            content_type="application/x-www-form-urlencoded",
        )
        if oversized.status_code != 413 or stream.consumed:
            problems.append(
                f"{method} {path}: 12 MB -> {oversized.status_code}, read {stream.consumed}"
            )
        with_nul = client.open(path, method=method, data=nul)
        if with_nul.status_code != 400:
            problems.append(f"{method} {path}: NUL -> {with_nul.status_code}")
        nested = client.open(path, method=method, data=deep, content_type="application/json")
        if nested.status_code >= 500:
            problems.append(f"{method} {path}: deep JSON -> {nested.status_code}")
    assert not problems, "\n".join(problems)


# Called by other sites, with their own proof instead: a signed webhook, a signed upload link,
# a mail client's one-click stop of sale mails (RFC 8058) with the signed link it was mailed.
CSRF_EXEMPT = {"webhooks.stripe_events", "media_files.media_part", "mail_links.sale_mails_off"}


def test_every_write_route_refuses_a_post_without_its_csrf_token(
    app, settings, make_user, make_studio, make_title
):
    """Forms are checked for their token before anything else (CSRF is off elsewhere in the
    tests): as an admin, who passes every other check, each write without one is a 400."""
    from storefront import create_app

    from .helpers import csrf_token

    world = build_world(app, make_user, make_studio, make_title)
    guarded = create_app({**settings, "WTF_CSRF_ENABLED": True})
    client = guarded.test_client()
    token = csrf_token(client.get("/login").text)
    signed = client.post(
        "/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    unguarded = []
    for endpoint, method, rule in routes(guarded):
        if method not in WRITES or endpoint in CSRF_EXEMPT:
            continue
        path = guarded.url_map.bind("localhost").build(endpoint, url_values(endpoint, rule, world))
        kwargs = {"json": JSON_BODIES[endpoint]} if endpoint in JSON_BODIES else {"data": {}}
        response = client.open(path, method=method, headers={"X-Test-Country": "NO"}, **kwargs)
        if response.status_code != 400:
            unguarded.append(f"{method} {path}: {response.status_code}")
    assert not unguarded, "writes without a CSRF token:\n" + "\n".join(unguarded)
    assert client.get("/account/").status_code == 200  # a forged logout signed nobody out

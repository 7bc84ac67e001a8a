"""Where the viewer is: trusted CDN headers only from trusted proxies, then GeoIP, else unknown."""

from __future__ import annotations

import pytest
from flask import g

from storefront.adapters.geo import (
    GeoLocator,
    IptoccLookup,
    MaxMindLookup,
    normalise_country,
    parse_networks,
)
from storefront.config import ConfigError, check_config, load_config
from storefront.web.viewer import viewer_country

CDN = parse_networks(["10.0.0.0/8", "2001:db8:cafe::/48"])
HEADER = "CF-IPCountry"


class FixedLookup:
    """A lookup answering from a dict, to see which address the chain asked about."""

    name = "fixed"

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.asked = answers, []

    def country(self, address: str) -> str | None:
        self.asked.append(address)
        return self.answers.get(address)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("no", "NO"), (" JP ", "JP"), ("XX", None), ("T1", None), ("A1", None), ("EU", None),
     ("ZZ", None), ("", None), (None, None), ("NOR", None), ("QQ", None)],
)  # fmt: skip
def test_placeholder_and_bad_codes_mean_unknown(value, expected):
    assert normalise_country(value) == expected


def test_a_country_header_from_an_untrusted_address_is_ignored():
    lookup = FixedLookup({"81.2.69.142": "GB"})
    locator = GeoLocator(lookup, HEADER, CDN)
    spoofed = {HEADER: "NO", "X-Forwarded-For": "10.1.2.3"}
    assert locator.locate("81.2.69.142", spoofed) == "GB"
    assert lookup.asked == ["81.2.69.142"]  # the peer, not the forwarded address


def test_a_country_header_from_a_trusted_proxy_is_honoured():
    locator = GeoLocator(FixedLookup({}), HEADER, CDN)
    assert locator.locate("10.20.30.40", {HEADER: "no"}) == "NO"
    assert locator.locate("2001:db8:cafe::7", {HEADER: "JP"}) == "JP"


def test_a_placeholder_header_falls_back_to_geoip_of_the_forwarded_client():
    lookup = FixedLookup({"81.2.69.142": "GB"})
    locator = GeoLocator(lookup, HEADER, CDN)
    headers = {HEADER: "XX", "X-Forwarded-For": "6.6.6.6, 81.2.69.142, 10.9.9.9"}
    assert locator.locate("10.1.1.1", headers) == "GB"
    # The right-most untrusted hop: earlier entries could have been typed by the client.
    assert lookup.asked == ["81.2.69.142"]


def test_the_header_is_off_unless_configured():
    locator = GeoLocator(FixedLookup({}), None, CDN)
    assert locator.locate("10.20.30.40", {HEADER: "NO"}) is None


def test_private_or_garbage_addresses_are_unknown():
    lookup = FixedLookup({})
    locator = GeoLocator(lookup, None, ())
    assert locator.locate("127.0.0.1", {}) is None
    assert locator.locate("not-an-ip", {}) is None
    assert locator.locate(None, {}) is None
    assert lookup.asked == []


def test_iptocc_ships_registry_data():
    lookup = IptoccLookup()
    assert lookup.country("8.8.8.8") == "US"
    assert lookup.country("193.0.6.139") == "NL"  # RIPE NCC, Amsterdam
    assert GeoLocator(lookup).locate("2001:4860:4860::8888", {}) == "US"


def mmdb_database(tmp_path) -> str:
    """A MaxMind-format file: 81/16 NO, 82/16 registered JP, 83/16 T1, 2a00:1450::/32 FR."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="GeoLite2-Country",
        languages=["en"],
        description="storefront test database",
    )
    writer.insert_network(IPSet(["81.0.0.0/16"]), {"country": {"iso_code": "NO"}})
    writer.insert_network(IPSet(["82.0.0.0/16"]), {"registered_country": {"iso_code": "JP"}})
    writer.insert_network(IPSet(["83.0.0.0/16"]), {"country": {"iso_code": "T1"}})
    writer.insert_network(IPSet(["2a00:1450::/32"]), {"country": {"iso_code": "FR"}})
    path = tmp_path / "test-country.mmdb"
    writer.to_db_file(str(path))
    return str(path)


@pytest.fixture
def mmdb_path(tmp_path):
    return mmdb_database(tmp_path)


def test_a_maxmind_database_is_read_when_configured(mmdb_path):
    lookup = MaxMindLookup(mmdb_path)
    locator = GeoLocator(lookup)
    assert locator.locate("81.0.3.4", {}) == "NO"
    assert locator.locate("82.0.3.4", {}) == "JP"  # registration country when no country
    assert locator.locate("83.0.3.4", {}) is None  # a placeholder code
    assert locator.locate("2a00:1450::1", {}) == "FR"
    assert locator.locate("84.0.0.1", {}) is None  # not in the database
    lookup.close()


def test_the_app_builds_the_chain_from_settings(settings, mmdb_path):
    settings.update(GEOIP_DB_PATH=mmdb_path, GEOIP_BACKEND="maxmind")
    settings.update(GEO_COUNTRY_HEADER=HEADER, GEO_TRUSTED_PROXIES=["10.0.0.0/8"])
    from storefront import create_app

    app = create_app(settings)
    locator = app.extensions["geo"]
    with app.test_request_context(environ_base={"REMOTE_ADDR": "81.0.0.9"}, headers={HEADER: "SE"}):
        assert viewer_country() == "NO"  # header ignored: the peer is not a proxy
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.0.0.9"}, headers={HEADER: "SE"}):
        assert viewer_country() == "SE"
    locator.lookup.close()


def test_viewer_country_is_resolved_once_per_request(app):
    lookup = FixedLookup({"81.2.69.142": "GB"})
    app.extensions["geo"] = GeoLocator(lookup)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "81.2.69.142"}):
        assert viewer_country() == "GB" and viewer_country() == "GB"
        assert g.viewer_country == "GB" and lookup.asked == ["81.2.69.142"]


def test_the_country_can_be_pretended_in_development(client):
    page = client.get("/?dev_country=NO")
    assert page.status_code == 200
    with client.session_transaction() as session:
        assert session["dev_country"] == "NO"
    client.get("/?dev_country=")
    with client.session_transaction() as session:
        assert "dev_country" not in session


def test_filtering_by_country_of_production_does_not_move_the_viewer(client, make_title):
    make_title(
        "Made in Japan",
        offers=[
            {
                "kind": "rent",
                "amount": 600,
                "currency": "JPY",
                "territory_mode": "allow",
                "territories": [{"country": "JP"}],
            }
        ],
    )
    client.get("/films?country=JP", headers={"X-Test-Country": "FR"})
    page = client.get("/films", headers={"X-Test-Country": "FR"}).get_data(as_text=True)
    assert "Not available in France." in page
    with client.session_transaction() as session:
        assert "dev_country" not in session


def test_production_ignores_the_country_parameter(settings):
    from storefront import create_app

    settings.update(
        PRODUCTION=True,
        ENV_MODE="production",
        PAYMENTS_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_placeholder",
        STRIPE_WEBHOOK_SECRET="whsec_placeholder",
        PUBLIC_URL="https://films.example",
        PUBLIC_URL_SET=True,
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=True,
        JOBS_IMMEDIATE=False,
    )
    app = create_app(settings)
    app.extensions["geo"] = GeoLocator(FixedLookup({"81.2.69.142": "GB"}))
    with app.test_request_context("/?dev_country=NO", environ_base={"REMOTE_ADDR": "81.2.69.142"}):
        app.preprocess_request()
        assert viewer_country() == "GB"
        from flask import session

        assert "dev_country" not in session


def test_production_refuses_a_development_country():
    env = {
        "STOREFRONT_ENV": "production",
        "SECRET_KEY": "x" * 48,
        "PAYMENTS_BACKEND": "stripe",
        "DEV_COUNTRY": "NO",
    }
    with pytest.raises(ConfigError, match="DEV_COUNTRY"):
        check_config(load_config(env))
    assert load_config({"DEV_COUNTRY": "no"})["DEV_COUNTRY"] == "NO"
    with pytest.raises(ConfigError, match="DEV_COUNTRY"):
        check_config(load_config({"DEV_COUNTRY": "XQ"}))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEO_TRUSTED_PROXIES": "10.0.0.0/8, bogus"}, "GEO_TRUSTED_PROXIES"),
        ({"GEOIP_BACKEND": "maxmind"}, "GEOIP_DB_PATH"),
        ({"GEOIP_BACKEND": "ouija"}, "GEOIP_BACKEND"),
    ],
)
def test_bad_geo_settings_stop_the_start(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_geo_defaults():
    config = load_config({})
    assert config["GEOIP_BACKEND"] == "iptocc" and config["GEO_COUNTRY_HEADER"] is None
    assert load_config({"GEOIP_DB_PATH": "/srv/geo.mmdb"})["GEOIP_BACKEND"] == "maxmind"

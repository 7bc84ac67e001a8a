"""Where a viewer is: a chain of resolvers chosen by configuration.

1. A CDN's country header (CF-IPCountry, CloudFront-Viewer-Country...), believed only when it is
   enabled AND the request's immediate peer (REMOTE_ADDR, never X-Forwarded-For) is one of the
   configured proxy networks. Anyone else can type that header.
2. A GeoIP lookup of the client address: the embedded `iptocc` package (registry data shipped
   in its wheel) by default, or a MaxMind GeoIP2/GeoLite2 country database (.mmdb) when a path
   is configured. Behind a trusted proxy the client address is the right-most X-Forwarded-For
   entry that is not itself a trusted proxy.
3. Otherwise unknown (None): the viewer sees worldwide offers only.

Placeholder answers ("XX" unknown, "T1" Tor, "A1"/"A2"/"O1" anonymous, satellite or other,
"EU"/"AP" continents) are treated as unknown.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..countries import is_country

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# ISO 3166 user-assigned or reserved codes that geolocation services use as placeholders.
_PLACEHOLDERS = frozenset({"XX", "ZZ", "T1", "A1", "A2", "O1", "EU", "AP", "AQ"})


def normalise_country(value: str | None) -> str | None:
    """An upper-case ISO 3166-1 alpha-2 code, or None for anything else or a placeholder."""
    if not value:
        return None
    code = value.strip().upper()
    if len(code) != 2 or code in _PLACEHOLDERS or not is_country(code):
        return None
    return code


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) of the proxies whose headers are believed."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


class CountryLookup(Protocol):
    """An IP address -> country database."""

    name: str

    def country(self, address: str) -> str | None: ...


class IptoccLookup:
    """Regional internet registry data shipped inside the `iptocc` wheel: no download, no key."""

    name = "iptocc"

    def __init__(self) -> None:
        import iptocc

        self._lookup = iptocc.country_code

    def country(self, address: str) -> str | None:
        return self._lookup(address)


class MaxMindLookup:
    """A MaxMind GeoIP2 or GeoLite2 country (or city) database file."""

    name = "maxmind"

    def __init__(self, path: str) -> None:
        import geoip2.database

        self._reader = geoip2.database.Reader(path)
        kind = self._reader.metadata().database_type
        self._method = self._reader.city if "City" in kind else self._reader.country

    def country(self, address: str) -> str | None:
        import geoip2.errors

        try:
            answer = self._method(address)
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return None
        # The country the address is used in; the registration country when that is unknown.
        return answer.country.iso_code or answer.registered_country.iso_code

    def close(self) -> None:
        self._reader.close()


class GeoLocator:
    """The resolver chain; `locate` takes the WSGI peer address and the request headers."""

    def __init__(
        self,
        lookup: CountryLookup | None = None,
        header: str | None = None,
        trusted_proxies: Iterable[Network] = (),
    ) -> None:
        self.lookup = lookup
        self.header = header or None
        self.trusted_proxies = tuple(trusted_proxies)

    def is_trusted(self, peer: str | None) -> bool:
        address = _address(peer)
        return address is not None and any(address in net for net in self.trusted_proxies)

    def client_address(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        """The address to geolocate: the peer, or behind trusted proxies the first untrusted hop."""
        if not self.is_trusted(peer):
            return peer
        hops = [h.strip() for h in headers.get("X-Forwarded-For", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if not self.is_trusted(hop):
                return hop
        return peer

    def locate(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        """The country of the request from ``peer`` with ``headers`` (None when unknown)."""
        if self.header and self.is_trusted(peer):
            from_header = normalise_country(headers.get(self.header))
            if from_header:
                return from_header
        return self.country_of(self.client_address(peer, headers))

    def country_of(self, client: str | None) -> str | None:
        """The country of a client address (see `client_address`), by the lookup database."""
        if self.lookup is None:
            return None
        address = _address(client)
        if address is None or not address.is_global:
            return None
        try:
            return normalise_country(self.lookup.country(str(address)))
        except Exception:  # a broken database must not break the page: unknown country
            log.exception("GeoIP lookup failed for %s", address)
            return None


def build_geo(config: Mapping[str, Any]) -> GeoLocator:
    """The chain the settings ask for (GEO_COUNTRY_HEADER, GEO_TRUSTED_PROXIES, GEOIP_*)."""
    backend = config.get("GEOIP_BACKEND", "iptocc")
    lookup: CountryLookup | None
    if backend == "maxmind":
        lookup = MaxMindLookup(config["GEOIP_DB_PATH"])
    elif backend == "iptocc":
        lookup = IptoccLookup()
    else:
        lookup = None
    header = config.get("GEO_COUNTRY_HEADER") or None
    proxies = parse_networks(config.get("GEO_TRUSTED_PROXIES") or [])
    if header and not proxies:
        log.warning("GEO_COUNTRY_HEADER is set but GEO_TRUSTED_PROXIES is empty: header ignored")
    return GeoLocator(lookup, header, proxies)

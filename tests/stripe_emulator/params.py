"""Decoding of Stripe's form-encoded parameters and Stripe-shaped request errors.

The v1 API takes ``application/x-www-form-urlencoded`` bodies (and query strings)
whose keys use bracket notation: ``line_items[0][price_data][currency]=eur``,
``metadata[order]=42``, ``expand[0]=payment_intent`` or ``expand[]=...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")

# A schema describes which parameter names an endpoint accepts, so that typos
# are refused the way Stripe refuses them ("Received unknown parameter: ...").
# A dict lists the allowed keys, ``ANY`` allows arbitrary keys (metadata),
# a one-element list describes every item of an array, ``None`` is a leaf.
ANY = "*"
Schema = Any


class StripeError(Exception):
    """An error answered in Stripe's JSON error format."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body Stripe sends for this error."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.param is not None:
            error["param"] = self.param
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        return {"error": error}


def missing(param: str) -> StripeError:
    """Stripe's answer to a required parameter that was not sent."""
    return StripeError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def no_such(kind: str, object_id: str, param: str | None = None, status: int = 404) -> StripeError:
    """Stripe's answer to an id that does not exist."""
    return StripeError(
        f"No such {kind}: '{object_id}'", status=status, param=param, code="resource_missing"
    )


def _split_key(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    parts = [head]
    if rest:
        parts.extend(_KEY_PART.findall("[" + rest))
    return parts


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _listify(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return node


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn flat bracket-notation pairs into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _split_key(key)
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # "expand[]" style: append
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return _listify(root)


def check_unknown(params: Any, schema: Schema, prefix: str = "") -> None:
    """Refuse parameter names that the schema does not list."""
    if schema is None or schema == ANY:
        return
    if isinstance(schema, list):
        if not isinstance(params, list):
            raise StripeError(f"Invalid array: {prefix}", param=prefix)
        for index, item in enumerate(params):
            check_unknown(item, schema[0], f"{prefix}[{index}]")
        return
    if not isinstance(params, dict):
        raise StripeError(f"Invalid object: {prefix}", param=prefix)
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in schema:
            raise StripeError(
                f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
            )
        check_unknown(value, schema[key], name)


def get(params: Mapping[str, Any], path: str) -> Any:
    """Fetch ``a.b.c`` from nested params, ``None`` when absent."""
    node: Any = params
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def bracket(path: str) -> str:
    """``a.b.c`` -> ``a[b][c]`` (the name Stripe reports in ``param``)."""
    head, *rest = path.split(".")
    return head + "".join(f"[{p}]" for p in rest)


def string(params: Mapping[str, Any], path: str, *, required: bool = False) -> str | None:
    """A string parameter; empty strings count as absent."""
    value = get(params, path)
    if value in (None, ""):
        if required:
            raise missing(bracket(path))
        return None
    if not isinstance(value, str):
        raise StripeError(f"Invalid string: {bracket(path)}", param=bracket(path))
    return value


def integer(
    params: Mapping[str, Any],
    path: str,
    *,
    required: bool = False,
    minimum: int | None = None,
) -> int | None:
    """An integer parameter, validated like Stripe validates it."""
    raw = string(params, path, required=required)
    if raw is None:
        return None
    name = bracket(path)
    try:
        value = int(raw)
    except ValueError:
        raise StripeError(f"Invalid integer: {raw}", param=name) from None
    if minimum is not None and value < minimum:
        kind = "positive integer" if minimum == 1 else "non-negative integer"
        raise StripeError(f"Invalid {kind}", param=name)
    return value


def boolean(params: Mapping[str, Any], path: str, default: bool = False) -> bool:
    """A boolean parameter (``true``/``false``)."""
    raw = string(params, path)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise StripeError(f"Invalid boolean: {raw}", param=bracket(path))
    return raw == "true"


def string_list(params: Mapping[str, Any], path: str) -> list[str] | None:
    """An array-of-strings parameter."""
    value = get(params, path)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StripeError(f"Invalid array: {bracket(path)}", param=bracket(path))
    return value


def metadata(params: Mapping[str, Any], path: str = "metadata") -> dict[str, str]:
    """A metadata hash, with Stripe's size limits."""
    value = get(params, path)
    if value in (None, ""):
        return {}
    name = bracket(path)
    if not isinstance(value, dict):
        raise StripeError(f"Invalid object: {name}", param=name)
    if len(value) > 50:
        raise StripeError("Metadata can have up to 50 keys.", param=name)
    result: dict[str, str] = {}
    for key, item in value.items():
        if len(key) > 40:
            raise StripeError(
                f"Metadata keys can have up to 40 characters, but you passed in a key"
                f" that is {len(key)} characters.",
                param=f"{name}[{key}]",
            )
        if not isinstance(item, str):
            raise StripeError(f"Invalid string: {name}[{key}]", param=f"{name}[{key}]")
        if len(item) > 500:
            raise StripeError(
                f"Metadata values can have up to 500 characters, but you passed in a value"
                f" that is {len(item)} characters.",
                param=f"{name}[{key}]",
            )
        if item != "":
            result[key] = item
    return result


def url(params: Mapping[str, Any], path: str, *, required: bool = False) -> str | None:
    """An absolute http(s) URL parameter."""
    value = string(params, path, required=required)
    if value is None:
        return None
    parts = urlsplit(value)
    if not parts.scheme:
        raise StripeError(
            "Invalid URL: An explicit scheme (such as https) must be provided.",
            param=bracket(path),
            code="url_invalid",
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StripeError("Not a valid URL", param=bracket(path), code="url_invalid")
    return value

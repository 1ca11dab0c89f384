"""Limits on untrusted JSON before it is parsed: nesting depth, and integer query parameters.

``json.loads`` recurses once per nesting level, so a body of 1,000 ``[`` raises ``RecursionError`` (an HTTP
500) — and a slightly shallower one can still exhaust the stack later when it is validated or stored. A
scenario document is at most 5 levels deep; anything deeper than ``MAX_JSON_DEPTH`` is refused before parsing.
"""
from __future__ import annotations

import json
import re

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
MAX_DB_INT = 2**63 - 1  # a signed 64-bit column (SQLite INTEGER, PostgreSQL bigint)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonTooDeep(ValueError):
    """The text nests arrays/objects deeper than ``MAX_JSON_DEPTH``."""


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text (brackets inside strings do not count); no recursion."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH):
    """``json.loads`` that raises ``JsonTooDeep`` instead of recursing past ``max_depth`` levels."""
    if isinstance(text, bytes | bytearray):
        text = text.decode("utf-8")
    if json_depth(text) > max_depth:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    if "\x00" in text or re.search(r"(?<!\\)\\u0000", text):  # PostgreSQL text/jsonb cannot hold NUL
        raise ValueError("NUL characters (\\u0000) are not allowed")
    return json.loads(text)


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit: too deep, or not UTF-8/JSON, is a 400 with ``loc`` "body"."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return loads_bounded(raw)
        except JsonTooDeep as exc:
            raise ParseError(f"{exc}.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def int_query_param(params, name: str, *, minimum: int = 0, maximum: int = MAX_DB_INT) -> int | None:
    """An integer query parameter in ``minimum … maximum``; None when absent; a 400 naming ``name`` otherwise."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not re.fullmatch(r"[+-]?\d{1,19}", raw):
        raise ValidationError({name: [f"must be an integer in {minimum} … {maximum}"]})
    value = int(raw)
    if not minimum <= value <= maximum:
        raise ValidationError({name: [f"must be an integer in {minimum} … {maximum}"]})
    return value

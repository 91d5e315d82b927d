"""Strict JSON for sockframe (SPEC 3.2, 3.3, 8.1): parsing and canonical serialization.

Standard library only. Both directions work at any nesting depth: parsing uses the C
``json`` module when the text is shallow enough for it and an iterative parser otherwise;
serialization is iterative.

Numbers follow ECMAScript semantics (SPEC 3.2): every number token is read as the nearest
IEEE 754 binary64 value. Integer tokens are returned as ``int`` holding exactly that value
(so an integer token beyond 2**53 comes back as the ``int`` value of its binary64 rounding),
except when the value overflows binary64: then it is ``float('inf')`` / ``float('-inf')``,
as is any other overflowing number. Other tokens are returned as ``float``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = [
    "JsonSyntaxError",
    "ParseResult",
    "parse",
    "parse_iterative",
    "js_int",
    "has_lone_surrogate",
    "number_to_string",
    "string_to_json",
    "utf16_key",
    "serialize",
    "sorted_items",
    "NotJsonError",
    "json_equal",
]

# Nesting depth below which the C parser is used. The C scanner recurses once per level and
# raises RecursionError around sys.getrecursionlimit(); a RecursionError still falls back.
_FAST_PATH_MAX_BRACKETS = 400

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class JsonSyntaxError(ValueError):
    """The text is not a single RFC 8259 JSON text (SPEC 3.2)."""


class ParseResult:
    """A parsed JSON value plus the two SPEC 3.3 findings (which are not syntax errors)."""

    __slots__ = ("value", "duplicate_names", "lone_surrogates")

    def __init__(self, value: Any, duplicate_names: bool, lone_surrogates: bool) -> None:
        self.value = value
        self.duplicate_names = duplicate_names
        self.lone_surrogates = lone_surrogates


def js_int(token: str) -> int | float:
    """Value of an integer token as ECMAScript reads it (nearest binary64)."""
    if token == "-0":  # binary64 negative zero, as JSON.parse reads it (SPEC 3.2); int(token) is 0
        return -0.0
    if len(token.lstrip("-")) <= 15:  # at most 15 digits: exact in binary64
        return int(token)
    value = float(token)  # float() has no digit limit and rounds correctly
    return int(value) if math.isfinite(value) else value


def _reject_constant(name: str) -> Any:
    raise JsonSyntaxError(f"{name} is not JSON")


def has_lone_surrogate(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None


def _tree_has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            for key, child in item.items():
                if has_lone_surrogate(key):
                    return True
                if isinstance(child, (str, dict, list)):
                    stack.append(child)
        elif isinstance(item, list):
            stack.extend(child for child in item if isinstance(child, (str, dict, list)))
    return False


def parse(text: str) -> ParseResult:
    """Parse a strict JSON text. Raises JsonSyntaxError; never RecursionError."""
    if text.count("[") + text.count("{") <= _FAST_PATH_MAX_BRACKETS:
        try:
            return _parse_fast(text)
        except RecursionError:
            pass  # the caller's own stack was already deep; the iterative parser has no limit
    return parse_iterative(text)


def _parse_fast(text: str) -> ParseResult:
    duplicates = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicates
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicates = True
        return result

    try:
        value = json.loads(
            text,
            parse_int=js_int,
            parse_constant=_reject_constant,
            object_pairs_hook=pairs_hook,
        )
    except RecursionError:
        raise
    except ValueError as exc:  # JSONDecodeError and JsonSyntaxError
        raise JsonSyntaxError(str(exc)) from None
    return ParseResult(value, duplicates, _tree_has_lone_surrogate(value))


def _parse_string(text: str, i: int) -> tuple[str, int, bool]:
    """Parse the string whose opening quote is at text[i]; return (value, end, lone)."""
    parts: list[str] = []
    lone = False
    i += 1
    n = len(text)
    while True:
        m = _STRING_CHUNK.match(text, i)
        assert m is not None
        if m.end() > i:
            parts.append(m.group())
            i = m.end()
        if i >= n:
            raise JsonSyntaxError("unterminated string")
        c = text[i]
        if c == '"':
            return "".join(parts), i + 1, lone
        if c != "\\":
            raise JsonSyntaxError(f"unescaped control character at {i}")
        esc = text[i + 1 : i + 2]
        if esc in _SIMPLE_ESCAPES:
            parts.append(_SIMPLE_ESCAPES[esc])
            i += 2
            continue
        if esc != "u" or not _HEX4.fullmatch(text, i + 2, i + 6):
            raise JsonSyntaxError(f"invalid escape at {i}")
        code = int(text[i + 2 : i + 6], 16)
        i += 6
        if 0xD800 <= code <= 0xDBFF and text.startswith("\\u", i) and _HEX4.fullmatch(text, i + 2, i + 6):
            low = int(text[i + 2 : i + 6], 16)
            if 0xDC00 <= low <= 0xDFFF:
                parts.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                i += 6
                continue
        if 0xD800 <= code <= 0xDFFF:
            lone = True
        parts.append(chr(code))


def parse_iterative(text: str) -> ParseResult:
    """A strict RFC 8259 parser with an explicit stack: no recursion, any depth."""
    n = len(text)
    duplicates = False
    lone = False
    # Each open container: (container, key of the member being parsed or None for arrays).
    stack: list[list[Any]] = []

    def ws(j: int) -> int:
        m = _WS.match(text, j)
        assert m is not None
        return m.end()

    def member_name(j: int) -> tuple[str, int]:
        nonlocal lone
        if j >= n or text[j] != '"':
            raise JsonSyntaxError(f"expected a member name at {j}")
        key, j, key_lone = _parse_string(text, j)
        lone = lone or key_lone
        j = ws(j)
        if j >= n or text[j] != ":":
            raise JsonSyntaxError(f"expected ':' at {j}")
        return key, ws(j + 1)

    i = ws(0)
    while True:
        # Parse one value starting at text[i]; containers push a frame and continue.
        if i >= n:
            raise JsonSyntaxError("expected a value at end of text")
        c = text[i]
        value: Any
        if c == "{":
            i = ws(i + 1)
            if i < n and text[i] == "}":
                value, i = {}, i + 1
            else:
                key, i = member_name(i)
                stack.append([{}, key])
                continue
        elif c == "[":
            i = ws(i + 1)
            if i < n and text[i] == "]":
                value, i = [], i + 1
            else:
                stack.append([[], None])
                continue
        elif c == '"':
            value, i, string_lone = _parse_string(text, i)
            lone = lone or string_lone
        elif c == "-" or "0" <= c <= "9":
            m = _NUMBER.match(text, i)
            if m is None:
                raise JsonSyntaxError(f"invalid number at {i}")
            token = m.group()
            value = float(token) if (m.group(1) or m.group(2)) else js_int(token)
            i = m.end()
        else:
            for literal, literal_value in _LITERALS.items():
                if text.startswith(literal, i):
                    value = literal_value
                    i += len(literal)
                    break
            else:
                raise JsonSyntaxError(f"unexpected character at {i}")

        # Attach the value to its container, closing containers as far as possible.
        while True:
            if not stack:
                if ws(i) != n:
                    raise JsonSyntaxError(f"extra data at {ws(i)}")
                return ParseResult(value, duplicates, lone)
            top = stack[-1]
            container = top[0]
            if isinstance(container, dict):
                if top[1] in container:
                    duplicates = True
                container[top[1]] = value
            else:
                container.append(value)
            i = ws(i)
            if i < n and text[i] == ",":
                i = ws(i + 1)
                if isinstance(container, dict):
                    top[1], i = member_name(i)
                break
            closer = "}" if isinstance(container, dict) else "]"
            if i < n and text[i] == closer:
                i += 1
                value = container
                stack.pop()
                continue
            raise JsonSyntaxError(f"expected ',' or '{closer}' at {i}")


# ---------------------------------------------------------------------------------------
# Canonical serialization (SPEC 8.1)

_MAX_SAFE = 2**53 - 1


class NotJsonError(ValueError):
    """A value that cannot be serialized (SPEC 8.2): not JSON, non-finite, lone surrogate."""


def utf16_key(name: str) -> bytes:
    """Sort key ordering strings by UTF-16 code units (big-endian bytes compare the same)."""
    return name.encode("utf-16-be", "surrogatepass")


def string_to_json(text: str) -> str:
    """SPEC 8.1.4: JSON.stringify escaping of a well-formed string."""
    if has_lone_surrogate(text):
        raise NotJsonError("string with a lone surrogate")
    return json.encoder.encode_basestring(text)  # type: ignore[attr-defined]


def number_to_string(value: int | float) -> str:
    """SPEC 8.1.5: safe integers plainly, other numbers as ECMAScript Number#toString."""
    if isinstance(value, int) and -_MAX_SAFE <= value <= _MAX_SAFE:
        return str(value)
    try:
        x = float(value)
    except OverflowError:
        raise NotJsonError("integer too large for binary64") from None
    if not math.isfinite(x):
        raise NotJsonError("non-finite number")
    if x == 0:
        return "0"
    if x.is_integer() and abs(x) <= _MAX_SAFE:
        return str(int(x))
    sign = "-" if x < 0 else ""
    digits, n = _shortest_digits(abs(x))
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        exponent = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        body = mantissa + "e" + ("+" if exponent >= 0 else "-") + str(abs(exponent))
    return sign + body


def _shortest_digits(x: float) -> tuple[str, int]:
    """(digits, n) with x == 0.digits * 10**n, digits shortest round-trip (from repr)."""
    text = repr(x)
    mantissa, _, exp_text = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    return stripped.rstrip("0"), point


def _scalar_to_json(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return string_to_json(value)
    if isinstance(value, (int, float)):
        return number_to_string(value)
    raise NotJsonError(f"value of type {type(value).__name__} is not JSON")


def sorted_items(obj: dict[str, Any]) -> list[tuple[str, Any]]:
    for key in obj:
        if not isinstance(key, str):
            raise NotJsonError(f"member name of type {type(key).__name__} is not JSON")
    return sorted(obj.items(), key=lambda item: utf16_key(item[0]))


def serialize(value: Any) -> str:
    """Serialize without whitespace, objects in UTF-16 name order (SPEC 8.1.3-8.1.5).

    Iterative, so any depth works. Raises NotJsonError for values SPEC 8.2 refuses,
    including cyclic structures.
    """
    out: list[str] = []
    # Open containers: [is_object, iterator, first, id]; active ids detect cycles.
    stack: list[list[Any]] = []
    active: set[int] = set()
    current = value
    while True:
        if isinstance(current, (dict, list, tuple)):
            if id(current) in active:
                raise NotJsonError("cyclic structure")
            active.add(id(current))
            if isinstance(current, dict):
                items = sorted_items(current)
                out.append("{")
                stack.append([True, iter(items), True, id(current)])
            else:
                out.append("[")
                stack.append([False, iter(current), True, id(current)])
        else:
            out.append(_scalar_to_json(current))
        while stack:
            top = stack[-1]
            item = next(top[1], _END)
            if item is _END:
                out.append("}" if top[0] else "]")
                active.discard(top[3])
                stack.pop()
                continue
            if not top[2]:
                out.append(",")
            top[2] = False
            if top[0]:
                key, current = item
                if not isinstance(key, str):
                    raise NotJsonError("member name is not a string")
                out.append(string_to_json(key))
                out.append(":")
            else:
                current = item
            break
        else:
            return "".join(out)


_END = object()


# ---------------------------------------------------------------------------------------
# Comparison as JSON values (used by the runner and the tests)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: numbers by value, bool distinct from numbers, objects
    regardless of member order, arrays in order. Iterative (any depth)."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if _is_number(x) or _is_number(y):
            if not (_is_number(x) and _is_number(y)) or x != y:
                return False
        elif isinstance(x, dict):
            if not isinstance(y, dict) or x.keys() != y.keys():
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, (list, tuple)):
            if not isinstance(y, (list, tuple)) or len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, str) or isinstance(x, bool) or x is None:
            if type(x) is not type(y) or x != y:
                return False
        else:
            return False
    return True

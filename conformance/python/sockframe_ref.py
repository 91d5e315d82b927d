"""sockframe v1 reference codec (SPEC.md), sans I/O, Python 3.11 standard library only.

Decoding::

    dec = Decoder()                      # profile "be", buffered mode, default limits
    dec.push(chunk)                      # any split of the stream (SPEC 6.1)
    while (event := dec.next_event()) is not None:
        ...                              # Frame(header, body)
    dec.end()                            # transport reported end of input
    while (event := dec.next_event()) is not None:
        ...

In streaming mode (``mode="streaming"``) the events are Head(header), Data(chunk)...,
End(). ``next_event`` returns None when it needs more octets (or, after ``end``, at a clean
end) and raises SockframeError at an error; the decoder is then fused: every later call to
push, end or next_event raises the same error (SPEC 7.2).

Encoding::

    encode({"filename": "a.txt"}, b"body", checksums=("sha256",)) -> bytes
    error_frame("HEADER_INVALID_JSON", "bad header") -> bytes     (SPEC 7.3)
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from dataclasses import dataclass
from typing import Any, Iterable, Union

import sockframe_json
from sockframe_json import JsonSyntaxError, NotJsonError

__all__ = [
    "SockframeError",
    "Frame",
    "Head",
    "Data",
    "End",
    "Event",
    "Decoder",
    "decode_datagram",
    "parse_header",
    "validate_fields",
    "encode",
    "encode_head",
    "error_header",
    "error_frame",
    "MAX_SAFE_INTEGER",
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_STREAM_BODY_BYTES",
    "DEFAULT_MAX_DATAGRAM_BYTES",
]

MAX_SAFE_INTEGER = 2**53 - 1
DEFAULT_MAX_HEADER_BYTES = 65536
DEFAULT_MAX_BODY_BYTES = 16777216
DEFAULT_MAX_STREAM_BODY_BYTES = MAX_SAFE_INTEGER
DEFAULT_MAX_DATAGRAM_BYTES = 65507  # SPEC 9: the largest UDP payload over IPv4

PROFILES = ("be", "le")
MODES = ("buffered", "streaming")

# SPEC 7.1: code -> stage at which the decoder reports it.
ERROR_STAGES = {
    "HEADER_LENGTH_INVALID": "prefix",
    "HEADER_TOO_LARGE": "prefix",
    "HEADER_INVALID_JSON": "header",
    "HEADER_INVALID": "header",
    "BODY_TOO_LARGE": "header",
    "CHECKSUM_MISMATCH": "body",
    "TRUNCATED": "end",
    "DATAGRAM_TOO_LARGE": "prefix",
    "DATAGRAM_TRAILING_OCTETS": "end",
}

_PREFIX_FORMAT = {"be": ">I", "le": "<i"}
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Compact the input buffer once this many consumed octets sit at its front (and they are at
# least half of it), so that compaction stays amortised linear.
_COMPACT_AT = 65536


class SockframeError(Exception):
    """An error of SPEC 7.1 (decoder) or 8.2 (encoder, stage "encode")."""

    def __init__(self, code: str, stage: str, message: str) -> None:
        super().__init__(f"{code} ({stage}): {message}")
        self.code = code
        self.stage = stage
        self.message = message


@dataclass(frozen=True)
class Frame:
    """Buffered mode: a complete, verified frame."""

    header: dict[str, Any]
    body: bytes


@dataclass(frozen=True)
class Head:
    """Streaming mode: a validated header; Data events and End follow."""

    header: dict[str, Any]


@dataclass(frozen=True)
class Data:
    """Streaming mode: body octets of the current frame, as they arrived."""

    chunk: bytes


@dataclass(frozen=True)
class End:
    """Streaming mode: the current frame is complete and its checksums verified."""


Event = Union[Frame, Head, Data, End]


# ---------------------------------------------------------------------------------------
# Header validation (SPEC 3)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer_in(value: Any, low: int, high: int) -> int | None:
    """The integer a JSON number denotes if it is integral and in [low, high], else None."""
    if not _is_number(value):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    return int(value) if low <= value <= high else None


def validate_fields(header: dict[str, Any], stage: str = "header") -> dict[str, Any]:
    """SPEC 3.4. Returns a copy with total_size (and a numeric id) as int; raises
    HEADER_INVALID with the given stage."""

    def invalid(message: str) -> SockframeError:
        return SockframeError("HEADER_INVALID", stage, message)

    result = dict(header)
    if "total_size" not in header:
        raise invalid("total_size is missing")
    total_size = _integer_in(header["total_size"], 0, MAX_SAFE_INTEGER)
    if total_size is None:
        raise invalid("total_size is not an integer in 0..2^53-1")
    result["total_size"] = total_size
    if "filename" in header and not isinstance(header["filename"], str):
        raise invalid("filename is not a string")
    for name, pattern in (("md5", _HEX32), ("sha256", _HEX64)):
        if name in header:
            value = header[name]
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise invalid(f"{name} is not a string of lowercase hex digits of the right length")
    if "id" in header:
        value = header["id"]
        if not isinstance(value, str):
            number = _integer_in(value, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
            if number is None:
                raise invalid("id is neither a string nor a safe integer")
            result["id"] = number
    if "error" in header:
        error = header["error"]
        if not isinstance(error, dict):
            raise invalid("error is not an object")
        code = error.get("code")
        if not isinstance(code, str) or code == "":
            raise invalid("error.code is not a non-empty string")
        if not isinstance(error.get("message"), str):
            raise invalid("error.message is not a string")
    return result


def parse_header(raw: bytes) -> dict[str, Any]:
    """SPEC 3.1 to 3.4, in the order of 3.5. Returns the validated header."""

    def error(code: str, message: str) -> SockframeError:
        return SockframeError(code, "header", message)

    try:
        text = raw.decode("utf-8")  # strict: no overlongs, surrogates, > U+10FFFF
    except UnicodeDecodeError as exc:
        raise error("HEADER_INVALID_JSON", f"header is not UTF-8: {exc.reason} at {exc.start}") from None
    if text.startswith("\ufeff"):
        raise error("HEADER_INVALID_JSON", "header begins with a byte order mark")
    try:
        parsed = sockframe_json.parse(text)
    except JsonSyntaxError as exc:
        raise error("HEADER_INVALID_JSON", f"header is not JSON: {exc}") from None
    if not isinstance(parsed.value, dict):
        raise error("HEADER_INVALID", "header is not a JSON object")
    if parsed.duplicate_names:
        raise error("HEADER_INVALID", "header has duplicate member names")
    if parsed.lone_surrogates:
        raise error("HEADER_INVALID", "header has a string with a lone surrogate")
    return validate_fields(parsed.value)


# ---------------------------------------------------------------------------------------
# Decoder (SPEC 2, 4, 5, 6)

_PREFIX, _HEADER, _BODY = "prefix", "header", "body"


class Decoder:
    """Incremental sockframe decoder. See the module docstring."""

    def __init__(
        self,
        profile: str = "be",
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_stream_body_bytes: int = DEFAULT_MAX_STREAM_BODY_BYTES,
        mode: str = "buffered",
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.profile = profile
        self.mode = mode
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes
        self.max_stream_body_bytes = max_stream_body_bytes
        self._buf = bytearray()
        self._pos = 0  # read offset into _buf
        self._state = _PREFIX
        self._need = 0  # octets of header (state _HEADER) or body (state _BODY) still expected
        self._header: dict[str, Any] = {}
        self._hashes: list[tuple[str, Any]] = []  # streaming: (expected hex, running digest)
        self._eof = False
        self._error: SockframeError | None = None

    @property
    def buffered_bytes(self) -> int:
        """Octets received and not yet consumed (for tests and back-pressure)."""
        return len(self._buf) - self._pos

    @property
    def allocated_bytes(self) -> int:
        """Size of the internal input buffer including consumed space (for tests)."""
        return len(self._buf)

    def push(self, data: bytes | bytearray | memoryview) -> None:
        """Hand the decoder the next chunk of the stream."""
        if self._error is not None:
            raise self._error
        if self._eof:
            raise ValueError("push() after end()")
        if not data:
            return
        pos = self._pos
        if pos:
            if pos == len(self._buf):
                self._buf = bytearray()
                self._pos = 0
            elif pos >= _COMPACT_AT and pos * 2 >= len(self._buf):
                del self._buf[:pos]
                self._pos = 0
        self._buf += data

    def end(self) -> None:
        """The transport reported end of input (SPEC 6.3)."""
        if self._error is not None:
            raise self._error
        self._eof = True

    def next_event(self) -> Event | None:
        """The next event, or None if more octets are needed (or at a clean end)."""
        if self._error is not None:
            raise self._error
        try:
            return self._step()
        except SockframeError as exc:
            self._error = exc
            self._buf = bytearray()
            self._pos = 0
            self._hashes = []
            raise

    # -- internals ------------------------------------------------------------------------

    def _take(self, n: int) -> bytes:
        with memoryview(self._buf) as view:
            data = bytes(view[self._pos : self._pos + n])
        self._pos += n
        return data

    def _truncated(self) -> SockframeError:
        return SockframeError("TRUNCATED", "end", f"stream ended inside a frame ({self._state})")

    def _step(self) -> Event | None:
        while True:
            available = len(self._buf) - self._pos
            if self._state == _PREFIX:
                if available < 4:
                    if self._eof and available:
                        raise self._truncated()
                    return None
                (size,) = struct.unpack_from(_PREFIX_FORMAT[self.profile], self._buf, self._pos)
                self._pos += 4
                if size <= 0:
                    raise SockframeError("HEADER_LENGTH_INVALID", "prefix", f"header length {size}")
                if size > self.max_header_bytes:
                    raise SockframeError(
                        "HEADER_TOO_LARGE", "prefix", f"header length {size} > {self.max_header_bytes}"
                    )
                self._state, self._need = _HEADER, size
            elif self._state == _HEADER:
                if available < self._need:
                    if self._eof:
                        raise self._truncated()
                    return None
                header = parse_header(self._take(self._need))
                size = header["total_size"]
                limit = self.max_body_bytes if self.mode == "buffered" else self.max_stream_body_bytes
                if size > limit:
                    raise SockframeError("BODY_TOO_LARGE", "header", f"total_size {size} > {limit}")
                self._header = header
                self._state, self._need = _BODY, size
                if self.mode == "streaming":
                    self._hashes = [
                        (header[name], hashlib.new(name)) for name in ("md5", "sha256") if name in header
                    ]
                    return Head(header)
            elif self.mode == "buffered":
                if available < self._need:
                    if self._eof:
                        raise self._truncated()
                    return None
                body = self._take(self._need)
                for name in ("md5", "sha256"):
                    if name in self._header and hashlib.new(name, body).hexdigest() != self._header[name]:
                        raise SockframeError("CHECKSUM_MISMATCH", "body", f"{name} does not match the body")
                self._state = _PREFIX
                return Frame(self._header, body)
            else:  # streaming body
                if self._need == 0:
                    for expected, digest in self._hashes:
                        if digest.hexdigest() != expected:
                            raise SockframeError(
                                "CHECKSUM_MISMATCH", "body", f"{digest.name} does not match the body"
                            )
                    self._hashes = []
                    self._state = _PREFIX
                    return End()
                if available == 0:
                    if self._eof:
                        raise self._truncated()
                    return None
                chunk = self._take(min(available, self._need))
                self._need -= len(chunk)
                for _, digest in self._hashes:
                    digest.update(chunk)
                return Data(chunk)


# ---------------------------------------------------------------------------------------
# Encoder (SPEC 8)

_FIELD_ORDER = ("total_size", "id", "filename", "md5", "sha256", "error")


def decode_datagram(
    datagram: bytes | bytearray | memoryview,
    profile: str = "be",
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_datagram_bytes: int = DEFAULT_MAX_DATAGRAM_BYTES,
) -> Frame:
    """The one frame of a datagram (SPEC 9); raises the SockframeError it is dropped for."""
    if len(datagram) > max_datagram_bytes:
        raise SockframeError(
            "DATAGRAM_TOO_LARGE", "prefix", f"a datagram of {len(datagram)} octets, over {max_datagram_bytes}"
        )
    if not datagram:
        raise SockframeError("TRUNCATED", "end", "an empty datagram holds no frame")
    decoder = Decoder(profile=profile, max_header_bytes=max_header_bytes, max_body_bytes=max_body_bytes)
    decoder.push(datagram)
    frame = decoder.next_event()
    if frame is None:
        decoder.end()
        decoder.next_event()  # raises TRUNCATED: the datagram ended inside its frame
        raise AssertionError("a non-empty datagram decoded to nothing")
    if decoder.buffered_bytes:
        raise SockframeError(
            "DATAGRAM_TRAILING_OCTETS", "end", f"{decoder.buffered_bytes} octets after the datagram's frame"
        )
    assert isinstance(frame, Frame)
    return frame


def _serialize_header(header: dict[str, Any]) -> str:
    """SPEC 8.1.2-8.1.5: no whitespace; the members of 8.1.3 first, then extensions in
    UTF-16 order; inside `error`: code, message, then the rest in UTF-16 order."""
    to_json = sockframe_json.serialize
    parts = []
    extensions = {k: v for k, v in header.items() if k not in _FIELD_ORDER}
    items = [(k, header[k]) for k in _FIELD_ORDER if k in header] + sockframe_json.sorted_items(extensions)
    for name, value in items:
        if name == "error":
            rest = {k: v for k, v in value.items() if k not in ("code", "message")}
            inner = [(k, value[k]) for k in ("code", "message")] + sockframe_json.sorted_items(rest)
            text = "{" + ",".join(to_json(k) + ":" + to_json(v) for k, v in inner) + "}"
        else:
            text = to_json(value)
        parts.append(to_json(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


def encode_head(
    header: dict[str, Any],
    total_size: int,
    profile: str = "be",
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
) -> bytes:
    """Prefix and canonical header for a body of total_size octets (SPEC 8.1, 8.2).

    For senders that stream the body themselves; ``encode`` is this plus the body.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}")

    def invalid(message: str) -> SockframeError:
        return SockframeError("HEADER_INVALID", "encode", message)

    if not isinstance(header, dict):
        raise invalid("header is not a dict")
    for name in header:
        if not isinstance(name, str):
            raise invalid(f"member name {name!r} is not a string")
    header = dict(header)
    header["total_size"] = total_size  # SPEC 8.1.1: the caller's value is replaced
    header = validate_fields(header, stage="encode")
    try:
        text = _serialize_header(header)
    except NotJsonError as exc:
        raise invalid(str(exc)) from None
    raw = text.encode("utf-8")
    if len(raw) > max_header_bytes:
        raise SockframeError("HEADER_TOO_LARGE", "encode", f"header is {len(raw)} > {max_header_bytes} octets")
    return struct.pack(_PREFIX_FORMAT[profile], len(raw)) + raw


def encode(
    header: dict[str, Any],
    body: bytes = b"",
    profile: str = "be",
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    checksums: Iterable[str] = (),
) -> bytes:
    """One canonical frame (SPEC 8). ``checksums``: digests ("md5", "sha256") to compute
    from the body; they replace caller-supplied values of the same name."""
    body = bytes(body)
    if isinstance(header, dict):
        header = dict(header)
        for name in checksums:
            if name not in ("md5", "sha256"):
                raise ValueError(f"unknown checksum {name!r}")
            header[name] = hashlib.new(name, body).hexdigest()
    return encode_head(header, len(body), profile, max_header_bytes) + body


def error_header(code: str, message: str, id: str | int | None = None) -> dict[str, Any]:
    """The header of an error frame (SPEC 7.3)."""
    header: dict[str, Any] = {"total_size": 0, "error": {"code": code, "message": message}}
    if id is not None:
        header["id"] = id
    return header


def error_frame(code: str, message: str, profile: str = "be", id: str | int | None = None) -> bytes:
    """An error frame (SPEC 7.3), e.g. ``error_frame(err.code, err.message)``."""
    return encode(error_header(code, message, id), b"", profile)

#!/usr/bin/env python3
"""Generate the hand-designed sockframe conformance vectors (conformance/vectors/NN-*.json).

Python 3 standard library only. Run from anywhere:

    python3 conformance/scripts/gen-vectors.py

Every case below is written by hand: its input and its expected outcome are spelled out in this
file from the text of SPEC.md. Before writing, the script runs every case through a small, strict,
independent model of SPEC.md (decoder and canonical encoder, at the end of the helpers section) and
refuses to write anything if the hand-written expectation and the model disagree. The model is a
cross-check, not the source of the expectations.

The output is deterministic. Case ids are stable: never rename or reuse one.
"""

import hashlib
import json
import math
import os
import re
import sys
import threading
import unicodedata
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.dirname(HERE)  # conformance/
VECTORS = os.path.join(CONF, "vectors")

MAX_SAFE = 9007199254740991  # 2^53 - 1
MIB16 = 16 * 1024 * 1024

STAGE = {
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

HLI = "HEADER_LENGTH_INVALID"
HTL = "HEADER_TOO_LARGE"
HIJ = "HEADER_INVALID_JSON"
HI = "HEADER_INVALID"
BTL = "BODY_TOO_LARGE"
CSM = "CHECKSUM_MISMATCH"
TRN = "TRUNCATED"
DTL = "DATAGRAM_TOO_LARGE"
DTO = "DATAGRAM_TRAILING_OCTETS"
DGRAM_MAX = 65507  # SPEC 9: the default maxDatagramBytes


def md5(b):
    return hashlib.md5(b).hexdigest()


def sha256(b):
    return hashlib.sha256(b).hexdigest()


# ------------------------------------------------------------------------------------------------
# Piece and outcome builders
# ------------------------------------------------------------------------------------------------


def body_pieces(body):
    """str -> utf8 piece, bytes -> hex piece, list -> pieces as given, None -> []."""
    if body is None:
        return []
    if isinstance(body, str):
        return [{"utf8": body}] if body else []
    if isinstance(body, (bytes, bytearray)):
        return [{"hex": bytes(body).hex()}] if body else []
    return list(body)


def fr(header, body=None, profile=None):
    """A frame piece with the header given as JSON text (written verbatim)."""
    f = {"header": header}
    b = body_pieces(body)
    if b:
        f["body"] = b
    if profile:
        f["profile"] = profile
    return {"frame": f}


def frh(header_pieces, body=None, profile=None):
    """A frame piece with the header given as a piece list (for non-UTF-8 headers)."""
    f = {"headerPieces": header_pieces}
    b = body_pieces(body)
    if b:
        f["body"] = b
    if profile:
        f["profile"] = profile
    return {"frame": f}


def hx(s):
    """Hex piece from a hex string with optional spaces."""
    return {"hex": s.replace(" ", "").lower()}


def u8(s):
    return {"utf8": s}


def rep(count, pieces):
    return {"repeat": {"count": count, "pieces": pieces}}


def F(header, body=None):
    """An expected frame."""
    if isinstance(body, dict) and "size" in body:
        return {"header": header, "body": body}
    return {"header": header, "body": body_pieces(body)}


def FR(count, frames):
    return {"repeat": {"count": count, "frames": frames}}


def big_body(data):
    return {"size": len(data), "sha256": sha256(data)}


def E(code, stage=None):
    return {"code": code, "stage": stage or STAGE[code]}


def out(frames=(), error=None):
    return {"frames": list(frames), "error": E(error) if isinstance(error, str) else error}


def ok_frame(header_text, body=None, profile=None):
    """(input piece, expected frame) for a plain valid header whose value is what json.loads says.

    Only used for headers without numeric, escape or duplicate subtleties: the tricky ones spell out
    their expected header by hand.
    """
    return fr(header_text, body, profile), F(json.loads(header_text), body)


# ------------------------------------------------------------------------------------------------
# Files and cases
# ------------------------------------------------------------------------------------------------

FILES = []  # [(filename, description, [case])]
_ALL_IDS = set()


def new_file(name, description):
    FILES.append((name, description, []))


def _add(case):
    if case["id"] in _ALL_IDS:
        raise SystemExit("duplicate id " + case["id"])
    _ALL_IDS.add(case["id"])
    FILES[-1][2].append(case)


def input_length(pieces, profile="be"):
    return len(expand(pieces, profile))


def auto_chunkings(pieces, profile):
    n = input_length(pieces, profile)
    if n <= 300:
        return ["whole", {"size": 1}, "every"]
    if n <= 4096:
        return ["whole", {"size": 1}, {"size": 7}]
    if n <= 200000:
        return ["whole", {"size": 1}, {"size": 4093}]
    return ["whole", {"size": 65536}]


def dec(id, spec, description, input, expect=None, options=None, chunkings=None, expect_any=None):
    case = {"id": id, "spec": spec, "description": description, "kind": "decode"}
    if options:
        case["options"] = options
    case["input"] = input
    profile = (options or {}).get("profile", "be")
    case["chunkings"] = chunkings if chunkings is not None else auto_chunkings(input, profile)
    if expect_any is not None:
        case["expectAny"] = expect_any
    else:
        case["expect"] = expect
    _add(case)


def dgram(id, description, input, expect, options=None):
    """A datagram case (SPEC 9): `input` is one datagram; `expect` one frame, or no frame and an error."""
    case = {"id": id, "spec": "9", "description": description, "kind": "datagram"}
    if options:
        case["options"] = options
    case["input"] = input
    case["expect"] = expect
    _add(case)


def enc(id, spec, description, header, body=None, text=None, error=None, options=None, bytes_=None):
    """An encode case. `text` is the exact expected header JSON text (the prefix and body are added
    here); `error` an error code (stage encode); `bytes_` a full expected piece list."""
    case = {"id": id, "spec": spec, "description": description, "kind": "encode"}
    if options:
        case["options"] = options
    case["header"] = header
    case["input"] = body_pieces(body)
    if error is not None:
        case["expect"] = {"error": E(error, "encode")}
    else:
        if bytes_ is None:
            profile = (options or {}).get("profile", "be")
            n = len(text.encode("utf-8"))
            bytes_ = [{"u32le" if profile == "le" else "u32be": n}, u8(text)] + body_pieces(body)
        case["expect"] = {"bytes": bytes_}
    _add(case)


# ------------------------------------------------------------------------------------------------
# Independent strict model of SPEC.md, used only to cross-check the hand-written expectations
# ------------------------------------------------------------------------------------------------


def pack_prefix(n, profile):
    if profile == "le":
        return n.to_bytes(4, "little", signed=True)
    return n.to_bytes(4, "big")


def expand(pieces, profile):
    out_ = bytearray()
    for p in pieces:
        ((k, v),) = p.items()
        if k == "hex":
            out_ += bytes.fromhex(v)
        elif k == "utf8":
            out_ += v.encode("utf-8")
        elif k == "u32be":
            out_ += v.to_bytes(4, "big")
        elif k == "u32le":
            out_ += v.to_bytes(4, "little")
        elif k == "repeat":
            out_ += expand(v["pieces"], profile) * v["count"]
        elif k == "frame":
            prof = v.get("profile", profile)
            hb = v["header"].encode("utf-8") if "header" in v else expand(v["headerPieces"], profile)
            out_ += pack_prefix(len(hb), prof) + hb + expand(v.get("body", []), profile)
        elif k == "file":
            with open(os.path.join(CONF, v), "rb") as fh:
                out_ += fh.read()
        else:
            raise ValueError("unknown piece " + k)
    return bytes(out_)


class Reject(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _isnum(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_int_value(x, lo, hi):
    if not _isnum(x):
        return False
    if isinstance(x, float) and (math.isinf(x) or math.isnan(x) or x != math.floor(x)):
        return False
    return lo <= x <= hi


def _has_lone_surrogate(v):
    def bad(s):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in s)

    if isinstance(v, str):
        return bad(v)
    if isinstance(v, list):
        return any(_has_lone_surrogate(x) for x in v)
    if isinstance(v, dict):
        return any(bad(k) or _has_lone_surrogate(x) for k, x in v.items())
    return False


def _has_nonfinite(v):
    if isinstance(v, float):
        return math.isinf(v) or math.isnan(v)
    if isinstance(v, int) and not isinstance(v, bool):
        try:
            float(v)
        except OverflowError:  # an integer too large for binary64 (SPEC 8.1 rule 5)
            return True
        return False
    if isinstance(v, list):
        return any(_has_nonfinite(x) for x in v)
    if isinstance(v, dict):
        return any(_has_nonfinite(x) for x in v.values())
    return False


HEX32 = re.compile(r"[0-9a-f]{32}")
HEX64 = re.compile(r"[0-9a-f]{64}")


def check_fields(h):
    """SPEC 3.4 on a parsed header (dict). Raises Reject(HI)."""
    if "total_size" not in h or not _is_int_value(h["total_size"], 0, MAX_SAFE):
        raise Reject(HI)
    if "filename" in h and not isinstance(h["filename"], str):
        raise Reject(HI)
    if "md5" in h and not (isinstance(h["md5"], str) and HEX32.fullmatch(h["md5"])):
        raise Reject(HI)
    if "sha256" in h and not (isinstance(h["sha256"], str) and HEX64.fullmatch(h["sha256"])):
        raise Reject(HI)
    if "id" in h and not (isinstance(h["id"], str) or _is_int_value(h["id"], -MAX_SAFE, MAX_SAFE)):
        raise Reject(HI)
    if "error" in h:
        e = h["error"]
        if not isinstance(e, dict):
            raise Reject(HI)
        if not (isinstance(e.get("code"), str) and e["code"] != ""):
            raise Reject(HI)
        if not isinstance(e.get("message"), str):
            raise Reject(HI)


def parse_header(hb):
    """SPEC 3.1-3.4 in the order of 3.5 (without the body limit). Returns the header value."""
    try:
        text = hb.decode("utf-8")  # Python's codec is strict: overlong, surrogates, > U+10FFFF
    except UnicodeDecodeError:
        raise Reject(HIJ)
    if text.startswith("\ufeff"):
        raise Reject(HIJ)
    dup = [False]

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            dup[0] = True
        return dict(pairs)

    def no_constant(name):
        raise ValueError("not JSON: " + name)

    try:
        # parse_int=float: every number is the nearest binary64 (SPEC 3.2)
        v = json.loads(text, object_pairs_hook=hook, parse_constant=no_constant, parse_int=float)
    except ValueError:
        raise Reject(HIJ)
    if not isinstance(v, dict):
        raise Reject(HI)
    if dup[0]:
        raise Reject(HI)
    if _has_lone_surrogate(v):
        raise Reject(HI)
    check_fields(v)
    return v


def model_decode(data, options, first_only=False):
    """(frames, error code or None, octets decoded); with first_only, stops after the first frame."""
    profile = options.get("profile", "be")
    max_h = options.get("maxHeaderBytes", 65536)
    streaming = options.get("mode", "buffered") == "streaming"
    max_b = options.get("maxStreamBodyBytes", MAX_SAFE) if streaming else options.get("maxBodyBytes", MIB16)
    frames = []
    pos = 0
    n = len(data)
    while pos < n:
        if n - pos < 4:
            return frames, TRN, pos
        if profile == "le":
            h = int.from_bytes(data[pos:pos + 4], "little", signed=True)
        else:
            h = int.from_bytes(data[pos:pos + 4], "big")
        pos += 4
        if h <= 0:
            return frames, HLI, pos
        if h > max_h:
            return frames, HTL, pos
        if n - pos < h:
            return frames, TRN, pos
        try:
            header = parse_header(data[pos:pos + h])
        except Reject as r:
            return frames, r.code, pos
        pos += h
        size = int(header["total_size"])
        if size > max_b:
            return frames, BTL, pos
        if n - pos < size:
            return frames, TRN, pos
        body = data[pos:pos + size]
        pos += size
        if "md5" in header and md5(body) != header["md5"]:
            return frames, CSM, pos
        if "sha256" in header and sha256(body) != header["sha256"]:
            return frames, CSM, pos
        frames.append((header, body))
        if first_only:
            break
    return frames, None, pos


def model_datagram(data, options):
    """SPEC 9: (frames, error code or None) for one datagram."""
    if len(data) > options.get("maxDatagramBytes", DGRAM_MAX):
        return [], DTL
    if not data:
        return [], TRN
    frames, error, pos = model_decode(data, options, first_only=True)
    if error is None and not frames:
        error = TRN
    if error is not None:
        return [], error
    if pos < len(data):
        return [], DTO
    return frames, None


def utf16_key(s):
    return s.encode("utf-16-be", "surrogatepass")


def js_number(x):
    """ECMAScript Number::toString for finite binary64 values, integers up to 2^53-1 plain."""
    if isinstance(x, bool):
        raise TypeError
    if isinstance(x, int):
        if abs(x) <= MAX_SAFE:
            return str(x)
        x = float(x)
    if math.isinf(x) or math.isnan(x):
        raise Reject(HI)
    if x == 0:
        return "0"
    if x == math.floor(x) and abs(x) <= MAX_SAFE:
        return str(int(x))
    sign = "-" if x < 0 else ""
    d = Decimal(repr(abs(x))).normalize()  # shortest round-trip digits, as ECMAScript requires
    t = d.as_tuple()
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = t.exponent + k
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = ("+" if e >= 0 else "-") + str(abs(e))
        s = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + es
    return sign + s


def canon(v, where="value"):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if _isnum(v):
        return js_number(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        if where == "top":
            first = [k for k in ("total_size", "id", "filename", "md5", "sha256", "error") if k in v]
        elif where == "error":
            first = [k for k in ("code", "message") if k in v]
        else:
            first = []
        rest = sorted((k for k in v if k not in first), key=utf16_key)
        parts = []
        for k in first + rest:
            sub = "error" if (where == "top" and k == "error") else "value"
            parts.append(json.dumps(k, ensure_ascii=False) + ":" + canon(v[k], sub))
        return "{" + ",".join(parts) + "}"
    raise TypeError(repr(v))


def model_encode(header, body, options):
    h = {k: v for k, v in header.items() if k != "total_size"}
    h["total_size"] = len(body)
    for c in options.get("checksums", []):
        h[c] = md5(body) if c == "md5" else sha256(body)
    if _has_lone_surrogate(h) or _has_nonfinite(h):
        raise Reject(HI)
    check_fields(h)
    hb = canon(h, "top").encode("utf-8")
    if len(hb) > options.get("maxHeaderBytes", 65536):
        raise Reject(HTL)
    return pack_prefix(len(hb), options.get("profile", "be")) + hb + body


def value_eq(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _isnum(a) and _isnum(b):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(value_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(value_eq(a[k], b[k]) for k in a)
    return False


def flatten_frames(frames):
    for f in frames:
        if "repeat" in f:
            for _ in range(f["repeat"]["count"]):
                yield from flatten_frames(f["repeat"]["frames"])
        else:
            yield f


def outcome_matches(expect, frames, error, profile):
    exp_frames = list(flatten_frames(expect["frames"]))
    if len(exp_frames) != len(frames):
        return "expected %d frames, model has %d" % (len(exp_frames), len(frames))
    for i, (ef, (h, b)) in enumerate(zip(exp_frames, frames)):
        if not value_eq(ef["header"], h):
            return "frame %d header: expected %r, model %r" % (i, ef["header"], h)
        eb = ef["body"]
        if isinstance(eb, dict):
            if eb["size"] != len(b) or eb["sha256"] != sha256(b):
                return "frame %d big body differs" % i
        elif expand(eb, profile) != b:
            return "frame %d body differs" % i
    ee = expect.get("error")
    if (ee and ee["code"]) != error:
        return "error: expected %r, model %r" % (ee and ee["code"], error)
    if ee and ee["stage"] != STAGE[ee["code"]]:
        return "stage of %s must be %s" % (ee["code"], STAGE[ee["code"]])
    return None


def check_case(case):
    opts = case.get("options", {})
    profile = opts.get("profile", "be")
    data = expand(case["input"], profile)
    if case["kind"] == "decode":
        n = len(data)
        for ch in case["chunkings"]:
            if ch == "every" and n > 512:
                return "'every' on a %d-octet input is too slow" % n
            if isinstance(ch, dict) and "splits" in ch:
                s = ch["splits"]
                if not all(0 < o < n for o in s) or s != sorted(set(s)):
                    return "bad splits %r for length %d" % (s, n)
        frames, error, _ = model_decode(data, opts)
        outcomes = case["expectAny"] if "expectAny" in case else [case["expect"]]
        problems = [outcome_matches(o, frames, error, profile) for o in outcomes]
        if all(problems):
            return "; ".join(problems)
        return None
    if case["kind"] == "datagram":
        frames, error = model_datagram(data, opts)
        return outcome_matches(case["expect"], frames, error, profile)
    try:
        got = model_encode(case["header"], data, opts)
        got_err = None
    except Reject as r:
        got, got_err = None, r.code
    exp = case["expect"]
    if "error" in exp:
        if got_err != exp["error"]["code"] or exp["error"]["stage"] != "encode":
            return "encode: expected error %r, model %r %r" % (exp["error"], got_err, got)
        return None
    if got_err:
        return "encode: expected bytes, model error %s" % got_err
    want = expand(exp["bytes"], profile)
    if want != got:
        return "encode bytes differ:\n  want %r\n  got  %r" % (want[:300], got[:300])
    return None


# ------------------------------------------------------------------------------------------------
# Output: pretty JSON, with printable non-ASCII written as itself and everything else escaped
# ------------------------------------------------------------------------------------------------

_PRINTABLE = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po",
              "Sm", "Sc", "Sk", "So"}
_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")
_SINGLE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-f]{4})")


def _readable(ch):
    return ord(ch) >= 0xA0 and unicodedata.category(ch) in _PRINTABLE and ch != "\ufffd"


def _depth(v):
    if isinstance(v, dict):
        return 1 + max([_depth(x) for x in v.values()] or [0])
    if isinstance(v, list):
        return 1 + max([_depth(x) for x in v] or [0])
    return 0


def _flat(v):
    """json.dumps(v, separators=(", ", ": ")), except that infinities are written 1e400 and -1e400
    (the JSON numbers that read as them, SPEC 3.2), not as the non-JSON Infinity."""
    if isinstance(v, float) and math.isinf(v):
        return "1e400" if v > 0 else "-1e400"
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k, ensure_ascii=True) + ": " + _flat(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flat(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=True)


def _fmt(v, level):
    flat = _flat(v)
    if not isinstance(v, (dict, list)) or not v or len(flat) + 2 * level <= 110 or (level >= 5 and _depth(v) > 8):
        return flat
    pad = "  " * (level + 1)
    if isinstance(v, list):
        items = [pad + _fmt(x, level + 1) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    items = [pad + json.dumps(k, ensure_ascii=True) + ": " + _fmt(x, level + 1) for k, x in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"


def dump_json(obj):
    text = _fmt(obj, 0)

    def pair(m):
        ch = chr(0x10000 + ((int(m.group(2), 16) - 0xD800) << 10) + (int(m.group(3), 16) - 0xDC00))
        return m.group(1) + ch if _readable(ch) else m.group(0)

    def single(m):
        cp = int(m.group(2), 16)
        if 0xD800 <= cp <= 0xDFFF:
            return m.group(0)
        ch = chr(cp)
        return m.group(1) + ch if _readable(ch) else m.group(0)

    pretty = _SINGLE.sub(single, _PAIR.sub(pair, text))
    if json.loads(pretty) != json.loads(text):
        raise SystemExit("internal error: readable JSON differs")
    return pretty + "\n"


# ================================================================================================
# The cases
# ================================================================================================

MIN = '{"total_size":0}'  # the smallest valid header, 16 octets
MIN_F = F({"total_size": 0})
HELLO = '{"total_size":5}'
HELLO_F = F({"total_size": 5}, "hello")
LE = {"profile": "le"}


def pad_header(total_len, prefix='{"total_size":0,"pad":"', suffix='"}', ch="x"):
    """A valid header text of exactly total_len octets."""
    n = total_len - len(prefix.encode()) - len(suffix.encode())
    assert n >= 0
    return prefix + ch * n + suffix


# ------------------------------------------------------------------------------------------------
new_file("02-prefix.json", "Frame layout, prefix profiles and prefix validation (SPEC 2.1, 2.2, 2.3)")

dec("prefix-be-minimal", "2.2", "be profile (the default): the smallest valid frame",
    [fr(MIN)], out([MIN_F]))
dec("prefix-be-with-body", "2.1", "be frame: prefix, header, 5-octet body",
    [fr(HELLO, "hello")], out([HELLO_F]))
dec("prefix-be-explicit-bytes", "2.2", "be prefix spelled out as octets 00 00 00 10",
    [hx("00000010"), u8(MIN)], out([MIN_F]))
dec("prefix-be-two-frames", "2.1", "two be frames back to back, nothing between them",
    [fr(HELLO, "hello"), fr(MIN)], out([HELLO_F, MIN_F]))
dec("prefix-le-minimal", "2.2", "le profile: the smallest valid frame, prefix 10 00 00 00",
    [hx("10000000"), u8(MIN)], out([MIN_F]), options=LE)
dec("prefix-le-with-body", "2.2", "le frame with a body", [fr(HELLO, "hello")], out([HELLO_F]), options=LE)
dec("prefix-le-three-frames", "2.2", "three le frames back to back",
    [fr(MIN), fr(HELLO, "hello"), fr('{"total_size":3,"filename":"a"}', "abc")],
    out([MIN_F, HELLO_F, F({"total_size": 3, "filename": "a"}, "abc")]), options=LE)
dec("prefix-le-u32le-piece", "2.2", "le prefix written with a u32le piece",
    [{"u32le": 16}, u8(MIN)], out([MIN_F]), options=LE)

dec("prefix-zero-be", "2.3", "H = 0 in be is HEADER_LENGTH_INVALID, even with nothing after it",
    [{"u32be": 0}], out([], HLI))
dec("prefix-zero-be-then-header", "2.3", "H = 0 followed by a valid-looking header: HEADER_LENGTH_INVALID",
    [{"u32be": 0}, u8(MIN)], out([], HLI))
dec("prefix-zero-le", "2.3", "H = 0 in le is HEADER_LENGTH_INVALID", [{"u32le": 0}], out([], HLI), options=LE)
dec("prefix-zero-after-frame", "2.3", "a valid frame, then H = 0: the first frame is delivered",
    [fr(HELLO, "hello"), {"u32be": 0}], out([HELLO_F], HLI))
dec("prefix-zero-then-partial", "2.3",
    "H = 0 then 2 stray octets: the prefix error is reported, not TRUNCATED",
    [{"u32be": 0}, hx("0000")], out([], HLI))

dec("prefix-truncated-1", "2.3", "1 octet of a prefix then end of stream", [hx("00")], out([], TRN))
dec("prefix-truncated-2", "2.3", "2 octets of a prefix then end of stream", [hx("0000")], out([], TRN))
dec("prefix-truncated-3", "2.3", "3 octets of a prefix then end of stream", [hx("000000")], out([], TRN))
dec("prefix-truncated-3-ff", "2.3",
    "3 octets FF FF FF: H is not known until the 4th octet, so TRUNCATED, not HEADER_TOO_LARGE",
    [hx("ffffff")], out([], TRN))
dec("prefix-truncated-3-le-negative", "2.3",
    "le, 3 octets FF FF FF: H is not known yet, so TRUNCATED, not HEADER_LENGTH_INVALID",
    [hx("ffffff")], out([], TRN), options=LE)
dec("prefix-truncated-1-le", "2.3", "le, 1 octet of a prefix then end", [hx("10")], out([], TRN), options=LE)
dec("prefix-truncated-after-frame", "2.3", "a frame, then 2 octets of the next prefix",
    [fr(HELLO, "hello"), hx("0000")], out([HELLO_F], TRN))

dec("prefix-be-ffffffff", "2.3", "be: FF FF FF FF is 4294967295, HEADER_TOO_LARGE",
    [hx("ffffffff")], out([], HTL))
dec("prefix-le-ffffffff", "2.3", "le: FF FF FF FF is -1, HEADER_LENGTH_INVALID",
    [{"u32le": 4294967295}], out([], HLI), options=LE)
dec("prefix-le-minus-2", "2.3", "le: -2 (FE FF FF FF) is HEADER_LENGTH_INVALID",
    [{"u32le": 4294967294}], out([], HLI), options=LE)
dec("prefix-le-minus-16", "2.3", "le: -16 (F0 FF FF FF) is HEADER_LENGTH_INVALID",
    [{"u32le": 4294967280}], out([], HLI), options=LE)
dec("prefix-le-int-min", "2.3", "le: -2147483648 (00 00 00 80) is HEADER_LENGTH_INVALID",
    [hx("00000080")], out([], HLI), options=LE)
dec("prefix-le-negative-then-header", "2.3",
    "le: -16 followed by a valid header: HEADER_LENGTH_INVALID, the header is not read",
    [{"u32le": 4294967280}, u8(MIN)], out([], HLI), options=LE)
dec("prefix-le-negative-after-frame", "2.3", "le: a frame, then -1: the frame is delivered",
    [fr(MIN), {"u32le": 4294967295}], out([MIN_F], HLI), options=LE)
dec("prefix-le-int-max", "2.3", "le: 2147483647 (FF FF FF 7F) is HEADER_TOO_LARGE",
    [hx("ffffff7f")], out([], HTL), options=LE)
dec("prefix-be-high-bit-unsigned", "2.2",
    "be is unsigned: 80 00 00 00 is 2147483648, HEADER_TOO_LARGE (not negative)",
    [hx("80000000")], out([], HTL))
dec("prefix-be-ff-low", "2.2", "be is unsigned: 00 00 00 FF is 255, a valid length (then truncated)",
    [hx("000000ff"), u8(MIN)], out([], TRN))
dec("prefix-be-too-large-no-header", "2.3",
    "be 65537 with nothing after it: HEADER_TOO_LARGE as soon as the prefix is complete",
    [{"u32be": 65537}], out([], HTL))
dec("prefix-be-too-large-after-frame", "2.3", "a frame, then a prefix of 65537: the frame is delivered",
    [fr(MIN), {"u32be": 65537}, u8(MIN)], out([MIN_F], HTL))
dec("prefix-le-too-large", "2.3", "le 65537 (01 00 01 00): HEADER_TOO_LARGE",
    [{"u32le": 65537}], out([], HTL), options=LE)

# A be frame decoded with the le profile, and an le frame decoded with be (SPEC 2.2: never guessed)
HDR128 = pad_header(128)
HDR255 = pad_header(255)
HDR256 = pad_header(256)
dec("prefix-be-frame-read-as-le", "2.2",
    "a be frame (00 00 00 10) read as le is 268435456: HEADER_TOO_LARGE",
    [fr(MIN, profile="be")], out([], HTL), options=LE)
dec("prefix-be-frame-128-read-as-le", "2.2",
    "a be frame with a 128-octet header (00 00 00 80) read as le is -2147483648: HEADER_LENGTH_INVALID",
    [fr(HDR128, profile="be")], out([], HLI), options=LE)
dec("prefix-be-frame-255-read-as-le", "2.2",
    "a be frame with a 255-octet header (00 00 00 FF) read as le is negative: HEADER_LENGTH_INVALID",
    [fr(HDR255, profile="be")], out([], HLI), options=LE)
dec("prefix-be-frame-256-read-as-le", "2.2",
    "a be frame with a 256-octet header (00 00 01 00) read as le is 65536 = maxHeaderBytes: accepted, "
    "then the stream ends inside that 65536-octet header: TRUNCATED",
    [fr(HDR256, profile="be")], out([], TRN), options=LE)
dec("prefix-be-frame-after-le-frame", "2.2",
    "le profile: a valid le frame, then a be frame: the first is delivered, the second is HEADER_TOO_LARGE",
    [fr(MIN, profile="le"), fr(MIN, profile="be")], out([MIN_F], HTL), options=LE)
dec("prefix-le-frame-read-as-be", "2.2",
    "an le frame (10 00 00 00) read as be is 268435456: HEADER_TOO_LARGE",
    [fr(MIN, profile="le")], out([], HTL))
dec("prefix-le-frame-256-read-as-be", "2.2",
    "an le frame with a 256-octet header (00 01 00 00) read as be is 65536: accepted, then TRUNCATED",
    [fr(HDR256, profile="le")], out([], TRN))
dec("prefix-le-frame-read-as-be-large-limit", "2.2",
    "an le frame read as be with maxHeaderBytes 4294967295: H = 268435456 is accepted, then TRUNCATED",
    [fr(MIN, profile="le")], out([], TRN), options={"maxHeaderBytes": 4294967295})

dec("prefix-leading-octet", "2.1", "a stray newline before the first frame: 0A 00 00 00 is HEADER_TOO_LARGE",
    [hx("0a"), fr(MIN)], out([], HTL))
dec("prefix-separator-between-frames", "2.1",
    "CR LF between two frames: 0D 0A 00 00 is read as the next prefix, HEADER_TOO_LARGE",
    [fr(MIN), hx("0d0a"), fr(MIN)], out([MIN_F], HTL))
dec("prefix-trailing-octet", "2.1", "a stray newline after the last frame: 1 octet of a prefix, TRUNCATED",
    [fr(MIN), hx("0a")], out([MIN_F], TRN))
dec("prefix-header-length-counts-octets", "2.1",
    "H counts octets, not characters: a header with 'é€😀' has 9 more octets than its 3 characters",
    [fr('{"total_size":0,"s":"é€😀"}')], out([F({"total_size": 0, "s": "é€😀"})]))
dec("prefix-header-length-too-short", "2.1",
    "H one octet short of the header text: the header is '{\"total_size\":0' (HEADER_INVALID_JSON)",
    [{"u32be": 15}, u8(MIN)], out([], HIJ))
dec("prefix-header-length-too-long", "2.1",
    "H one octet longer than the header text: the header takes the next frame's first octet",
    [{"u32be": 17}, u8(MIN), fr(MIN)], out([], HIJ))


# ------------------------------------------------------------------------------------------------
new_file("03-header-utf8.json", "Header character encoding: strict UTF-8, no BOM (SPEC 3.1)")


def in_string(hexbytes, key="s"):
    """Header pieces: {"total_size":0,"<key>":"<octets>"}"""
    return [u8('{"total_size":0,"%s":"' % key), hx(hexbytes), u8('"}')]


VALID_UTF8 = [
    ("utf8-2-byte", "2-octet characters (é, ß)", "café ß"),
    ("utf8-3-byte", "3-octet characters (€, 中文)", "€ 中文"),
    ("utf8-4-byte", "4-octet characters (😀, 𝄞)", "😀𝄞"),
    ("utf8-min-2-byte", "U+0080, the smallest 2-octet character (C2 80)", "\u0080"),
    ("utf8-max-2-byte", "U+07FF, the largest 2-octet character (DF BF)", "\u07ff"),
    ("utf8-min-3-byte", "U+0800, the smallest 3-octet character (E0 A0 80)", "\u0800"),
    ("utf8-before-surrogates", "U+D7FF, the last scalar value before the surrogates (ED 9F BF)", "\ud7ff"),
    ("utf8-after-surrogates", "U+E000, the first scalar value after the surrogates (EE 80 80)", "\ue000"),
    ("utf8-noncharacters", "noncharacters U+FFFE, U+FFFF, U+FDD0 are scalar values: accepted",
     "\ufffe\uffff\ufdd0"),
    ("utf8-min-4-byte", "U+10000, the smallest 4-octet character (F0 90 80 80)", "\U00010000"),
    ("utf8-max-scalar", "U+10FFFF, the largest scalar value (F4 8F BF BF)", "\U0010ffff"),
    ("utf8-replacement-char", "U+FFFD written in the header is an ordinary character", "\ufffd"),
    ("utf8-bom-char-inside-string", "U+FEFF inside a string (not at the start of the header) is data",
     "a\ufeffb"),
    ("utf8-del-raw", "U+007F unescaped in a string is allowed", "a\u007fb"),
    ("utf8-line-separators-raw", "U+2028 and U+2029 unescaped in a string are allowed", "\u2028\u2029"),
]
for cid, desc, s in VALID_UTF8:
    dec(cid, "3.1", desc + " in a string value",
        [fr('{"total_size":0,"s":"%s"}' % s)], out([F({"total_size": 0, "s": s})]))
dec("utf8-non-ascii-key", "3.1", "non-ASCII member name and value",
    [fr('{"total_size":0,"ключ":"значение"}')], out([F({"total_size": 0, "ключ": "значение"})]))
dec("utf8-non-ascii-filename-with-body", "3.1", "non-ASCII filename, body follows the multi-octet header",
    [fr('{"total_size":4,"filename":"données-😀.txt"}', "data")],
    out([F({"total_size": 4, "filename": "données-😀.txt"}, "data")]))

INVALID_UTF8 = [
    ("utf8-overlong-2-slash", "overlong 2-octet '/' (C0 AF)", "c0af"),
    ("utf8-overlong-2-nul", "overlong 2-octet U+0000 (C0 80, 'modified UTF-8')", "c080"),
    ("utf8-overlong-2-c1", "overlong 2-octet U+007F (C1 BF)", "c1bf"),
    ("utf8-overlong-3", "overlong 3-octet '/' (E0 80 AF)", "e080af"),
    ("utf8-overlong-3-max", "overlong 3-octet U+07FF (E0 9F BF)", "e09fbf"),
    ("utf8-overlong-4", "overlong 4-octet '/' (F0 80 80 AF)", "f08080af"),
    ("utf8-overlong-4-max", "overlong 4-octet U+FFFF (F0 8F BF BF)", "f08fbfbf"),
    ("utf8-cesu-high-surrogate", "encoded high surrogate U+D800 (ED A0 80)", "eda080"),
    ("utf8-cesu-low-surrogate", "encoded low surrogate U+DFFF (ED BF BF)", "edbfbf"),
    ("utf8-cesu-pair", "CESU-8 surrogate pair for U+1F600 (ED A0 BD ED B8 80)", "eda0bdedb880"),
    ("utf8-above-max-f4-90", "code point above U+10FFFF (F4 90 80 80)", "f4908080"),
    ("utf8-above-max-f5", "lead octet F5 (F5 80 80 80)", "f5808080"),
    ("utf8-5-byte-form", "obsolete 5-octet form (F8 88 80 80 80)", "f888808080"),
    ("utf8-6-byte-form", "obsolete 6-octet form (FC 84 80 80 80 80)", "fc8480808080"),
    ("utf8-byte-fe", "octet FE", "fe"),
    ("utf8-byte-ff", "octet FF", "ff"),
    ("utf8-truncated-2", "2-octet sequence missing its last octet (C3 then '\"')", "c3"),
    ("utf8-truncated-3", "3-octet sequence missing its last octet (E2 82 then '\"')", "e282"),
    ("utf8-truncated-4", "4-octet sequence missing its last octet (F0 9F 98 then '\"')", "f09f98"),
    ("utf8-lead-then-ascii", "lead octet followed by ASCII (C3 41)", "c341"),
    ("utf8-stray-continuation-80", "stray continuation octet 80", "80"),
    ("utf8-stray-continuation-bf", "stray continuation octet BF", "bf"),
    ("utf8-extra-continuation", "a complete é followed by an extra continuation octet (C3 A9 A9)", "c3a9a9"),
    ("utf8-latin-1", "ISO-8859-1 'é' (E9) alone", "e9"),
]
for cid, desc, h in INVALID_UTF8:
    dec(cid, "3.1", desc + " in a string value: HEADER_INVALID_JSON", [frh(in_string(h))], out([], HIJ))

dec("utf8-invalid-in-key", "3.1", "octet FF in a member name: HEADER_INVALID_JSON",
    [frh([u8('{"total_size":0,"'), hx("ff"), u8('":1}')])], out([], HIJ))
dec("utf8-invalid-between-tokens", "3.1", "stray continuation octet between tokens: HEADER_INVALID_JSON",
    [frh([u8('{'), hx("80"), u8('"total_size":0}')])], out([], HIJ))
dec("utf8-invalid-after-value", "3.1", "octet FF after the closing brace: HEADER_INVALID_JSON",
    [frh([u8(MIN), hx("ff")])], out([], HIJ))
dec("utf8-truncated-at-header-end", "3.1",
    "the header ends after E2 82 and the next octet of the stream is AC (the rest of '€'): the header "
    "alone is ill-formed, HEADER_INVALID_JSON",
    [frh([u8('{"total_size":1}'), hx("e282")], [hx("ac")])], out([], HIJ))
dec("utf8-invalid-deep", "3.1", "ill-formed octet deep inside nested arrays and objects",
    [frh([u8('{"total_size":0,"a":[{"b":[["'), hx("c0af"), u8('"]]}]}')])], out([], HIJ))
dec("utf8-invalid-after-frames", "3.1", "two valid frames, then a header with an ill-formed octet",
    [fr(MIN), fr(HELLO, "hello"), frh(in_string("ff"))], out([MIN_F, HELLO_F], HIJ))
dec("utf8-invalid-and-not-object", "3.5",
    "ill-formed octet in a header that is a JSON string, not an object: 3.1 comes first, HEADER_INVALID_JSON",
    [frh([u8('"'), hx("ff"), u8('"')])], out([], HIJ))
dec("utf8-invalid-and-duplicate", "3.5",
    "ill-formed octet and duplicate names: 3.1 comes first, HEADER_INVALID_JSON",
    [frh([u8('{"total_size":0,"a":1,"a":"'), hx("ff"), u8('"}')])], out([], HIJ))
dec("utf8-escaped-high-then-cesu-low", "3.5",
    "\\ud83d escape followed by a raw CESU-8 low surrogate (ED B8 80): ill-formed UTF-8 is found first, "
    "HEADER_INVALID_JSON",
    [frh([u8('{"total_size":0,"s":"\\ud83d'), hx("edb880"), u8('"}')])], out([], HIJ))
dec("utf8-utf16le-header", "3.1", "a header encoded as UTF-16LE (with NUL octets): HEADER_INVALID_JSON",
    [frh([{"hex": MIN.encode("utf-16-le").hex()}])], out([], HIJ))

dec("utf8-bom-start", "3.1", "BOM (EF BB BF) before '{': rejected, not stripped",
    [frh([hx("efbbbf"), u8(MIN)])], out([], HIJ))
dec("utf8-bom-start-with-body", "3.1", "BOM before '{' of a header announcing a body",
    [frh([hx("efbbbf"), u8(HELLO)], "hello")], out([], HIJ))
dec("utf8-bom-twice", "3.1", "two BOMs before '{'", [frh([hx("efbbbfefbbbf"), u8(MIN)])], out([], HIJ))
dec("utf8-bom-after-whitespace", "3.1", "a space, then a BOM, then '{': U+FEFF is not JSON whitespace",
    [frh([u8(" "), hx("efbbbf"), u8(MIN)])], out([], HIJ))
dec("utf8-bom-at-end", "3.1", "BOM after the closing brace: not JSON whitespace",
    [frh([u8(MIN), hx("efbbbf")])], out([], HIJ))
dec("utf8-partial-bom", "3.1", "EF BB then '{': ill-formed UTF-8", [frh([hx("efbb"), u8(MIN)])], out([], HIJ))
dec("utf8-utf16-bom", "3.1", "UTF-16LE BOM FF FE before '{'", [frh([hx("fffe"), u8(MIN)])], out([], HIJ))
dec("utf8-bom-after-frame", "3.1", "a valid frame, then a frame whose header starts with a BOM",
    [fr(MIN), frh([hx("efbbbf"), u8(MIN)])], out([MIN_F], HIJ))
dec("utf8-bom-only", "3.1", "a header that is only a BOM", [frh([hx("efbbbf")])], out([], HIJ))


# ------------------------------------------------------------------------------------------------
new_file("03-header-json.json", "Header JSON syntax: RFC 8259, strictly (SPEC 3.2)")

dec("json-whitespace-everywhere", "3.2", "space, tab, CR and LF before, after and between every token",
    [fr(' \t\r\n{ \t\r\n"total_size" \t\r\n: \t\r\n0 \t\r\n, \t\r\n"a" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, '
        '\t\r\n{ \t\r\n"b" \t\r\n: \t\r\nnull \t\r\n} \t\r\n] \t\r\n} \t\r\n')],
    out([F({"total_size": 0, "a": [1, {"b": None}]})]))
dec("json-whitespace-tabs", "3.2", "tabs only", [fr('\t{\t"total_size"\t:\t0\t}\t')], out([MIN_F]))
dec("json-whitespace-cr", "3.2", "carriage returns only", [fr('\r{\r"total_size"\r:\r0\r}\r')], out([MIN_F]))
dec("json-whitespace-lf", "3.2", "line feeds only (pretty-printed header)",
    [fr('{\n"total_size":5,\n"filename":"a"\n}\n', "hello")],
    out([F({"total_size": 5, "filename": "a"}, "hello")]))
dec("json-whitespace-crlf-pretty", "3.2", "CRLF pretty-printed header with indentation",
    [fr('{\r\n  "total_size": 0,\r\n  "id": 7\r\n}\r\n')], out([F({"total_size": 0, "id": 7})]))
dec("json-whitespace-python-dumps", "3.2", "Python json.dumps style: a space after ':' and ','",
    [fr('{"total_size": 5, "filename": "hello.txt"}', "hello")],
    out([F({"total_size": 5, "filename": "hello.txt"}, "hello")]))
dec("json-whitespace-lots", "3.2", "200 spaces before and after the object",
    [fr(" " * 200 + MIN + " " * 200)], out([MIN_F]))
dec("json-member-order", "3.2", "any member order: total_size last",
    [fr('{"md5":"5d41402abc4b2a76b9719d911017c592","filename":"h","id":"x","total_size":5}', "hello")],
    out([F({"total_size": 5, "md5": "5d41402abc4b2a76b9719d911017c592", "filename": "h", "id": "x"},
           "hello")]))
dec("json-escapes-all", "3.2", "every RFC 8259 escape in a string value",
    [fr(r'{"total_size":0,"s":"\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9\u20ac"}')],
    out([F({"total_size": 0, "s": "\"\\/\b\f\n\r\tAéé€"})]))
dec("json-escape-nul", "3.2", "\\u0000 is a valid escape and a valid scalar value",
    [fr(r'{"total_size":0,"s":"a\u0000b","\u0000":1}')],
    out([F({"total_size": 0, "s": "a\u0000b", "\u0000": 1})]))
dec("json-escaped-key", "3.2", "an escaped member name that resolves to 'total_size'",
    [fr(r'{"total\u005fsize":3}', "abc")], out([F({"total_size": 3}, "abc")]))
dec("json-numbers-extension", "3.2", "number forms in an extension: exponent, fraction, negative",
    [fr('{"total_size":0,"n":[0,-0,1.5,-2.25,1E2,1e+2,1e-2,0.5e1,-1E-2,123456789]}')],
    out([F({"total_size": 0, "n": [0, 0, 1.5, -2.25, 100, 100, 0.01, 5, -0.01, 123456789]})]))
dec("json-number-binary64-rounding", "3.2",
    "numbers read as the nearest binary64: 9007199254740993 reads as 9007199254740992",
    [fr('{"total_size":0,"n":9007199254740993}')], out([F({"total_size": 0, "n": 9007199254740992})]))
dec("json-number-overflow-extension", "3.2",
    "1e400 and -1e400 in an extension read as infinities; an extension accepts any JSON value (3.4.7), so "
    "the header is accepted",
    [fr('{"total_size":0,"x":1e400,"y":[-1e400]}')],
    out([F({"total_size": 0, "x": float("inf"), "y": [float("-inf")]})]))
dec("json-empty-containers", "3.2", "empty object, array and string values",
    [fr('{"total_size":0,"o":{},"a":[],"s":""}')], out([F({"total_size": 0, "o": {}, "a": [], "s": ""})]))
dec("json-literals", "3.2", "true, false and null values",
    [fr('{"total_size":0,"t":true,"f":false,"n":null}')],
    out([F({"total_size": 0, "t": True, "f": False, "n": None})]))

DEEP_OK = 200
dec("json-nesting-200", "3.2", "arrays nested 200 deep in an extension: accepted",
    [fr('{"total_size":0,"d":' + "[" * DEEP_OK + "]" * DEEP_OK + "}")],
    out([F({"total_size": 0, "d": json.loads("[" * DEEP_OK + "]" * DEEP_OK)})]))
DEEP = 32000


def nested_arrays(depth):
    """[[...[]...]] with `depth` arrays, built without recursion."""
    v = []
    for _ in range(depth - 1):
        v = [v]
    return v


dec("json-nesting-32000-valid", "3.2",
    "arrays nested 32000 deep (a 64021-octet header) in an extension: valid JSON that fits in maxHeaderBytes "
    "is accepted, without exhausting the stack",
    [frh([u8('{"total_size":0,"d":'), rep(DEEP, [u8("[")]), rep(DEEP, [u8("]")]), u8("}")])],
    out([F({"total_size": 0, "d": nested_arrays(DEEP)})]),
    chunkings=["whole", {"size": 1}, {"size": 4093}])
dec("json-nesting-32000-missing-total-size", "3.2",
    "arrays nested 32000 deep (a 64006-octet header): valid JSON that must be parsed without crashing; "
    "it lacks total_size, so HEADER_INVALID",
    [frh([u8('{"d":'), rep(DEEP, [u8("[")]), rep(DEEP, [u8("]")]), u8("}")])], out([], HI))
dec("json-nesting-32000-unclosed", "3.2",
    "arrays opened 32000 deep and never closed: HEADER_INVALID_JSON, without crashing",
    [frh([u8('{"total_size":0,"d":'), rep(DEEP, [u8("[")]), u8("}")])], out([], HIJ))
dec("json-nesting-10000-objects-duplicate", "3.2",
    "objects nested 10000 deep, then a duplicate top-level name: the whole text is parsed, HEADER_INVALID",
    [frh([u8('{"total_size":0,"d":'), rep(10000, [u8('{"a":')]), u8("1"), rep(10000, [u8("}")]), u8(',"d":1}')])],
    out([], HI))

INVALID_JSON = [
    ("json-trailing-comma-object", "trailing comma in an object", '{"total_size":0,}'),
    ("json-trailing-comma-array", "trailing comma in an array", '{"total_size":0,"a":[1,]}'),
    ("json-comment-block", "block comment", '{"total_size":0/* c */}'),
    ("json-comment-line", "line comment", '{"total_size":0}// c'),
    ("json-comment-hash", "hash comment", '{"total_size":0}# c'),
    ("json-single-quotes", "single-quoted names and strings", "{'total_size':0}"),
    ("json-single-quoted-value", "single-quoted string value", '{"total_size":0,"s":\'x\'}'),
    ("json-unquoted-key", "unquoted member name", "{total_size:0}"),
    ("json-nan", "NaN", '{"total_size":0,"x":NaN}'),
    ("json-infinity", "Infinity", '{"total_size":0,"x":Infinity}'),
    ("json-minus-infinity", "-Infinity", '{"total_size":0,"x":-Infinity}'),
    ("json-leading-plus", "leading +", '{"total_size":+0}'),
    ("json-leading-zero", "leading zero", '{"total_size":01}'),
    ("json-leading-zero-negative", "leading zero after minus", '{"total_size":0,"x":-01}'),
    ("json-double-zero", "00", '{"total_size":00}'),
    ("json-hex-number", "hexadecimal number", '{"total_size":0x10}'),
    ("json-fraction-no-int", "fraction without integer part", '{"total_size":0,"x":.5}'),
    ("json-fraction-no-digits", "decimal point without digits", '{"total_size":0,"x":5.}'),
    ("json-exponent-no-digits", "exponent without digits", '{"total_size":0,"x":1e}'),
    ("json-exponent-sign-no-digits", "exponent sign without digits", '{"total_size":0,"x":1e+}'),
    ("json-minus-alone", "a lone minus", '{"total_size":0,"x":-}'),
    ("json-double-minus", "double minus", '{"total_size":0,"x":--1}'),
    ("json-fullwidth-digit", "fullwidth digit U+FF11", '{"total_size":０}'),
    ("json-raw-tab-in-string", "unescaped tab in a string", '{"total_size":0,"s":"a\tb"}'),
    ("json-raw-newline-in-string", "unescaped line feed in a string", '{"total_size":0,"s":"a\nb"}'),
    ("json-raw-cr-in-string", "unescaped carriage return in a string", '{"total_size":0,"s":"a\rb"}'),
    ("json-raw-nul-in-string", "unescaped U+0000 in a string", '{"total_size":0,"s":"a\u0000b"}'),
    ("json-raw-1f-in-string", "unescaped U+001F in a string", '{"total_size":0,"s":"\u001f"}'),
    ("json-raw-control-in-key", "unescaped U+0001 in a member name", '{"total_size":0,"\u0001":1}'),
    ("json-escape-x", "invalid escape \\x41", r'{"total_size":0,"s":"\x41"}'),
    ("json-escape-short-u", "short \\u escape", r'{"total_size":0,"s":"\u12"}'),
    ("json-escape-bad-hex", "\\u escape with a non-hex digit", r'{"total_size":0,"s":"\u12G4"}'),
    ("json-escape-capital-u", "\\U escape", r'{"total_size":0,"s":"\U0041"}'),
    ("json-escape-apostrophe", "\\' escape", r'{"total_size":0,"s":"\'"}'),
    ("json-escape-zero", "\\0 escape", r'{"total_size":0,"s":"\0"}'),
    ("json-escape-at-end", "backslash before the closing quote", '{"total_size":0,"s":"\\"}'),
    ("json-unterminated-string", "unterminated string", '{"total_size":0,"s":"abc}'),
    ("json-unclosed-object", "object not closed", '{"total_size":0'),
    ("json-unclosed-array", "array not closed", '{"total_size":0,"a":[1}'),
    ("json-missing-colon", "missing colon", '{"total_size" 0}'),
    ("json-missing-comma", "missing comma between members", '{"total_size":0 "a":1}'),
    ("json-double-comma", "two commas", '{"total_size":0,,"a":1}'),
    ("json-comma-instead-of-colon", "comma instead of colon", '{"total_size",0}'),
    ("json-non-string-key", "number as member name", '{"total_size":0,1:2}'),
    ("json-extra-close", "extra closing brace", '{"total_size":0}}'),
    ("json-trailing-garbage", "a letter after the object", '{"total_size":0}x'),
    ("json-two-objects", "two objects in one header", '{"total_size":0}{"total_size":0}'),
    ("json-capital-true", "TRUE", '{"total_size":0,"x":TRUE}'),
    ("json-capital-null", "Null", '{"total_size":0,"x":Null}'),
    ("json-truncated-literal", "tru", '{"total_size":0,"x":tru}'),
    ("json-only-whitespace", "a header of spaces only", "    "),
    ("json-only-open-brace", "a header that is '{'", "{"),
    ("json-nbsp-whitespace", "U+00A0 (no-break space) between tokens", '{"total_size":\u00a00}'),
    ("json-formfeed-whitespace", "form feed (U+000C) between tokens", '{"total_size":\u000c0}'),
    ("json-vtab-whitespace", "vertical tab (U+000B) between tokens", '{\u000b"total_size":0}'),
    ("json-nel-whitespace", "U+0085 (next line) after the object", MIN + "\u0085"),
    ("json-line-separator-whitespace", "U+2028 (line separator) before the object", "\u2028" + MIN),
    ("json-ideographic-space", "U+3000 (ideographic space) between tokens", '{"total_size":0,\u3000"a":1}'),
    ("json-nul-between-tokens", "U+0000 after the object", MIN + "\u0000"),
    ("json-feff-between-tokens", "U+FEFF between tokens", '{"total_size":0\ufeff}'),
]
for cid, desc, text in INVALID_JSON:
    dec(cid, "3.2", desc + ": HEADER_INVALID_JSON", [fr(text)], out([], HIJ))

dec("json-invalid-after-frames", "3.2", "a valid frame, then a header with a trailing comma",
    [fr(HELLO, "hello"), fr('{"total_size":0,}')], out([HELLO_F], HIJ))
dec("json-syntax-before-duplicate", "3.5",
    "duplicate names and a trailing comma: syntax (3.2) is checked before duplicates (3.3), HEADER_INVALID_JSON",
    [fr('{"total_size":0,"a":1,"a":2,}')], out([], HIJ))
dec("json-syntax-before-surrogate", "3.5",
    "a lone surrogate and a trailing comma: HEADER_INVALID_JSON",
    [fr(r'{"total_size":0,"s":"\ud800",}')], out([], HIJ))
dec("json-syntax-before-object", "3.5", "an array with a trailing comma: HEADER_INVALID_JSON, not HEADER_INVALID",
    [fr('[1,]')], out([], HIJ))
dec("json-syntax-before-fields", "3.5", "total_size \"x\" and a trailing comma: HEADER_INVALID_JSON",
    [fr('{"total_size":"x",}')], out([], HIJ))


# ------------------------------------------------------------------------------------------------
new_file("03-header-value.json",
         "Header value: an object, no duplicate names, no lone surrogates (SPEC 3.3)")

for cid, desc, text in [
    ("value-array-empty", "an empty array", "[]"),
    ("value-array-of-header", "an array holding a valid header", '[{"total_size":0}]'),
    ("value-string", "a string", '"total_size"'),
    ("value-string-of-json", "a string holding a valid header's JSON text", '"{\\"total_size\\":0}"'),
    ("value-number", "a number", "0"),
    ("value-negative-number", "a negative number", "-1"),
    ("value-true", "true", "true"),
    ("value-false", "false", "false"),
    ("value-null", "null", "null"),
    ("value-null-with-whitespace", "null surrounded by whitespace", " null \n"),
]:
    dec(cid, "3.3", "the header is JSON but " + desc + ", not an object: HEADER_INVALID", [fr(text)],
        out([], HI))
dec("value-not-object-after-frame", "3.3", "a valid frame, then a header that is an array",
    [fr(MIN), fr("[]")], out([MIN_F], HI))

DUPS = [
    ("dup-total-size-same", "total_size twice with the same value", '{"total_size":0,"total_size":0}', None),
    ("dup-total-size-different", "total_size twice (0 then 5), 5 body octets follow",
     '{"total_size":0,"total_size":5}', "hello"),
    ("dup-total-size-different-reversed", "total_size twice (5 then 0), 5 body octets follow",
     '{"total_size":5,"total_size":0}', "hello"),
    ("dup-extension", "an extension name twice", '{"total_size":0,"a":1,"a":2}', None),
    ("dup-extension-same-value", "an extension name twice with equal values", '{"total_size":0,"a":1,"a":1}',
     None),
    ("dup-extension-different-types", "a name twice with values of different types",
     '{"total_size":0,"a":"x","a":{"b":1}}', None),
    ("dup-filename", "filename twice", '{"total_size":0,"filename":"a","filename":"b"}', None),
    ("dup-md5", "md5 twice, one of them correct",
     '{"total_size":0,"md5":"d41d8cd98f00b204e9800998ecf8427e","md5":"00000000000000000000000000000000"}', None),
    ("dup-nested-object", "duplicate names in a nested object", '{"total_size":0,"x":{"b":1,"b":2}}', None),
    ("dup-in-array", "duplicate names in an object inside an array",
     '{"total_size":0,"x":[1,{"b":1,"c":0,"b":2}]}', None),
    ("dup-deep", "duplicate names five levels deep",
     '{"total_size":0,"a":{"b":[{"c":{"d":{"e":1,"e":1}}}]}}', None),
    ("dup-in-error", "code twice inside error",
     '{"total_size":0,"error":{"code":"A","message":"m","code":"B"}}', None),
    ("dup-escape-u0061", "\"a\" and \"\\u0061\" are the same name", r'{"total_size":0,"a":1,"\u0061":2}', None),
    ("dup-escape-both-escaped", "\"\\u0061\" twice", r'{"total_size":0,"\u0061":1,"\u0061":2}', None),
    ("dup-escape-total-size", "\"total_size\" and \"total\\u005fsize\"",
     r'{"total_size":0,"total\u005fsize":3}', "abc"),
    ("dup-escape-solidus", "\"a/b\" and \"a\\/b\" are the same name", r'{"total_size":0,"a/b":1,"a\/b":2}', None),
    ("dup-escape-uppercase-hex", "\"é\" and \"\\u00E9\" are the same name",
     '{"total_size":0,"é":1,"\\u00E9":2}', None),
    ("dup-escape-surrogate-pair", "\"😀\" and \"\\ud83d\\ude00\" are the same name",
     '{"total_size":0,"😀":1,"\\ud83d\\ude00":2}', None),
    ("dup-empty-name", "the empty name twice", '{"total_size":0,"":1,"":2}', None),
    ("dup-escape-pair-case", "\"\\ud83d\\ude00\" and \"\\uD83D\\uDE00\" are the same name",
     r'{"total_size":0,"\ud83d\ude00":1,"\uD83D\uDE00":2}', None),
    ("dup-proto-escaped", "\"__proto__\" and \"\\u005f\\u005fproto__\" are the same name",
     r'{"total_size":0,"__proto__":1,"\u005f\u005fproto__":2}', None),
    ("dup-proto", "__proto__ twice", '{"total_size":0,"__proto__":{},"__proto__":{}}', None),
    ("dup-far-apart", "a duplicate separated by many members",
     '{"total_size":0,"k":0,' + ",".join('"m%d":%d' % (i, i) for i in range(50)) + ',"k":1}', None),
]
for cid, desc, text, body in DUPS:
    dec(cid, "3.3", desc + ": HEADER_INVALID", [fr(text, body)], out([], HI))
dec("dup-after-frame", "3.3", "a valid frame, then a header with a duplicate name",
    [fr(MIN), fr('{"total_size":0,"a":1,"a":2}')], out([MIN_F], HI))

dec("dup-not-case-insensitive", "3.3", "\"a\" and \"A\" are different names: accepted",
    [fr('{"total_size":0,"a":1,"A":2}')], out([F({"total_size": 0, "a": 1, "A": 2})]))
dec("dup-not-escape-case", "3.3", "\"\\u0061\" and \"\\u0041\" are different names: accepted",
    [fr(r'{"total_size":0,"\u0061":1,"\u0041":2}')], out([F({"total_size": 0, "a": 1, "A": 2})]))
dec("dup-not-normalized", "3.3",
    "\"é\" (U+00E9) and \"e\\u0301\" (e + combining acute) are different names: no normalization, accepted",
    [fr('{"total_size":0,"é":1,"e\\u0301":2}')], out([F({"total_size": 0, "\u00e9": 1, "e\u0301": 2})]))
dec("dup-not-nul-suffix", "3.3", "\"a\" and \"a\\u0000\" are different names: accepted",
    [fr(r'{"total_size":0,"a":1,"a\u0000":2}')], out([F({"total_size": 0, "a": 1, "a\u0000": 2})]))
dec("dup-not-siblings", "3.3", "the same name in two sibling objects: accepted",
    [fr('{"total_size":0,"x":{"a":1},"y":{"a":2},"z":[{"a":3},{"a":4}]}')],
    out([F({"total_size": 0, "x": {"a": 1}, "y": {"a": 2}, "z": [{"a": 3}, {"a": 4}]})]))
dec("dup-not-parent-child", "3.3", "the same name at two depths: accepted",
    [fr('{"total_size":0,"a":{"a":{"a":1}}}')], out([F({"total_size": 0, "a": {"a": {"a": 1}}})]))
dec("dup-not-total-size-nested", "3.3", "total_size inside an extension object is an ordinary nested name",
    [fr('{"total_size":0,"x":{"total_size":5}}')], out([F({"total_size": 0, "x": {"total_size": 5}})]))

SURR = [
    ("surrogate-high-alone", "a lone high surrogate escape \\ud800", r'"\ud800"'),
    ("surrogate-high-alone-dbff", "a lone high surrogate escape \\udbff", r'"\udbff"'),
    ("surrogate-low-alone", "a lone low surrogate escape \\udc00", r'"\udc00"'),
    ("surrogate-low-alone-dfff", "a lone low surrogate escape \\udfff", r'"\udfff"'),
    ("surrogate-reversed-pair", "a low then a high surrogate escape", r'"\udc00\ud800"'),
    ("surrogate-high-high", "two high surrogate escapes", r'"\ud800\ud800"'),
    ("surrogate-high-then-escape", "a high surrogate then \\u0041", r'"\ud800\u0041"'),
    ("surrogate-high-then-char", "a high surrogate then a plain 'A'", r'"\ud800A"'),
    ("surrogate-high-then-gap-then-low", "high and low surrogates separated by 'x'", r'"\ud800x\udc00"'),
    ("surrogate-high-then-escaped-backslash", "a high surrogate then the text \\\\udc00 (not an escape)",
     r'"\ud800\\udc00"'),
    ("surrogate-low-after-pair", "a valid pair followed by a lone low surrogate", r'"\ud83d\ude00\ude00"'),
    ("surrogate-high-at-end-after-text", "text ending with a lone high surrogate", r'"abc\ud83d"'),
]
for cid, desc, sval in SURR:
    dec(cid, "3.3", desc + " in a string value: HEADER_INVALID",
        [fr('{"total_size":0,"s":%s}' % sval)], out([], HI))
dec("surrogate-in-key", "3.3", "a lone high surrogate in a member name: HEADER_INVALID",
    [fr(r'{"total_size":0,"\ud800":1}')], out([], HI))
dec("surrogate-low-in-key", "3.3", "a lone low surrogate in a nested member name: HEADER_INVALID",
    [fr(r'{"total_size":0,"x":{"\udfff":1}}')], out([], HI))
dec("surrogate-nested-array", "3.3", "a lone surrogate deep in nested arrays: HEADER_INVALID",
    [fr(r'{"total_size":0,"x":[[["ok","\ud800"]]]}')], out([], HI))
dec("surrogate-nested-object", "3.3", "a lone surrogate in a nested object value: HEADER_INVALID",
    [fr(r'{"total_size":0,"x":{"y":{"z":"\udc00"}}}')], out([], HI))
dec("surrogate-in-filename", "3.3", "a lone surrogate in filename: HEADER_INVALID",
    [fr(r'{"total_size":0,"filename":"a\ud800.txt"}')], out([], HI))
dec("surrogate-in-error-message", "3.3", "a lone surrogate in error.message: HEADER_INVALID",
    [fr(r'{"total_size":0,"error":{"code":"E","message":"\udc00"}}')], out([], HI))
dec("surrogate-after-frame", "3.3", "a valid frame, then a header with a lone surrogate",
    [fr(MIN), fr(r'{"total_size":0,"s":"\ud800"}')], out([MIN_F], HI))

dec("surrogate-pair-valid", "3.3", "a valid surrogate pair escape \\ud83d\\ude00 is U+1F600",
    [fr(r'{"total_size":0,"s":"\ud83d\ude00"}')], out([F({"total_size": 0, "s": "😀"})]))
dec("surrogate-pair-uppercase", "3.3", "a valid pair in uppercase hex \\uD83D\\uDE00",
    [fr(r'{"total_size":0,"s":"\uD83D\uDE00"}')], out([F({"total_size": 0, "s": "😀"})]))
dec("surrogate-pair-mixed-case", "3.3", "a valid pair in mixed-case hex \\uD83d\\uDe00",
    [fr(r'{"total_size":0,"s":"\uD83d\uDe00"}')], out([F({"total_size": 0, "s": "😀"})]))
dec("surrogate-pair-min", "3.3", "\\ud800\\udc00 is U+10000",
    [fr(r'{"total_size":0,"s":"\ud800\udc00"}')], out([F({"total_size": 0, "s": "\U00010000"})]))
dec("surrogate-pair-max", "3.3", "\\udbff\\udfff is U+10FFFF",
    [fr(r'{"total_size":0,"s":"\udbff\udfff"}')], out([F({"total_size": 0, "s": "\U0010ffff"})]))
dec("surrogate-pairs-consecutive", "3.3", "two consecutive pairs and text around them",
    [fr(r'{"total_size":0,"s":"a\ud83d\ude00\ud834\udd1eb"}')], out([F({"total_size": 0, "s": "a😀𝄞b"})]))
dec("surrogate-pair-in-key", "3.3", "a valid pair in a member name",
    [fr(r'{"total_size":0,"\ud83d\ude00":"\ud83d\ude00"}')], out([F({"total_size": 0, "😀": "😀"})]))
dec("surrogate-pair-and-raw-equal", "3.3", "an escaped pair and the raw character in two different names",
    [fr(r'{"total_size":0,"k\ud83d\ude00":1,"😀k":2}')], out([F({"total_size": 0, "k😀": 1, "😀k": 2})]))


# ------------------------------------------------------------------------------------------------
new_file("03-header-fields.json", "Header fields and their types (SPEC 3.4, 3.4.1 to 3.4.8)")

# 3.4.1 total_size: valid spellings. (text, value)
TS_VALID = [
    ("ts-zero", "0", 0),
    ("ts-ten", "10", 10),
    ("ts-exp-1e3", "1e3", 1000),
    ("ts-exp-capital", "1E3", 1000),
    ("ts-exp-plus", "1e+3", 1000),
    ("ts-fraction-zero", "1000.0", 1000),
    ("ts-exp-negative", "10000e-1", 1000),
    ("ts-10-point-0", "10.0", 10),
    ("ts-1-point-0-e1", "1.0e1", 10),
    ("ts-1-point-5-e1", "1.5e1", 15),
    ("ts-0-point-1-e2", "0.1e2", 10),
    ("ts-minus-zero", "-0", 0),
    ("ts-minus-zero-fraction", "-0.0", 0),
    ("ts-zero-exp", "0e5", 0),
    ("ts-underflow", "1e-400", 0),
    ("ts-binary64-rounds-to-integer", "1.0000000000000001", 1),
    ("ts-exp-negative-to-one", "100e-2", 1),
    ("ts-small-mantissa-big-exp", "0.000001e6", 1),
]
for suffix, text, value in TS_VALID:
    if value > 20:
        body = [rep(value // 10, [u8("0123456789")])]
    else:
        body = "abcdefghijklmnopqrstuvwxyz"[:value]
    note = "" if text == str(value) else " (denotes %d)" % value
    if suffix == "ts-underflow":
        note = " (nearest binary64 is 0, SPEC 3.2)"
    if suffix == "ts-binary64-rounds-to-integer":
        note = " (nearest binary64 is 1, SPEC 3.2)"
    dec("field-" + suffix, "3.4.1", "total_size " + text + note + ": valid",
        [fr('{"total_size":%s}' % text, body)], out([F({"total_size": value}, body)]))

TS_INVALID = [
    ("ts-missing", "absent (empty object)", "{}", None),
    ("ts-missing-with-fields", "absent, other fields present", '{"filename":"a","id":1}', None),
    ("ts-string", "the string \"10\" (10 body octets follow)", '{"total_size":"10"}', "0123456789"),
    ("ts-string-zero", "the string \"0\"", '{"total_size":"0"}', None),
    ("ts-fraction", "10.5", '{"total_size":10.5}', "0123456789a"),
    ("ts-half", "0.5", '{"total_size":0.5}', None),
    ("ts-exp-fraction", "1e-1", '{"total_size":1e-1}', None),
    ("ts-minus-one", "-1", '{"total_size":-1}', None),
    ("ts-minus-fraction", "-0.5", '{"total_size":-0.5}', None),
    ("ts-null", "null", '{"total_size":null}', None),
    ("ts-true", "true", '{"total_size":true}', None),
    ("ts-false", "false", '{"total_size":false}', None),
    ("ts-array", "[0]", '{"total_size":[0]}', None),
    ("ts-object", "{}", '{"total_size":{}}', None),
    ("ts-2-pow-53", "9007199254740992 (2^53)", '{"total_size":9007199254740992}', None),
    ("ts-2-pow-53-plus-1", "9007199254740993 (reads as 2^53)", '{"total_size":9007199254740993}', None),
    ("ts-1e16", "1e16", '{"total_size":1e16}', None),
    ("ts-1e400", "1e400 (reads as infinity)", '{"total_size":1e400}', None),
    ("ts-minus-1e400", "-1e400", '{"total_size":-1e400}', None),
    ("ts-wrong-case", "absent: Total_Size is an extension", '{"Total_Size":0}', None),
    ("ts-upper-case", "absent: TOTAL_SIZE is an extension", '{"TOTAL_SIZE":0}', None),
    ("ts-camel-case", "absent: totalSize is an extension", '{"totalSize":0}', None),
    ("ts-space-in-name", "absent: \"total_size \" is an extension", '{"total_size ":0}', None),
]
for suffix, desc, text, body in TS_INVALID:
    dec("field-" + suffix, "3.4.1", "total_size " + desc + ": HEADER_INVALID", [fr(text, body)], out([], HI))
dec("field-ts-invalid-after-frame", "3.4.1", "a valid frame, then total_size -1",
    [fr(HELLO, "hello"), fr('{"total_size":-1}')], out([HELLO_F], HI))
dec("field-ts-max-safe-buffered", "3.4.1",
    "total_size 9007199254740991 (2^53-1) is a valid value; with the default maxBodyBytes it is BODY_TOO_LARGE",
    [fr('{"total_size":9007199254740991}')], out([], BTL))

# 3.4.2 filename
for suffix, desc, value in [
    ("plain", "a plain name", "hello.txt"),
    ("empty", "the empty string", ""),
    ("traversal", "a path with ../ (no constraint in this specification)", "../../etc/passwd"),
    ("backslash", "a Windows path", "C:\\dir\\file.txt"),
    ("nul", "a name with U+0000", "a\u0000b"),
    ("unicode", "a non-ASCII name", "résumé 履歴書.pdf"),
]:
    dec("field-filename-" + suffix, "3.4.2", "filename " + desc + ": valid",
        [fr('{"total_size":0,"filename":%s}' % json.dumps(value, ensure_ascii=True))],
        out([F({"total_size": 0, "filename": value})]))
for suffix, text in [("number", "1"), ("true", "true"), ("null", "null"), ("array", '["a"]'),
                     ("object", '{"name":"a"}')]:
    dec("field-filename-" + suffix, "3.4.2", "filename " + text + ": not a string, HEADER_INVALID",
        [fr('{"total_size":0,"filename":%s}' % text)], out([], HI))

# 3.4.3 md5 and 3.4.4 sha256: format only (matching is 4.2)
MD5_HELLO = md5(b"hello")
SHA_HELLO = sha256(b"hello")
dec("field-md5-valid", "3.4.3", "md5 of the body, 32 lowercase hex digits: the frame is delivered",
    [fr('{"total_size":5,"md5":"%s"}' % MD5_HELLO, "hello")],
    out([F({"total_size": 5, "md5": MD5_HELLO}, "hello")]))
dec("field-sha256-valid", "3.4.4", "sha256 of the body, 64 lowercase hex digits: the frame is delivered",
    [fr('{"total_size":5,"sha256":"%s"}' % SHA_HELLO, "hello")],
    out([F({"total_size": 5, "sha256": SHA_HELLO}, "hello")]))
dec("field-md5-and-sha256-valid", "3.4.4", "md5 and sha256 both correct",
    [fr('{"total_size":5,"md5":"%s","sha256":"%s"}' % (MD5_HELLO, SHA_HELLO), "hello")],
    out([F({"total_size": 5, "md5": MD5_HELLO, "sha256": SHA_HELLO}, "hello")]))
for field, spec, good, n in [("md5", "3.4.3", MD5_HELLO, 32), ("sha256", "3.4.4", SHA_HELLO, 64)]:
    cases = [
        ("uppercase", "in uppercase hex", json.dumps(good.upper())),
        ("mixed-case", "with one uppercase digit", json.dumps(re.sub("[a-f]", lambda m: m.group().upper(),
                                                                    good, count=1))),
        ("short", "one digit short", json.dumps(good[:-1])),
        ("long", "one digit too many", json.dumps(good + "0")),
        ("non-hex", "with a 'g'", json.dumps("g" + good[1:])),
        ("empty", "empty", '""'),
        ("spaces", "with a trailing space (same length)", json.dumps(good[:-1] + " ")),
        ("newline-escape", "followed by an escaped newline", json.dumps(good + "\n")),
        ("number", "as a number", "1" * n if n == 32 else "0"),
        ("null", "null", "null"),
        ("array", "as an array", "[" + json.dumps(good) + "]"),
    ]
    for suffix, desc, text in cases:
        dec("field-%s-%s" % (field, suffix), spec,
            "%s %s: HEADER_INVALID (the body would match)" % (field, desc),
            [fr('{"total_size":5,"%s":%s}' % (field, text), "hello")], out([], HI))

# 3.4.5 id
for suffix, text, value in [
    ("string", '"req-1"', "req-1"), ("empty-string", '""', ""), ("zero", "0", 0), ("integer", "42", 42),
    ("negative", "-42", -42), ("minus-zero", "-0", 0), ("exponent", "1e2", 100), ("fraction-zero", "7.0", 7),
    ("max", "9007199254740991", MAX_SAFE), ("min", "-9007199254740991", -MAX_SAFE),
    ("numeric-string", '"1.5"', "1.5"),
]:
    dec("field-id-" + suffix, "3.4.5", "id " + text + ": valid",
        [fr('{"total_size":0,"id":%s}' % text)], out([F({"total_size": 0, "id": value})]))
for suffix, text in [
    ("float", "1.5"), ("negative-float", "-0.5"), ("2-pow-53", "9007199254740992"),
    ("minus-2-pow-53", "-9007199254740992"), ("1e400", "1e400"), ("true", "true"), ("false", "false"),
    ("null", "null"), ("array", "[1]"), ("object", '{"n":1}'),
]:
    dec("field-id-" + suffix, "3.4.5", "id " + text + ": HEADER_INVALID",
        [fr('{"total_size":0,"id":%s}' % text)], out([], HI))

# 3.4.6 error
for suffix, desc, text, value in [
    ("valid", "code and message", '{"code":"HEADER_INVALID_JSON","message":"bad header"}',
     {"code": "HEADER_INVALID_JSON", "message": "bad header"}),
    ("app-code", "an application's own code", '{"code":"app.quota","message":"over quota"}',
     {"code": "app.quota", "message": "over quota"}),
    ("empty-message", "an empty message", '{"code":"E","message":""}', {"code": "E", "message": ""}),
    ("space-code", "a code that is a single space (non-empty)", '{"code":" ","message":"m"}',
     {"code": " ", "message": "m"}),
    ("extra-members", "other members, preserved",
     '{"message":"m","retry":true,"code":"E","detail":{"n":[1,2]},"extra":null}',
     {"code": "E", "message": "m", "retry": True, "detail": {"n": [1, 2]}, "extra": None}),
]:
    dec("field-error-" + suffix, "3.4.6", "error with " + desc + ": a valid error frame, delivered",
        [fr('{"total_size":0,"error":%s}' % text)], out([F({"total_size": 0, "error": value})]))
dec("field-error-with-body", "3.4.6", "an error frame with a body: delivered with its body",
    [fr('{"total_size":4,"error":{"code":"E","message":"m"}}', "oops")],
    out([F({"total_size": 4, "error": {"code": "E", "message": "m"}}, "oops")]))
for suffix, text in [
    ("missing-code", '{"message":"m"}'), ("missing-message", '{"code":"E"}'), ("empty-object", "{}"),
    ("empty-code", '{"code":"","message":"m"}'), ("code-number", '{"code":1,"message":"m"}'),
    ("code-null", '{"code":null,"message":"m"}'), ("message-number", '{"code":"E","message":1}'),
    ("message-null", '{"code":"E","message":null}'), ("message-object", '{"code":"E","message":{}}'),
    ("string", '"HEADER_INVALID"'), ("array", '["E","m"]'), ("true", "true"), ("null", "null"),
]:
    dec("field-error-" + suffix, "3.4.6", "error " + text + ": HEADER_INVALID",
        [fr('{"total_size":0,"error":%s}' % text)], out([], HI))

dec("field-several-invalid", "3.4", "several invalid fields: which is reported is not specified, the code is",
    [fr('{"total_size":"1","filename":2,"md5":"X","id":true}')], out([], HI))
dec("field-nested-field-names", "3.4.7",
    "field names inside an extension object are not fields: their values are not checked",
    [fr('{"total_size":0,"meta":{"total_size":"x","md5":"NOT-HEX","id":1.5,"filename":7,"error":null}}')],
    out([F({"total_size": 0, "meta": {"total_size": "x", "md5": "NOT-HEX", "id": 1.5, "filename": 7,
                                       "error": None}})]))

# 3.4.7 extensions
dec("field-extension-all-types", "3.4.7", "extensions of every JSON type, delivered unchanged",
    [fr('{"total_size":0,"s":"x","i":-7,"f":0.25,"e":1e-7,"t":true,"n":null,"a":[1,"two",[3],{"4":4}],'
        '"o":{"p":{"q":[]}},"big":1.5e300,"tiny":5e-324}')],
    out([F({"total_size": 0, "s": "x", "i": -7, "f": 0.25, "e": 1e-7, "t": True, "n": None,
            "a": [1, "two", [3], {"4": 4}], "o": {"p": {"q": []}}, "big": 1.5e300, "tiny": 5e-324})]))
dec("field-extension-false", "3.4.7", "an extension whose value is false",
    [fr('{"total_size":0,"x":false}')], out([F({"total_size": 0, "x": False})]))
dec("field-extension-null-allowed", "3.4.7", "null is a valid extension value (only fields reject null)",
    [fr('{"total_size":0,"x":null,"filename":"f"}')], out([F({"total_size": 0, "x": None, "filename": "f"})]))
dec("field-extension-wrong-case", "3.4.7", "Total_Size next to total_size is an extension, delivered",
    [fr('{"total_size":3,"Total_Size":99,"MD5":"nope","ID":[]}', "abc")],
    out([F({"total_size": 3, "Total_Size": 99, "MD5": "nope", "ID": []}, "abc")]))
dec("field-extension-empty-name", "3.4.7", "an extension with the empty name",
    [fr('{"total_size":0,"":"empty"}')], out([F({"total_size": 0, "": "empty"})]))
dec("field-extension-many", "3.4.7", "100 extensions",
    [fr('{"total_size":0,' + ",".join('"x%03d":%d' % (i, i) for i in range(100)) + "}")],
    out([F(dict([("total_size", 0)] + [("x%03d" % i, i) for i in range(100)]))]))

# 3.4.8 __proto__, constructor, prototype
PROTO_OK = [
    ("proto-object", "__proto__ holding an object", '{"total_size":0,"__proto__":{"polluted":true}}',
     {"total_size": 0, "__proto__": {"polluted": True}}),
    ("proto-constructor-prototype", "constructor.prototype",
     '{"total_size":0,"constructor":{"prototype":{"polluted":true}}}',
     {"total_size": 0, "constructor": {"prototype": {"polluted": True}}}),
    ("proto-all-three-scalars", "__proto__, constructor and prototype with non-object values",
     '{"total_size":0,"prototype":null,"constructor":"x","__proto__":[1]}',
     {"total_size": 0, "prototype": None, "constructor": "x", "__proto__": [1]}),
    ("proto-null", "__proto__: null", '{"total_size":0,"__proto__":null}', {"total_size": 0, "__proto__": None}),
    ("proto-nested", "__proto__ in nested objects and arrays",
     '{"total_size":0,"a":{"__proto__":{"b":1}},"c":[{"__proto__":{"d":2}}]}',
     {"total_size": 0, "a": {"__proto__": {"b": 1}}, "c": [{"__proto__": {"d": 2}}]}),
    ("proto-holding-fields", "__proto__ holding field names: total_size is the own one",
     '{"total_size":0,"__proto__":{"total_size":99,"md5":"X"}}',
     {"total_size": 0, "__proto__": {"total_size": 99, "md5": "X"}}),
    ("proto-in-error", "__proto__ inside error",
     '{"total_size":0,"error":{"code":"E","message":"m","__proto__":{"x":1}}}',
     {"total_size": 0, "error": {"code": "E", "message": "m", "__proto__": {"x": 1}}}),
    ("proto-object-methods", "names of Object.prototype methods",
     '{"total_size":0,"hasOwnProperty":1,"toString":"s","valueOf":null,"__defineGetter__":[]}',
     {"total_size": 0, "hasOwnProperty": 1, "toString": "s", "valueOf": None, "__defineGetter__": []}),
]
for suffix, desc, text, value in PROTO_OK:
    dec("field-" + suffix, "3.4.8", desc + ": ordinary data, delivered as is", [fr(text)], out([F(value)]))
dec("field-proto-total-size-only-inherited", "3.4.8",
    "total_size only inside __proto__: the header has no total_size, HEADER_INVALID (3 octets follow)",
    [fr('{"__proto__":{"total_size":3}}', "abc")], out([], HI))
dec("field-proto-total-size-before-own", "3.4.8",
    "__proto__ holding total_size 0 before the own total_size 2: the frame has a 2-octet body",
    [fr('{"__proto__":{"total_size":0},"total_size":2}', "hi"), fr(MIN)],
    out([F({"total_size": 2, "__proto__": {"total_size": 0}}, "hi"), MIN_F]))
dec("field-proto-then-plain-frame", "3.4.8",
    "a header with __proto__, then a plain header: the second header has exactly one member",
    [fr('{"total_size":0,"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'), fr(MIN)],
    out([F({"total_size": 0, "__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}),
         MIN_F]))
dec("field-proto-error-inherited", "3.4.8",
    "__proto__ holding an invalid error: it is data, not the error field, so the header is valid",
    [fr('{"total_size":0,"__proto__":{"error":1}}')], out([F({"total_size": 0, "__proto__": {"error": 1}})]))


# ------------------------------------------------------------------------------------------------
new_file("03-header-order.json", "Header validation order and when a header is checked (SPEC 3.5)")

dec("order-2-pow-53-not-body-too-large", "3.5",
    "{\"total_size\":9007199254740992} is HEADER_INVALID, not BODY_TOO_LARGE",
    [fr('{"total_size":9007199254740992}')], out([], HI))
dec("order-field-before-body-limit", "3.5",
    "total_size over maxBodyBytes and md5 uppercase: fields (3.4) before the body limit, HEADER_INVALID",
    [fr('{"total_size":16777217,"md5":"5D41402ABC4B2A76B9719D911017C592"}')], out([], HI))
dec("order-duplicate-before-body-limit", "3.5",
    "total_size over maxBodyBytes and a duplicate name: HEADER_INVALID",
    [fr('{"total_size":16777217,"a":1,"a":2}')], out([], HI))
dec("order-surrogate-before-body-limit", "3.5",
    "total_size over maxBodyBytes and a lone surrogate: HEADER_INVALID",
    [fr(r'{"total_size":16777217,"s":"\ud800"}')], out([], HI))
dec("order-body-limit-last", "3.5", "a valid header with total_size over maxBodyBytes: BODY_TOO_LARGE",
    [fr('{"total_size":16777217,"filename":"big.bin"}')], out([], BTL))
dec("order-custom-body-limit-after-fields", "3.5",
    "maxBodyBytes 4, total_size 5 and id 1.5: HEADER_INVALID",
    [fr('{"total_size":5,"id":1.5}', "hello")], out([], HI), options={"maxBodyBytes": 4})
dec("order-not-object-before-duplicate", "3.5", "an array containing an object with duplicates: HEADER_INVALID",
    [fr('[{"a":1,"a":2}]')], out([], HI))
dec("order-bom-before-syntax", "3.5", "a BOM and a syntax error: HEADER_INVALID_JSON",
    [frh([hx("efbbbf"), u8('{"total_size":0,}')])], out([], HIJ))
dec("order-utf8-before-syntax", "3.5", "ill-formed UTF-8 at the end and a syntax error at the start",
    [frh([u8('{,"s":"'), hx("ff"), u8('"}')])], out([], HIJ))

dec("order-truncated-invalid-json", "3.5",
    "H = 20 but only 6 octets of '{{{{{{' arrive: TRUNCATED, the header is never checked",
    [{"u32be": 20}, u8("{{{{{{")], out([], TRN))
dec("order-truncated-invalid-utf8", "3.5",
    "an incomplete header containing ill-formed UTF-8: TRUNCATED",
    [{"u32be": 30}, u8('{"total_size":0,"s":"'), hx("ff")], out([], TRN))
dec("order-truncated-bom", "3.5", "an incomplete header starting with a BOM: TRUNCATED",
    [{"u32be": 19}, hx("efbbbf"), u8('{"total_size"')], out([], TRN))
dec("order-truncated-not-object", "3.5", "an incomplete header that starts as an array: TRUNCATED",
    [{"u32be": 10}, u8("[1,2")], out([], TRN))
dec("order-truncated-lone-surrogate", "3.5", "an incomplete header with a lone surrogate: TRUNCATED",
    [{"u32be": 40}, u8(r'{"total_size":0,"s":"\ud800"')], out([], TRN))
dec("order-truncated-body-too-large", "3.5",
    "an incomplete header whose total_size is over maxBodyBytes: TRUNCATED",
    [{"u32be": 40}, u8('{"total_size":16777217')], out([], TRN))
dec("order-truncated-one-short", "3.5", "a valid header one octet short: TRUNCATED",
    [{"u32be": 16}, u8('{"total_size":0')], out([], TRN))
dec("order-truncated-after-frames", "3.5", "two frames, then an incomplete invalid header: TRUNCATED",
    [fr(MIN), fr(HELLO, "hello"), {"u32be": 10}, u8("}}}")], out([MIN_F, HELLO_F], TRN))


# ------------------------------------------------------------------------------------------------
new_file("04-body-checksums.json", "Body length and checksums (SPEC 4.1, 4.2)")

ALL_BYTES = bytes(range(256))
EMPTY_MD5 = md5(b"")
EMPTY_SHA = sha256(b"")
ZERO_MD5 = "0" * 32
ZERO_SHA = "0" * 64


def hdr(total_size, **kw):
    h = {"total_size": total_size}
    h.update(kw)
    return h


def htext(h):
    return json.dumps(h, separators=(",", ":"))


def frame_of(body, **kw):
    """(input piece, expected frame) for a header built from kw, body bytes or str."""
    b = body.encode() if isinstance(body, str) else body
    h = hdr(len(b), **kw)
    return fr(htext(h), body), F(h, body)


dec("body-zero-size", "4.1", "N = 0: the frame ends with its header", [fr(MIN)], out([MIN_F]))
dec("body-zero-size-then-frame", "4.1", "N = 0, then the next frame's prefix immediately",
    [fr(MIN), fr(HELLO, "hello"), fr(MIN)], out([MIN_F, HELLO_F, MIN_F]))
dec("body-zero-size-back-to-back", "4.1", "100 frames with N = 0 back to back",
    [rep(100, [fr(MIN)])], out([FR(100, [MIN_F])]))
i, e = frame_of(ALL_BYTES)
dec("body-all-octet-values", "4.1", "a body holding every octet value 00..FF", [i], out([e]))
i, e = frame_of(b"\x00\x00\x00\x10" + MIN.encode())
dec("body-looks-like-frame", "4.1", "a body that is itself a valid frame is just body octets", [i], out([e]))
i, e = frame_of(b"\xef\xbb\xbf\xff\xfe\xc0\xaf\xed\xa0\x80")
dec("body-invalid-utf8", "4.1", "a body of ill-formed UTF-8 is fine: the body is binary", [i], out([e]))
i1, e1 = frame_of("a")
i2, e2 = frame_of("bc")
dec("body-exact-length", "4.1", "bodies of 1 and 2 octets: each frame takes exactly N octets",
    [i1, i2, fr(MIN)], out([e1, e2, MIN_F]))
dec("body-shorter-than-declared", "4.1", "the stream ends 1 octet before the body's end: TRUNCATED",
    [fr('{"total_size":6}', "hello")], out([], TRN))
dec("body-longer-than-declared", "4.1",
    "one octet more than N: it is the first octet of the next prefix, TRUNCATED",
    [fr('{"total_size":4}', "hello")], out([F({"total_size": 4}, "hell")], TRN))

# 4.2 correct checksums
for cid, desc, kw, body in [
    ("checksum-md5-ok", "md5 of the body", {"md5": MD5_HELLO}, "hello"),
    ("checksum-sha256-ok", "sha256 of the body", {"sha256": SHA_HELLO}, "hello"),
    ("checksum-both-ok", "md5 and sha256 of the body", {"md5": MD5_HELLO, "sha256": SHA_HELLO}, "hello"),
    ("checksum-md5-empty-ok", "md5 of the empty body", {"md5": EMPTY_MD5}, ""),
    ("checksum-sha256-empty-ok", "sha256 of the empty body", {"sha256": EMPTY_SHA}, ""),
    ("checksum-binary-ok", "md5 and sha256 of 256 binary octets",
     {"md5": md5(ALL_BYTES), "sha256": sha256(ALL_BYTES)}, ALL_BYTES),
]:
    b = body.encode() if isinstance(body, str) else body
    h = hdr(len(b), **kw)
    dec(cid, "4.2", desc + ": delivered", [fr(htext(h), body)], out([F(h, body)]))

# 4.2 mismatches
for cid, desc, kw, body in [
    ("checksum-md5-mismatch", "md5 of another body", {"md5": md5(b"hellO")}, "hello"),
    ("checksum-sha256-mismatch", "sha256 of another body", {"sha256": sha256(b"hellO")}, "hello"),
    ("checksum-md5-wrong-sha256-ok", "md5 wrong, sha256 right", {"md5": ZERO_MD5, "sha256": SHA_HELLO}, "hello"),
    ("checksum-md5-ok-sha256-wrong", "md5 right, sha256 wrong", {"md5": MD5_HELLO, "sha256": ZERO_SHA}, "hello"),
    ("checksum-both-wrong", "md5 and sha256 both wrong", {"md5": ZERO_MD5, "sha256": ZERO_SHA}, "hello"),
    ("checksum-md5-empty-mismatch", "N = 0 with a wrong md5: reported right after the header",
     {"md5": ZERO_MD5}, ""),
    ("checksum-sha256-empty-mismatch", "N = 0 with the sha256 of \"hello\"", {"sha256": SHA_HELLO}, ""),
    ("checksum-md5-over-header-and-body", "md5 computed over header and body instead of the body",
     {"md5": md5(b'{"total_size":5}hello')}, "hello"),
    ("checksum-last-octet-differs", "sha256 of a body differing only in its last octet",
     {"sha256": sha256(ALL_BYTES[:-1] + b"\x00")}, ALL_BYTES),
    ("checksum-md5-of-other-frame", "md5 of the empty body on a 5-octet body", {"md5": EMPTY_MD5}, "hello"),
]:
    b = body.encode() if isinstance(body, str) else body
    h = hdr(len(b), **kw)
    dec(cid, "4.2", desc + ": CHECKSUM_MISMATCH", [fr(htext(h), body)], out([], CSM))

bad = fr(htext(hdr(5, md5=ZERO_MD5)), "hello")
dec("checksum-mismatch-after-frames", "4.2",
    "two valid frames, a checksum mismatch, then a valid frame: the first two are delivered, nothing after",
    [fr(MIN), fr(htext(hdr(5, md5=MD5_HELLO)), "hello"), bad, fr(HELLO, "hello")],
    out([MIN_F, F(hdr(5, md5=MD5_HELLO), "hello")], CSM))
dec("checksum-mismatch-truncated", "4.2",
    "a wrong md5 and a body cut short: the stream ends before the last body octet, TRUNCATED",
    [fr(htext(hdr(6, md5=ZERO_MD5)), "hello")], out([], TRN))
dec("checksum-ok-then-mismatch", "4.2", "a frame whose sha256 matches, then one whose sha256 does not",
    [fr(htext(hdr(5, sha256=SHA_HELLO)), "hello"), fr(htext(hdr(5, sha256=SHA_HELLO)), "HELLO")],
    out([F(hdr(5, sha256=SHA_HELLO), "hello")], CSM))
dec("checksum-error-frame-mismatch", "4.2", "an error frame with a wrong md5 is CHECKSUM_MISMATCH too",
    [fr('{"total_size":1,"md5":"%s","error":{"code":"E","message":"m"}}' % ZERO_MD5, "x")], out([], CSM))


# ------------------------------------------------------------------------------------------------
new_file("05-limits.json", "Decoder limits: maxHeaderBytes, maxBodyBytes, maxStreamBodyBytes, memory (SPEC 5)")

H64K = [u8(MIN), rep(65536 - 16, [u8(" ")])]  # a valid header of 65536 octets: 16 + 65520 spaces
H64K1 = [u8(MIN), rep(65537 - 16, [u8(" ")])]
H64K_PAD = pad_header(65536)  # the same length with a 65511-character string value
dec("limit-header-default-exact", "5.1",
    "a valid 65536-octet header ({\"total_size\":0} and 65520 spaces) with the default limit: accepted",
    [frh(H64K)], out([MIN_F]))
dec("limit-header-default-exact-string", "5.1",
    "a valid 65536-octet header holding a 65511-character string: accepted",
    [fr(H64K_PAD)], out([F(json.loads(H64K_PAD))]), chunkings=["whole", {"size": 1}, {"size": 4093}])
dec("limit-header-default-exact-with-body", "5.1",
    "a valid 65536-octet header, a body, then another frame",
    [frh([u8(HELLO), rep(65536 - 16, [u8(" ")])], "hello"), fr(MIN)], out([HELLO_F, MIN_F]))
dec("limit-header-default-plus-1", "5.1",
    "a valid 65537-octet header, entirely present: HEADER_TOO_LARGE from the prefix alone",
    [frh(H64K1)], out([], HTL))
dec("limit-header-default-plus-1-prefix-only", "5.1",
    "a prefix of 65537 and no header octet: HEADER_TOO_LARGE without waiting for the header",
    [{"u32be": 65537}], out([], HTL))
dec("limit-header-default-exact-prefix-only", "5.1",
    "a prefix of 65536 and a few header octets: accepted, then TRUNCATED",
    [{"u32be": 65536}, u8('{"total_size":0')], out([], TRN))
dec("limit-header-default-plus-1-after-frame", "5.1", "a frame, then a prefix of 65537",
    [fr(HELLO, "hello"), {"u32be": 65537}], out([HELLO_F], HTL))
dec("limit-header-le-default-plus-1", "5.1", "le: a prefix of 65537: HEADER_TOO_LARGE",
    [{"u32le": 65537}, u8("{")], out([], HTL), options=LE)
dec("limit-header-le-default-exact", "5.1", "le: a valid 65536-octet header: accepted",
    [frh(H64K)], out([MIN_F]), options=LE)

SMALL_H = {"maxHeaderBytes": 16}
dec("limit-header-small-exact", "5.1", "maxHeaderBytes 16 and a 16-octet header: accepted",
    [fr(MIN), fr(MIN)], out([MIN_F, MIN_F]), options=SMALL_H)
dec("limit-header-small-plus-1", "5.1", "maxHeaderBytes 16 and a 17-octet header: HEADER_TOO_LARGE",
    [fr('{"total_size": 0}')], out([], HTL), options=SMALL_H)
dec("limit-header-small-after-frame", "5.1", "maxHeaderBytes 16: a 16-octet frame, then a 17-octet one",
    [fr(MIN), fr('{"total_size":0 }')], out([MIN_F], HTL), options=SMALL_H)
dec("limit-header-small-le", "5.1", "le, maxHeaderBytes 16 and a 17-octet header: HEADER_TOO_LARGE",
    [fr('{"total_size": 0}')], out([], HTL), options={"profile": "le", "maxHeaderBytes": 16})
dec("limit-header-small-le-negative", "2.3",
    "le, maxHeaderBytes 16, prefix -1: H < 0 is checked first, HEADER_LENGTH_INVALID",
    [{"u32le": 4294967295}], out([], HLI), options={"profile": "le", "maxHeaderBytes": 16})
dec("limit-header-zero-limit-zero-length", "2.3",
    "maxHeaderBytes 0 and H = 0: H = 0 is checked first, HEADER_LENGTH_INVALID",
    [{"u32be": 0}], out([], HLI), options={"maxHeaderBytes": 0})
dec("limit-header-zero-limit", "5.1", "maxHeaderBytes 0 and H = 1: HEADER_TOO_LARGE",
    [{"u32be": 1}, u8("{")], out([], HTL), options={"maxHeaderBytes": 0})
dec("limit-header-one", "5.1", "maxHeaderBytes 1 and a 1-octet header '0': accepted by the limit, not an object",
    [fr("0")], out([], HI), options={"maxHeaderBytes": 1})
dec("limit-header-raised", "5.1", "maxHeaderBytes 100000 and a valid 65537-octet header: accepted",
    [frh(H64K1)], out([MIN_F]), options={"maxHeaderBytes": 100000})
UNI_H = '{"total_size":0,"s":"é€😀"}'
UNI_N = len(UNI_H.encode("utf-8"))
assert (len(UNI_H), UNI_N) == (26, 32)
dec("limit-header-counts-octets", "5.1",
    "maxHeaderBytes counts octets: a 32-octet header of 26 characters ('é€😀') with limit 31 is too large",
    [fr(UNI_H)], out([], HTL), options={"maxHeaderBytes": UNI_N - 1})
dec("limit-header-counts-octets-exact", "5.1",
    "the same 32-octet header with maxHeaderBytes 32: accepted",
    [fr(UNI_H)], out([F({"total_size": 0, "s": "é€😀"})]), options={"maxHeaderBytes": UNI_N})

# 5.2 maxBodyBytes
BODY16 = ALL_BYTES * (MIB16 // 256)
BIG16 = [rep(MIB16 // 256, [{"hex": ALL_BYTES.hex()}])]
dec("limit-body-default-exact", "5.2",
    "a 16777216-octet body (exactly the default maxBodyBytes): accepted",
    [fr('{"total_size":16777216}', BIG16)], out([F({"total_size": MIB16}, big_body(BODY16))]),
    chunkings=["whole", {"size": 65536}])
dec("limit-body-default-exact-64-octet-chunks", "5.2",
    "a 16777216-octet body fed in 64-octet chunks: accepted",
    [fr('{"total_size":16777216}', BIG16)], out([F({"total_size": MIB16}, big_body(BODY16))]),
    chunkings=[{"size": 64}])
dec("limit-body-default-plus-1", "5.2",
    "total_size 16777217 with the default maxBodyBytes: BODY_TOO_LARGE as soon as the header is parsed",
    [fr('{"total_size":16777217}')], out([], BTL))
dec("limit-body-default-plus-1-with-octets", "5.2",
    "total_size 16777217 followed by some body octets: BODY_TOO_LARGE",
    [fr('{"total_size":16777217}', "0123456789")], out([], BTL))
dec("limit-body-default-plus-1-after-frame", "5.2", "a frame, then total_size 16777217",
    [fr(HELLO, "hello"), fr('{"total_size":16777217}')], out([HELLO_F], BTL))
dec("limit-body-le-plus-1", "5.2", "le: total_size 16777217: BODY_TOO_LARGE",
    [fr('{"total_size":16777217}')], out([], BTL), options=LE)
SMALL_B = {"maxBodyBytes": 10}
dec("limit-body-small-exact", "5.2", "maxBodyBytes 10 and total_size 10: accepted",
    [fr('{"total_size":10}', "0123456789")], out([F({"total_size": 10}, "0123456789")]), options=SMALL_B)
dec("limit-body-small-plus-1", "5.2", "maxBodyBytes 10 and total_size 11 (11 octets follow): BODY_TOO_LARGE",
    [fr('{"total_size":11}', "0123456789a")], out([], BTL), options=SMALL_B)
dec("limit-body-small-after-frames", "5.2", "maxBodyBytes 10: frames of 0 and 10 octets, then 11",
    [fr(MIN), fr('{"total_size":10}', "0123456789"), fr('{"total_size":11}')],
    out([MIN_F, F({"total_size": 10}, "0123456789")], BTL), options=SMALL_B)
dec("limit-body-zero-limit", "5.2", "maxBodyBytes 0: total_size 0 accepted, total_size 1 is BODY_TOO_LARGE",
    [fr(MIN), fr('{"total_size":1}', "x")], out([MIN_F], BTL), options={"maxBodyBytes": 0})
dec("limit-body-ignores-stream-limit", "5.3",
    "buffered mode ignores maxStreamBodyBytes: limit 0 there, total_size 5 accepted",
    [fr(HELLO, "hello")], out([HELLO_F]), options={"maxStreamBodyBytes": 0})
dec("limit-body-max-safe-limit", "5.4",
    "maxBodyBytes 9007199254740991 and total_size 9007199254740991 with 5 body octets: accepted, TRUNCATED "
    "(nothing may be allocated for the declared size)",
    [fr('{"total_size":9007199254740991}', "hello")], out([], TRN),
    options={"maxBodyBytes": MAX_SAFE})
dec("limit-memory-declared-16mib", "5.4",
    "total_size 16777216 and no body octets: TRUNCATED (memory grows only as octets arrive)",
    [fr('{"total_size":16777216}')], out([], TRN))
dec("limit-memory-declared-header", "5.4", "a prefix of 65536 and nothing else: TRUNCATED",
    [{"u32be": 65536}], out([], TRN))

# 5.3 maxStreamBodyBytes
ST = {"mode": "streaming"}
dec("limit-stream-over-max-body", "5.3",
    "streaming: a body of 16777217 octets (over maxBodyBytes) is accepted under maxStreamBodyBytes",
    [fr('{"total_size":16777217}', BIG16 + [hx("ff")])],
    out([F({"total_size": MIB16 + 1}, big_body(BODY16 + b"\xff"))]), options=ST,
    chunkings=["whole", {"size": 65536}])
dec("limit-stream-ignores-max-body", "5.3", "streaming, maxBodyBytes 4: a 10-octet body is accepted",
    [fr('{"total_size":10}', "0123456789")], out([F({"total_size": 10}, "0123456789")]),
    options={"mode": "streaming", "maxBodyBytes": 4})
dec("limit-stream-small-exact", "5.3", "streaming, maxStreamBodyBytes 5 and total_size 5: accepted",
    [fr(HELLO, "hello")], out([HELLO_F]), options={"mode": "streaming", "maxStreamBodyBytes": 5})
dec("limit-stream-small-plus-1", "5.3", "streaming, maxStreamBodyBytes 4 and total_size 5: BODY_TOO_LARGE",
    [fr(HELLO, "hello")], out([], BTL), options={"mode": "streaming", "maxStreamBodyBytes": 4})
dec("limit-stream-max-safe", "5.3",
    "streaming: total_size 9007199254740991 is accepted by the default maxStreamBodyBytes, then TRUNCATED",
    [fr('{"total_size":9007199254740991}', "some body octets")], out([], TRN), options=ST)
dec("limit-stream-2-pow-53", "5.3", "streaming: total_size 9007199254740992 is HEADER_INVALID (3.4.1)",
    [fr('{"total_size":9007199254740992}')], out([], HI), options=ST)


# ------------------------------------------------------------------------------------------------
new_file("06-chunking-truncation.json", "Chunking independence and end of stream (SPEC 6.1, 6.3)")


def inner_utf8_offsets(pieces, profile="be"):
    """Offsets that cut inside a multi-octet UTF-8 character (before a continuation octet)."""
    data = expand(pieces, profile)
    return [o for o in range(1, len(data)) if 0x80 <= data[o] <= 0xBF]


UTF_H = '{"total_size":3,"é":"€😀","k":"ß𝄞ä"}'
UTF_IN = [fr(UTF_H, "abc"), fr(UTF_H, "abc")]
UTF_OUT = out([F({"total_size": 3, "é": "€😀", "k": "ß𝄞ä"}, "abc")] * 2)
offs = inner_utf8_offsets(UTF_IN)
assert len(offs) == 2 * 11
dec("chunk-split-inside-utf8-every", "6.1",
    "two frames with 2-, 3- and 4-octet characters in the header, cut at every offset",
    UTF_IN, UTF_OUT, chunkings=["whole", {"size": 1}, {"size": 2}, {"size": 3}, "every"])
dec("chunk-split-inside-utf8-all-at-once", "6.1",
    "the same two frames cut before every continuation octet in one run (%d cuts)" % len(offs),
    UTF_IN, UTF_OUT, chunkings=[{"splits": offs}])
dec("chunk-split-inside-utf8-one-at-a-time", "6.1",
    "the same two frames cut once before each continuation octet, one run per cut",
    UTF_IN, UTF_OUT, chunkings=[{"splits": [o]} for o in offs])
KEY_H = '{"total_size":0,"😀😀😀":"ok"}'
dec("chunk-split-inside-utf8-key", "6.1", "a member name of 4-octet characters, cut at every offset",
    [fr(KEY_H)], out([F({"total_size": 0, "😀😀😀": "ok"})]),
    chunkings=["whole", {"size": 1}, {"splits": inner_utf8_offsets([fr(KEY_H)])}, "every"])
bad_utf = [frh([u8('{"total_size":0,"s":"€'), hx("e282"), u8('"}')])]
dec("chunk-split-inside-invalid-utf8", "6.1",
    "a truncated 3-octet sequence after a valid one, cut at every offset: HEADER_INVALID_JSON",
    bad_utf, out([], HIJ), chunkings=["whole", {"size": 1}, {"splits": inner_utf8_offsets(bad_utf)}, "every"])
dec("chunk-split-inside-prefix", "6.1", "three frames, cut at every offset (including inside each prefix)",
    [fr(MIN), fr(HELLO, "hello"), fr(MIN)], out([MIN_F, HELLO_F, MIN_F]),
    chunkings=["whole", {"size": 1}, {"size": 3}, {"splits": [1, 2, 3, 21, 22, 23, 24]}, "every"])
dec("chunk-split-between-frames", "6.1", "cuts exactly at frame boundaries",
    [fr(MIN), fr(HELLO, "hello"), fr(MIN)], out([MIN_F, HELLO_F, MIN_F]),
    chunkings=[{"splits": [20]}, {"splits": [20, 45]}, {"splits": [45]}])

F3 = fr('{"total_size":3}', "abc")
F3_F = F({"total_size": 3}, "abc")
dec("chunk-1000-frames", "6.1", "1000 frames of 3 octets in one chunk, and in chunks of 1, 5 and 4096 octets",
    [rep(1000, [F3])], out([FR(1000, [F3_F])]),
    chunkings=["whole", {"size": 1}, {"size": 5}, {"size": 4096}])
dec("chunk-1000-zero-size-frames", "6.1", "1000 frames with N = 0 back to back",
    [rep(1000, [fr(MIN)])], out([FR(1000, [MIN_F])]), chunkings=["whole", {"size": 1}, {"size": 7}])
dec("chunk-mixed-frames-repeated", "6.1", "a pattern of 4 different frames repeated 200 times",
    [rep(200, [fr(MIN), F3, fr(HELLO, "hello"), fr('{"total_size":1,"id":1}', "x")])],
    out([FR(200, [MIN_F, F3_F, HELLO_F, F({"total_size": 1, "id": 1}, "x")])]),
    chunkings=["whole", {"size": 1}, {"size": 13}, {"size": 4096}])
dec("chunk-frames-then-error-same-chunk", "6.1",
    "100 frames and a prefix of 0 in one chunk: the 100 frames are delivered before the error",
    [rep(100, [F3]), {"u32be": 0}], out([FR(100, [F3_F])], HLI), chunkings=["whole", {"size": 1}, {"size": 64}])
dec("chunk-frames-then-checksum-error-same-chunk", "6.1",
    "100 frames and a checksum mismatch in one chunk",
    [rep(100, [F3]), bad], out([FR(100, [F3_F])], CSM), chunkings=["whole", {"size": 1}, {"size": 64}])
dec("chunk-error-then-frames-same-chunk", "6.1",
    "a header error then 100 valid frames in one chunk: nothing after the error is delivered",
    [fr("[]"), rep(100, [F3])], out([], HI), chunkings=["whole", {"size": 1}, {"size": 64}])

# 6.3 end of stream
dec("trunc-empty-input", "6.3", "an empty stream: a clean end, no frames, no error", [], out([]),
    chunkings=["whole", {"size": 1}])
dec("trunc-clean-end", "6.3", "a stream that ends at a frame boundary: a clean end",
    [fr(MIN), fr(HELLO, "hello")], out([MIN_F, HELLO_F]))
for n in (1, 2, 3):
    dec("trunc-inside-prefix-%d-after-frame" % n, "6.3",
        "a frame, then %d octet(s) of a prefix: TRUNCATED" % n,
        [fr(HELLO, "hello"), {"hex": "00" * n}], out([HELLO_F], TRN))
dec("trunc-after-prefix", "6.3", "a frame, then a complete prefix and no header octet: TRUNCATED",
    [fr(HELLO, "hello"), {"u32be": 16}], out([HELLO_F], TRN))
dec("trunc-inside-header", "6.3", "a frame, then a prefix and half of its header: TRUNCATED",
    [fr(HELLO, "hello"), {"u32be": 16}, u8('{"total_')], out([HELLO_F], TRN))
dec("trunc-header-one-short", "6.3", "a prefix and a header missing its last octet: TRUNCATED",
    [{"u32be": 16}, u8('{"total_size":0')], out([], TRN))
dec("trunc-after-header", "6.3", "a frame, then a complete header announcing 5 octets and no body: TRUNCATED",
    [fr(MIN), fr(HELLO)], out([MIN_F], TRN))
dec("trunc-inside-body", "6.3", "a frame, then a header and 4 of its 5 body octets: TRUNCATED",
    [fr(MIN), fr(HELLO, "hell")], out([MIN_F], TRN))
dec("trunc-inside-body-one-octet", "6.3", "a header announcing 1000 octets and 1 body octet: TRUNCATED",
    [fr('{"total_size":1000}', "x")], out([], TRN))
dec("trunc-inside-big-header", "6.3",
    "a prefix of 65536 and 1000 octets of its header: TRUNCATED",
    [{"u32be": 65536}, u8('{"total_size":0,"pad":"'), rep(977, [u8("x")])], out([], TRN))
dec("trunc-le-inside-header", "6.3", "le: a frame, then part of a header: TRUNCATED",
    [fr(MIN), {"u32le": 16}, u8("{")], out([MIN_F], TRN), options=LE)
dec("trunc-le-inside-body", "6.3", "le: a header and part of its body: TRUNCATED",
    [fr(HELLO, "hel")], out([], TRN), options=LE)


# ------------------------------------------------------------------------------------------------
new_file("07-errors.json", "Error codes and stages, errors are terminal, error frames (SPEC 7.1, 7.2, 7.3)")

# 7.1: one case per code, each with the stage of the table
dec("err-code-header-length-invalid", "7.1", "HEADER_LENGTH_INVALID has stage prefix",
    [{"u32be": 0}], out([], HLI))
dec("err-code-header-too-large", "7.1", "HEADER_TOO_LARGE has stage prefix", [{"u32be": 65537}], out([], HTL))
dec("err-code-header-invalid-json", "7.1", "HEADER_INVALID_JSON has stage header", [fr("{")], out([], HIJ))
dec("err-code-header-invalid", "7.1", "HEADER_INVALID has stage header", [fr("{}")], out([], HI))
dec("err-code-body-too-large", "7.1", "BODY_TOO_LARGE has stage header",
    [fr('{"total_size":16777217}')], out([], BTL))
dec("err-code-checksum-mismatch", "7.1", "CHECKSUM_MISMATCH has stage body",
    [fr('{"total_size":0,"md5":"%s"}' % ZERO_MD5)], out([], CSM))
dec("err-code-truncated", "7.1", "TRUNCATED has stage end", [hx("00")], out([], TRN))

# 7.2: errors are terminal
for cid, desc, bad_piece, code in [
    ("err-terminal-after-length-invalid", "H = 0", {"u32be": 0}, HLI),
    ("err-terminal-after-too-large", "H = 65537", {"u32be": 65537}, HTL),
    ("err-terminal-after-invalid-json", "a header with a trailing comma", fr('{"total_size":0,}'), HIJ),
    ("err-terminal-after-invalid", "a header without total_size", fr('{"id":1}'), HI),
    ("err-terminal-after-checksum", "a checksum mismatch", fr(htext(hdr(5, md5=ZERO_MD5)), "hello"), CSM),
]:
    dec(cid, "7.2", "a frame, %s, then two valid frames: only the first frame is delivered" % desc,
        [fr(MIN), bad_piece, fr(MIN), fr(HELLO, "hello")], out([MIN_F], code))
dec("err-terminal-body-too-large-body-not-skipped", "7.2",
    "maxBodyBytes 10, a header announcing 20 octets whose body is a valid frame: BODY_TOO_LARGE, the "
    "body is not skipped and decoded",
    [fr('{"total_size":20}', [{"frame": {"header": MIN}}])], out([], BTL), options=SMALL_B)
dec("err-terminal-garbage-after", "7.2", "HEADER_INVALID_JSON followed by random octets: only the error",
    [fr("not json"), hx("00000000ffffffff0102030405efbbbf")], out([], HIJ))
dec("err-terminal-no-truncated-after-error", "7.2",
    "H = 0, then the stream ends inside another prefix: the error stays HEADER_LENGTH_INVALID, not TRUNCATED",
    [{"u32be": 0}, hx("000000")], out([], HLI))
dec("err-terminal-too-large-then-partial-header", "7.2",
    "H = 65537, then part of the header and the end: HEADER_TOO_LARGE, not TRUNCATED",
    [{"u32be": 65537}, u8('{"total_size":0')], out([], HTL))
dec("err-terminal-invalid-then-truncated-body", "7.2",
    "HEADER_INVALID for a header announcing a body that never comes: HEADER_INVALID, not TRUNCATED",
    [fr('{"total_size":5,"id":true}', "he")], out([], HI))

# 7.3: error frames are ordinary valid frames
EF = '{"total_size":0,"error":{"code":"HEADER_INVALID_JSON","message":"..."}}'
EF_F = F({"total_size": 0, "error": {"code": "HEADER_INVALID_JSON", "message": "..."}})
dec("err-frame-example", "7.3", "the error frame of SPEC 7.3: a valid frame, delivered", [fr(EF)], out([EF_F]))
dec("err-frame-then-frames", "7.3", "an error frame does not stop decoding: the frames after it are delivered",
    [fr(MIN), fr(EF), fr(HELLO, "hello")], out([MIN_F, EF_F, HELLO_F]))
dec("err-frame-app-code", "7.3", "an error frame with an application's own code",
    [fr('{"total_size":0,"error":{"code":"APP_BUSY","message":"try later","retryAfter":5}}')],
    out([F({"total_size": 0, "error": {"code": "APP_BUSY", "message": "try later", "retryAfter": 5}})]))
dec("err-frame-with-id", "7.3", "an error frame replying to a request id",
    [fr('{"total_size":0,"id":"req-7","error":{"code":"HEADER_INVALID","message":"no total_size"}}')],
    out([F({"total_size": 0, "id": "req-7", "error": {"code": "HEADER_INVALID", "message": "no total_size"}})]))


# ------------------------------------------------------------------------------------------------
new_file("08-encode.json", "Encoding: canonical form, encoder errors, checksums (SPEC 8.1, 8.2, 8.3)")

MD5_ABC = md5(b"abc")
SHA_ABC = sha256(b"abc")

enc("encode-minimal", "8.1", "an empty header and an empty body", {}, None, '{"total_size":0}')
enc("encode-body", "8.1", "an empty header and a 5-octet body", {}, "hello", '{"total_size":5}')
enc("encode-binary-body", "8.1", "a binary body is written as is", {}, b"\x00\xff\x10",
    '{"total_size":3}')
enc("encode-total-size-replaced-larger", "8.1", "a caller's total_size 999 is replaced by 5",
    {"total_size": 999}, "hello", '{"total_size":5}')
enc("encode-total-size-replaced-smaller", "8.1", "a caller's total_size 1 is replaced by 5",
    {"total_size": 1}, "hello", '{"total_size":5}')
enc("encode-total-size-replaced-empty-body", "8.1", "a caller's total_size 5 with an empty body becomes 0",
    {"total_size": 5}, None, '{"total_size":0}')
enc("encode-total-size-replaced-string", "8.1",
    "a caller's total_size \"lies\" is ignored and replaced, not an error", {"total_size": "lies"}, "hello",
    '{"total_size":5}')
enc("encode-total-size-replaced-negative", "8.1", "a caller's total_size -1 is ignored and replaced",
    {"total_size": -1}, "hello", '{"total_size":5}')
enc("encode-total-size-first", "8.1", "total_size comes first even when the caller puts it last",
    {"id": 1, "total_size": 3}, "abc", '{"total_size":3,"id":1}')

enc("encode-field-order", "8.1",
    "fields in the order total_size, id, filename, md5, sha256, error whatever the caller's order",
    {"error": {"message": "m", "code": "E"}, "sha256": SHA_ABC, "md5": MD5_ABC, "filename": "f.txt", "id": 7,
     "total_size": 0}, "abc",
    '{"total_size":3,"id":7,"filename":"f.txt","md5":"%s","sha256":"%s","error":{"code":"E","message":"m"}}'
    % (MD5_ABC, SHA_ABC))
enc("encode-fields-before-extensions", "8.1",
    "fields before extensions even when an extension name sorts first ('Zed', 'aaa' < 'error', 'id')",
    {"aaa": 1, "error": {"code": "E", "message": "m"}, "Zed": 2, "id": "x"}, None,
    '{"total_size":0,"id":"x","error":{"code":"E","message":"m"},"Zed":2,"aaa":1}')
enc("encode-extension-order", "8.1",
    "extensions sorted by UTF-16 code units: '' < '1' < '10' < '9' < 'Alpha' < '_x' < 'a b' < 'alpha' < 'zeta' "
    "(integer-like names are not special)",
    {"zeta": 1, "alpha": 3, "Alpha": 2, "_x": 4, "a b": 9, "": 5, "10": 6, "9": 7, "1": 8}, None,
    '{"total_size":0,"":5,"1":8,"10":6,"9":7,"Alpha":2,"_x":4,"a b":9,"alpha":3,"zeta":1}')
enc("encode-extension-order-prefixes", "8.1", "a name sorts before its extensions: 'a' < 'aB' < 'ab' < 'abc'",
    {"ab": 1, "a": 2, "abc": 3, "aB": 4}, None, '{"total_size":0,"a":2,"aB":4,"ab":1,"abc":3}')
enc("encode-extension-order-utf16", "8.1",
    "UTF-16 code unit order, not code point order: 'z' < 'é' < '😀' (D83D) < U+E000 < 'ｆ' (FF46)",
    {"ｆ": 1, "😀": 2, "\ue000": 3, "é": 4, "z": 5}, None,
    '{"total_size":0,"z":5,"é":4,"😀":2,"\ue000":3,"ｆ":1}')
enc("encode-nested-sorted", "8.1", "nested objects are sorted at every depth, field names included",
    {"meta": {"b": 1, "a": {"d": 1, "c": 2}, "total_size": 9, "id": 1}}, None,
    '{"total_size":0,"meta":{"a":{"c":2,"d":1},"b":1,"id":1,"total_size":9}}')
enc("encode-arrays-keep-order", "8.1", "arrays keep their order; objects inside them are sorted",
    {"list": [3, 1, 2, {"b": 1, "a": 2}, ["z", "a"]]}, None,
    '{"total_size":0,"list":[3,1,2,{"a":2,"b":1},["z","a"]]}')
enc("encode-error-member-order", "8.1",
    "inside error: code, message, then the other members sorted ('Mm' < 'aa' < 'zz'), nested objects sorted",
    {"error": {"zz": 1, "message": "m", "aa": {"y": 1, "x": 2}, "code": "C", "Mm": 0}}, None,
    '{"total_size":0,"error":{"code":"C","message":"m","Mm":0,"aa":{"x":2,"y":1},"zz":1}}')
enc("encode-error-frame", "8.1", "the error frame of SPEC 7.3",
    {"error": {"code": "HEADER_INVALID_JSON", "message": "..."}}, None,
    '{"total_size":0,"error":{"code":"HEADER_INVALID_JSON","message":"..."}}')
enc("encode-string-escapes", "8.1", "\" \\ and the five short escapes \\b \\t \\n \\f \\r",
    {"s": "\"\\\b\t\n\f\r"}, None, r'{"total_size":0,"s":"\"\\\b\t\n\f\r"}')
enc("encode-control-escapes", "8.1", "other characters below U+0020 as \\u00XX with lowercase hex digits",
    {"s": "\u0000\u0001\u0007\u000b\u000e\u001b\u001f"}, None,
    r'{"total_size":0,"s":"\u0000\u0001\u0007\u000b\u000e\u001b\u001f"}')
enc("encode-raw-characters", "8.1", "'/', U+007F and '<' are written as themselves",
    {"s": "/\u007f</script>"}, None, '{"total_size":0,"s":"/\u007f</script>"}')
enc("encode-line-separators-raw", "8.1", "U+2028 and U+2029 are written as themselves (UTF-8)",
    {"s": "\u2028\u2029"}, None, '{"total_size":0,"s":"\u2028\u2029"}')
enc("encode-non-ascii-raw", "8.1", "non-ASCII characters are written as UTF-8, not escaped",
    {"ключ": "é", "s": "café 中文"}, None, '{"total_size":0,"s":"café 中文","ключ":"é"}')
enc("encode-astral-raw", "8.1", "characters outside the BMP are written as 4-octet UTF-8",
    {"s": "😀𝄞"}, None, '{"total_size":0,"s":"😀𝄞"}')
enc("encode-escapes-in-names", "8.1", "member names are escaped like strings, and sorted as unescaped text",
    {"a\"b": 1, "\n": 2, "\u0001": 3}, None, r'{"total_size":0,"\u0001":3,"\n":2,"a\"b":1}')
enc("encode-filename-escapes", "8.1", "a filename with a backslash and a quote",
    {"filename": "C:\\a \"b\".txt"}, None, r'{"total_size":0,"filename":"C:\\a \"b\".txt"}')
enc("encode-integers", "8.1",
    "integers in plain decimal: -0 as 0, 1.0 as 1, 1000.0 as 1000, 2^53-1 and its negative",
    {"n": [0, -0.0, 1, -1, MAX_SAFE, -MAX_SAFE, 1.0, 1000.0, 100]}, None,
    '{"total_size":0,"n":[0,0,1,-1,9007199254740991,-9007199254740991,1,1000,100]}')
enc("encode-other-numbers", "8.1",
    "other finite numbers as ECMAScript Number.prototype.toString writes them",
    {"f": [1.5, -0.25, 0.1, 1e-7, 1e21, 1.7976931348623157e308, 5e-324, 123.456, 1e-6, 1e20,
           9007199254740992, 0.000001234, -1e-7, 1.2e-5]}, None,
    '{"total_size":0,"f":[1.5,-0.25,0.1,1e-7,1e+21,1.7976931348623157e+308,5e-324,123.456,0.000001,'
    '100000000000000000000,9007199254740992,0.000001234,-1e-7,0.000012]}')
enc("encode-large-integers-rounded", "8.1",
    "integers above 2^53-1 are first rounded to the nearest binary64 value, then written by Number#toString",
    {"n": [12345678901234567891, 9007199254740993, -18446744073709551616]}, None,
    '{"total_size":0,"n":[12345678901234567000,9007199254740992,-18446744073709552000]}')
enc("encode-literals", "8.1", "true, false, null, empty object, empty array and empty string",
    {"t": True, "f": False, "n": None, "e": {}, "a": [], "s": ""}, None,
    '{"total_size":0,"a":[],"e":{},"f":false,"n":null,"s":"","t":true}')
enc("encode-id-string", "8.1", "id as a string", {"id": "req-1"}, None, '{"total_size":0,"id":"req-1"}')
enc("encode-id-negative", "8.1", "id -42", {"id": -42}, None, '{"total_size":0,"id":-42}')
enc("encode-id-minus-zero", "8.1", "id -0 is written 0", {"id": -0.0}, None, '{"total_size":0,"id":0}')
enc("encode-id-integral-float", "8.1", "id 5.0 is written 5", {"id": 5.0}, None, '{"total_size":0,"id":5}')
enc("encode-id-max", "8.1", "id 2^53-1", {"id": MAX_SAFE}, None, '{"total_size":0,"id":9007199254740991}')
enc("encode-id-min", "8.1", "id -(2^53-1)", {"id": -MAX_SAFE}, None, '{"total_size":0,"id":-9007199254740991}')
enc("encode-proto-names", "8.1", "__proto__, constructor and prototype are ordinary names",
    {"prototype": [], "__proto__": {"x": 1}, "constructor": 1}, None,
    '{"total_size":0,"__proto__":{"x":1},"constructor":1,"prototype":[]}')
enc("encode-le-profile", "8.1", "le profile: the prefix is little-endian", {}, "hi", '{"total_size":2}',
    options={"profile": "le"})
enc("encode-le-profile-fields", "8.1", "le profile with fields and an extension",
    {"x": [1], "filename": "a.txt"}, "hello", '{"total_size":5,"filename":"a.txt","x":[1]}',
    options={"profile": "le"})
enc("encode-be-explicit", "8.1", "be profile given explicitly", {"id": 1}, None, '{"total_size":0,"id":1}',
    options={"profile": "be"})

# 8.3 checksums
enc("encode-checksum-md5", "8.3", "checksums [\"md5\"]: md5 of the body is added", {}, "hello",
    '{"total_size":5,"md5":"%s"}' % MD5_HELLO, options={"checksums": ["md5"]})
enc("encode-checksum-sha256", "8.3", "checksums [\"sha256\"]: sha256 of the body is added", {}, "hello",
    '{"total_size":5,"sha256":"%s"}' % SHA_HELLO, options={"checksums": ["sha256"]})
enc("encode-checksum-both", "8.3", "checksums [\"md5\", \"sha256\"]", {}, "hello",
    '{"total_size":5,"md5":"%s","sha256":"%s"}' % (MD5_HELLO, SHA_HELLO), options={"checksums": ["md5", "sha256"]})
enc("encode-checksum-both-reversed-option", "8.3", "checksums [\"sha256\", \"md5\"]: same canonical order",
    {}, "abc", '{"total_size":3,"md5":"%s","sha256":"%s"}' % (MD5_ABC, SHA_ABC),
    options={"checksums": ["sha256", "md5"]})
enc("encode-checksum-empty-body", "8.3", "both checksums of the empty body", {}, None,
    '{"total_size":0,"md5":"%s","sha256":"%s"}' % (EMPTY_MD5, EMPTY_SHA), options={"checksums": ["md5", "sha256"]})
enc("encode-checksum-with-fields", "8.3", "checksums in their place among fields and extensions",
    {"x": 1, "id": 1, "filename": "a.txt"}, "hello",
    '{"total_size":5,"id":1,"filename":"a.txt","md5":"%s","sha256":"%s","x":1}' % (MD5_HELLO, SHA_HELLO),
    options={"checksums": ["md5", "sha256"]})
enc("encode-checksum-binary", "8.3", "sha256 of a 256-octet binary body", {}, ALL_BYTES,
    '{"total_size":256,"sha256":"%s"}' % sha256(ALL_BYTES), options={"checksums": ["sha256"]})
enc("encode-checksum-empty-option", "8.3", "checksums [] adds nothing", {}, "hello", '{"total_size":5}',
    options={"checksums": []})
enc("encode-checksum-replaces-caller-md5", "8.3",
    "checksums [\"md5\"] and a caller-supplied md5: the computed digest replaces the caller's",
    {"md5": ZERO_MD5, "id": 1}, "hello", '{"total_size":5,"id":1,"md5":"%s"}' % MD5_HELLO,
    options={"checksums": ["md5"]})
enc("encode-checksum-replaces-invalid-caller-sha256", "8.3",
    "checksums [\"sha256\"] and a caller-supplied sha256 that is not even a digest: replaced, no error",
    {"sha256": "NOT A DIGEST"}, "hello", '{"total_size":5,"sha256":"%s"}' % SHA_HELLO,
    options={"checksums": ["sha256"]})
enc("encode-checksum-keeps-other-caller-digest", "8.3",
    "checksums [\"sha256\"] and a caller-supplied md5: the md5 is not computed, so it is trusted as given",
    {"md5": ZERO_MD5}, "hello", '{"total_size":5,"md5":"%s","sha256":"%s"}' % (ZERO_MD5, SHA_HELLO),
    options={"checksums": ["sha256"]})
enc("encode-ignores-max-body-bytes", "8.3",
    "maxBodyBytes is the receiver's limit: an encoder with maxBodyBytes 4 writes a 5-octet body",
    {}, "hello", '{"total_size":5}', options={"maxBodyBytes": 4})
enc("encode-caller-digest-trusted", "8.3",
    "a caller-supplied md5 of the right form is trusted and written as given, even if it does not match",
    {"md5": ZERO_MD5}, "hello", '{"total_size":5,"md5":"%s"}' % ZERO_MD5)

# maxHeaderBytes on encoding (8.2)
enc("encode-max-header-small-exact", "8.2", "maxHeaderBytes 16 and a 16-octet header: written",
    {}, None, '{"total_size":0}', options={"maxHeaderBytes": 16})
enc("encode-max-header-small-over", "8.2", "maxHeaderBytes 16 and a 22-octet header: HEADER_TOO_LARGE",
    {"a": 1}, None, error=HTL, options={"maxHeaderBytes": 16})
enc("encode-max-header-small-over-le", "8.2", "le, maxHeaderBytes 16 and a 22-octet header: HEADER_TOO_LARGE",
    {"a": 1}, None, error=HTL, options={"maxHeaderBytes": 16, "profile": "le"})
P_PREFIX = '{"total_size":0,"pad":"'
P_N = 65536 - len(P_PREFIX) - 2
enc("encode-max-header-default-exact", "8.2", "a header serialized to exactly 65536 octets: written",
    {"pad": "x" * P_N}, None,
    bytes_=[{"u32be": 65536}, u8(P_PREFIX), rep(P_N, [u8("x")]), u8('"}')])
enc("encode-max-header-default-over", "8.2", "a header serialized to 65537 octets: HEADER_TOO_LARGE",
    {"pad": "x" * (P_N + 1)}, None, error=HTL)
EURO_T = '{"total_size":0,"s":"€€"}'
EURO_N = len(EURO_T.encode())
assert EURO_N == len(EURO_T) + 4
enc("encode-max-header-counts-octets", "8.2",
    "the limit counts UTF-8 octets: a %d-octet header of %d characters with maxHeaderBytes %d is too large"
    % (EURO_N, len(EURO_T), EURO_N - 1), {"s": "€€"}, None, error=HTL, options={"maxHeaderBytes": EURO_N - 1})
enc("encode-max-header-counts-octets-exact", "8.2",
    "the same %d-octet header with maxHeaderBytes %d: written" % (EURO_N, EURO_N), {"s": "€€"}, None, EURO_T,
    options={"maxHeaderBytes": EURO_N})
MD5_T = '{"total_size":0,"md5":"%s"}' % EMPTY_MD5
MD5_N = len(MD5_T)
enc("encode-max-header-includes-checksums", "8.2",
    "the limit applies to the header with the computed md5: %d octets over maxHeaderBytes %d" % (MD5_N, MD5_N - 1),
    {}, None, error=HTL, options={"maxHeaderBytes": MD5_N - 1, "checksums": ["md5"]})
enc("encode-max-header-includes-checksums-exact", "8.2",
    "the same header with the computed md5 and maxHeaderBytes %d: written" % MD5_N,
    {}, None, MD5_T, options={"maxHeaderBytes": MD5_N, "checksums": ["md5"]})

# 8.2 encoder errors: headers a decoder would reject
for cid, desc, header in [
    ("md5-uppercase", "md5 in uppercase", {"md5": MD5_HELLO.upper()}),
    ("md5-short", "md5 of 31 digits", {"md5": MD5_HELLO[:-1]}),
    ("md5-number", "md5 as a number", {"md5": 5}),
    ("md5-null", "md5 null", {"md5": None}),
    ("sha256-non-hex", "sha256 with a 'g'", {"sha256": "g" + SHA_HELLO[1:]}),
    ("sha256-uppercase", "sha256 in uppercase", {"sha256": SHA_HELLO.upper()}),
    ("filename-number", "filename 1", {"filename": 1}),
    ("filename-null", "filename null", {"filename": None}),
    ("id-float", "id 1.5", {"id": 1.5}),
    ("id-2-pow-53", "id 2^53", {"id": 9007199254740992}),
    ("id-minus-2-pow-53", "id -2^53", {"id": -9007199254740992}),
    ("id-true", "id true", {"id": True}),
    ("id-null", "id null", {"id": None}),
    ("id-array", "id [1]", {"id": [1]}),
    ("error-missing-code", "error without code", {"error": {"message": "m"}}),
    ("error-missing-message", "error without message", {"error": {"code": "E"}}),
    ("error-empty-code", "error with an empty code", {"error": {"code": "", "message": "m"}}),
    ("error-message-number", "error.message 1", {"error": {"code": "E", "message": 1}}),
    ("error-string", "error as a string", {"error": "E"}),
    ("error-null", "error null", {"error": None}),
    ("non-finite", "1e400 (reads as infinity) in an extension", {"x": float("inf")}),
    ("non-finite-negative-nested", "-1e400 nested in an array", {"x": [1, {"y": float("-inf")}]}),
    ("integer-too-large", "an integer too large for binary64 (2 * 10^308)", {"x": 2 * 10 ** 308}),
    ("lone-high-surrogate", "a lone high surrogate in a string value", {"s": "a\ud800b"}),
    ("lone-low-surrogate", "a lone low surrogate in a string value", {"s": "\udc00"}),
    ("reversed-surrogates", "a low then a high surrogate", {"s": "\udc00\ud800"}),
    ("lone-surrogate-in-name", "a lone surrogate in a member name", {"k\ud800": 1}),
    ("lone-surrogate-nested", "a lone surrogate deep in arrays and objects", {"a": [{"b": ["\udfff"]}]}),
    ("lone-surrogate-in-filename", "a lone surrogate in filename", {"filename": "\ud83d.txt"}),
    ("lone-surrogate-in-error", "a lone surrogate in error.message",
     {"error": {"code": "E", "message": "\ud800"}}),
]:
    enc("encode-error-" + cid, "8.2", desc + ": HEADER_INVALID, stage encode", header, "hello", error=HI)


# ------------------------------------------------------------------------------------------------
new_file("09-streaming.json", "Streaming mode: same streams, same errors, body as the concatenation (SPEC 6.2)")

dec("stream-simple", "6.2", "streaming: one frame with a body", [fr(HELLO, "hello")], out([HELLO_F]), options=ST)
dec("stream-two-frames-every", "6.2", "streaming: three frames cut at every offset",
    [fr(HELLO, "hello"), fr(MIN), fr('{"total_size":3,"id":"x"}', "abc")],
    out([HELLO_F, MIN_F, F({"total_size": 3, "id": "x"}, "abc")]), options=ST)
dec("stream-zero-size", "6.2", "streaming: N = 0 frames deliver an empty body and an end marker",
    [fr(MIN), fr(MIN)], out([MIN_F, MIN_F]), options=ST)
dec("stream-binary-body", "6.2", "streaming: a 256-octet binary body in 1-octet chunks is concatenated",
    [fr('{"total_size":256}', ALL_BYTES)], out([F({"total_size": 256}, ALL_BYTES)]), options=ST,
    chunkings=["whole", {"size": 1}, {"size": 3}, {"size": 100}])
dec("stream-1000-frames", "6.2", "streaming: 1000 frames of 3 octets",
    [rep(1000, [F3])], out([FR(1000, [F3_F])]), options=ST, chunkings=["whole", {"size": 1}, {"size": 4096}])
dec("stream-checksum-ok", "6.2", "streaming: md5 and sha256 verified at the end of the body",
    [fr(htext(hdr(5, md5=MD5_HELLO, sha256=SHA_HELLO)), "hello")],
    out([F(hdr(5, md5=MD5_HELLO, sha256=SHA_HELLO), "hello")]), options=ST)
dec("stream-checksum-mismatch", "6.2",
    "streaming: a frame, then a checksum mismatch: the body octets of the failed frame are not compared",
    [fr(HELLO, "hello"), fr(htext(hdr(5, sha256=ZERO_SHA)), "world"), fr(MIN)], out([HELLO_F], CSM), options=ST)
dec("stream-checksum-mismatch-empty-body", "6.2", "streaming: N = 0 with a wrong md5",
    [fr('{"total_size":0,"md5":"%s"}' % ZERO_MD5)], out([], CSM), options=ST)
dec("stream-body-too-large-default-accepts", "6.2",
    "streaming: total_size 16777217 passes the default maxStreamBodyBytes; the stream ends after 10 octets",
    [fr('{"total_size":16777217}', "0123456789")], out([], TRN), options=ST)
dec("stream-body-too-large-custom", "6.2", "streaming, maxStreamBodyBytes 4: total_size 5 is BODY_TOO_LARGE",
    [fr(MIN), fr(HELLO, "hello")], out([MIN_F], BTL), options={"mode": "streaming", "maxStreamBodyBytes": 4})
dec("stream-truncated-body", "6.2",
    "streaming: a frame, then a body cut short: TRUNCATED; the partial frame is not in the frames list",
    [fr(HELLO, "hello"), fr('{"total_size":10}', "01234")], out([HELLO_F], TRN), options=ST)
dec("stream-truncated-after-header", "6.2", "streaming: a header announcing 5 octets and no body: TRUNCATED",
    [fr(HELLO)], out([], TRN), options=ST)
dec("stream-prefix-errors", "6.2", "streaming: H = 0 after a frame is HEADER_LENGTH_INVALID",
    [fr(HELLO, "hello"), {"u32be": 0}], out([HELLO_F], HLI), options=ST)
dec("stream-header-too-large", "6.2", "streaming: H = 65537 is HEADER_TOO_LARGE",
    [{"u32be": 65537}], out([], HTL), options=ST)
dec("stream-invalid-json", "6.2", "streaming: a BOM before the header is HEADER_INVALID_JSON",
    [frh([hx("efbbbf"), u8(MIN)])], out([], HIJ), options=ST)
dec("stream-invalid-header", "6.2", "streaming: duplicate names are HEADER_INVALID",
    [fr('{"total_size":0,"a":1,"a":2}')], out([], HI), options=ST)
dec("stream-invalid-total-size", "6.2", "streaming: total_size 1.5 is HEADER_INVALID",
    [fr('{"total_size":1.5}', "ab")], out([], HI), options=ST)
dec("stream-utf8-split", "6.2", "streaming: a header with multi-octet characters cut at every offset",
    UTF_IN, UTF_OUT, options=ST, chunkings=["whole", {"size": 1}, {"splits": offs}, "every"])
dec("stream-le", "6.2", "streaming with the le profile", [fr(HELLO, "hello"), fr(MIN)], out([HELLO_F, MIN_F]),
    options={"mode": "streaming", "profile": "le"})
dec("stream-empty-input", "6.2", "streaming: an empty stream is a clean end", [], out([]), options=ST,
    chunkings=["whole"])
dec("stream-error-frame", "6.2", "streaming: an error frame is delivered like any frame",
    [fr(EF), fr(HELLO, "hello")], out([EF_F, HELLO_F]), options=ST)
dec("stream-16mib", "6.2", "streaming: a 16777216-octet body in 65536-octet chunks",
    [fr('{"total_size":16777216}', BIG16)], out([F({"total_size": MIB16}, big_body(BODY16))]), options=ST,
    chunkings=["whole", {"size": 65536}])


# ------------------------------------------------------------------------------------------------
new_file("10-tutorial.json", "Frames written the tutorial's way: struct.pack('i', n) and json.dumps (SPEC 10)")

TUT_H = json.dumps({"total_size": 5, "filename": "hello.txt", "md5": MD5_HELLO})
dec("tutorial-frame", "10", "le prefix, json.dumps header with spaces, body: a valid le frame",
    [fr(TUT_H, "hello")], out([F({"total_size": 5, "filename": "hello.txt", "md5": MD5_HELLO}, "hello")]),
    options=LE)
dec("tutorial-frame-ascii-escapes", "10",
    "json.dumps escapes non-ASCII as \\uXXXX, including surrogate pairs: valid",
    [fr(json.dumps({"total_size": 0, "filename": "résumé 😀.txt"}))],
    out([F({"total_size": 0, "filename": "résumé 😀.txt"})]), options=LE)
dec("tutorial-two-frames", "10", "two tutorial frames back to back",
    [fr(TUT_H, "hello"), fr(json.dumps({"total_size": 0, "filename": "empty"}))],
    out([F({"total_size": 5, "filename": "hello.txt", "md5": MD5_HELLO}, "hello"),
         F({"total_size": 0, "filename": "empty"})]), options=LE)
dec("tutorial-frame-read-as-be", "10", "a tutorial frame decoded with the default be profile: HEADER_TOO_LARGE",
    [fr(TUT_H, "hello", profile="le")], out([], HTL))
dec("tutorial-nan", "10", "json.dumps writes NaN for float('nan'): HEADER_INVALID_JSON",
    [fr('{"total_size": 0, "ratio": NaN}')], out([], HIJ), options=LE)


# ------------------------------------------------------------------------------------------------
new_file("11-datagrams.json", "Datagrams: exactly one frame per datagram, maxDatagramBytes (SPEC 9)")

DG_HEAD = 24  # the prefix and '{"total_size":NNNNN}'
assert len(('{"total_size":%d}' % (DGRAM_MAX - DG_HEAD)).encode()) + 4 == DG_HEAD
DG_FILL = rep(DGRAM_MAX - DG_HEAD, [hx("5a")])

dgram("dgram-one-frame", "a datagram holding one frame delivers it", [fr(HELLO, "hello")], out([HELLO_F]))
dgram("dgram-min-frame", "the smallest frame (H = 16, N = 0) as a datagram", [fr(MIN)], out([MIN_F]))
dgram("dgram-le", "the le profile applies to datagrams too", [fr(HELLO, "hello")], out([HELLO_F]), options=LE)
dgram("dgram-utf8-header", "a header with multi-octet characters",
      [fr(UTF_H, "abc")], out([F({"total_size": 3, "é": "€😀", "k": "ß𝄞ä"}, "abc")]))
dgram("dgram-checksums-ok", "md5 and sha256 are verified, and match",
      [fr(htext(hdr(5, md5=MD5_HELLO, sha256=SHA_HELLO)), "hello")],
      out([F(hdr(5, md5=MD5_HELLO, sha256=SHA_HELLO), "hello")]))
dgram("dgram-error-frame", "an error frame in a datagram is delivered as a frame like any other",
      [fr(EF)], out([EF_F]))
dgram("dgram-empty", "an empty datagram holds no frame: TRUNCATED", [], out([], TRN))
dgram("dgram-prefix-partial", "a datagram of 3 octets ends inside the prefix: TRUNCATED", [hx("000010")], out([], TRN))
dgram("dgram-prefix-only", "a prefix announcing 16 octets and nothing after it: TRUNCATED", [{"u32be": 16}], out([], TRN))
dgram("dgram-header-cut", "a datagram that ends inside its header: TRUNCATED",
      [{"u32be": 16}, u8('{"total_size"')], out([], TRN))
dgram("dgram-body-short", "a body 5 octets short of total_size: TRUNCATED",
      [fr('{"total_size":10}', "01234")], out([], TRN))
dgram("dgram-trailing-octet", "one octet after the frame: DATAGRAM_TRAILING_OCTETS, and the frame is not delivered",
      [fr(HELLO, "hello"), hx("00")], out([], DTO))
dgram("dgram-two-frames", "two valid frames in one datagram: DATAGRAM_TRAILING_OCTETS, neither is delivered",
      [fr(MIN), fr(MIN)], out([], DTO))
dgram("dgram-trailing-invalid-prefix", "the octets after the frame are not decoded: a zero prefix after it is "
      "DATAGRAM_TRAILING_OCTETS, not HEADER_LENGTH_INVALID", [fr(MIN), {"u32be": 0}], out([], DTO))
dgram("dgram-trailing-partial-prefix", "two octets after the frame are DATAGRAM_TRAILING_OCTETS, not TRUNCATED",
      [fr(MIN), hx("0000")], out([], DTO))
dgram("dgram-body-longer-than-total-size", "a body 2 octets longer than total_size: DATAGRAM_TRAILING_OCTETS",
      [fr('{"total_size":3}', "hello")], out([], DTO))
dgram("dgram-header-length-invalid", "H = 0: HEADER_LENGTH_INVALID", [{"u32be": 0}, u8(MIN)], out([], HLI))
dgram("dgram-header-length-invalid-le", "H = -1 in le: HEADER_LENGTH_INVALID",
      [{"u32le": 4294967295}, u8(MIN)], out([], HLI), options=LE)
dgram("dgram-header-too-large", "H = 65537 in a short datagram: HEADER_TOO_LARGE, from the prefix",
      [{"u32be": 65537}, u8(MIN)], out([], HTL))
dgram("dgram-header-too-large-custom", "maxHeaderBytes 15: the smallest header is HEADER_TOO_LARGE",
      [fr(MIN)], out([], HTL), options={"maxHeaderBytes": 15})
dgram("dgram-invalid-json", "a BOM before the header: HEADER_INVALID_JSON", [frh([hx("efbbbf"), u8(MIN)])], out([], HIJ))
dgram("dgram-invalid-header", "duplicate names: HEADER_INVALID", [fr('{"total_size":0,"a":1,"a":2}')], out([], HI))
dgram("dgram-invalid-header-then-trailing", "the frame's own error comes before the octets after it",
      [fr('{"total_size":0,"a":1,"a":2}'), hx("00")], out([], HI))
dgram("dgram-body-too-large", "maxBodyBytes 4: total_size 5 is BODY_TOO_LARGE",
      [fr(HELLO, "hello")], out([], BTL), options={"maxBodyBytes": 4})
dgram("dgram-body-too-large-default", "datagrams are decoded in buffered mode: total_size 16777217 is "
      "BODY_TOO_LARGE under the default maxBodyBytes, before TRUNCATED",
      [fr('{"total_size":16777217}', "0123456789")], out([], BTL))
dgram("dgram-checksum-mismatch", "a wrong sha256: CHECKSUM_MISMATCH", [fr(htext(hdr(5, sha256=ZERO_SHA)), "hello")],
      out([], CSM))
dgram("dgram-checksum-mismatch-then-trailing", "a wrong md5 and an octet after the frame: CHECKSUM_MISMATCH",
      [fr('{"total_size":0,"md5":"%s"}' % ZERO_MD5), hx("00")], out([], CSM))
dgram("dgram-max-default-exact", "a datagram of exactly 65507 octets is within the default maxDatagramBytes",
      [fr('{"total_size":%d}' % (DGRAM_MAX - DG_HEAD), [DG_FILL])],
      out([F({"total_size": DGRAM_MAX - DG_HEAD}, big_body(b"\x5a" * (DGRAM_MAX - DG_HEAD)))]))
dgram("dgram-max-default-over", "a datagram of 65508 octets: DATAGRAM_TOO_LARGE under the default limit",
      [fr('{"total_size":%d}' % (DGRAM_MAX - DG_HEAD + 1), [DG_FILL, hx("5a")])], out([], DTL))
dgram("dgram-max-custom-exact", "maxDatagramBytes 25: a frame of 25 octets is delivered",
      [fr(HELLO, "hello")], out([HELLO_F]), options={"maxDatagramBytes": 25})
dgram("dgram-max-custom-over", "maxDatagramBytes 24: a frame of 25 octets is DATAGRAM_TOO_LARGE",
      [fr(HELLO, "hello")], out([], DTL), options={"maxDatagramBytes": 24})
dgram("dgram-max-before-decoding", "maxDatagramBytes 8: 9 octets that would be HEADER_TOO_LARGE as a stream are "
      "DATAGRAM_TOO_LARGE: the length is checked before anything is decoded", [hx("ffffffff ffffffff ff")],
      out([], DTL), options={"maxDatagramBytes": 8})
dgram("dgram-max-zero-empty", "maxDatagramBytes 0: an empty datagram is within it, and TRUNCATED", [], out([], TRN),
      options={"maxDatagramBytes": 0})
dgram("dgram-max-zero-one-octet", "maxDatagramBytes 0: one octet is DATAGRAM_TOO_LARGE", [hx("00")], out([], DTL),
      options={"maxDatagramBytes": 0})
dgram("dgram-max-over-default-limits", "maxDatagramBytes 100000 and maxBodyBytes 65536: a 70016-octet datagram "
      "with a 70000-octet body is BODY_TOO_LARGE (the limits of 5 still apply)",
      [fr('{"total_size":70000}', [rep(70000, [hx("00")])])], out([], BTL),
      options={"maxDatagramBytes": 100000, "maxBodyBytes": 65536})


# ================================================================================================
# Main
# ================================================================================================


def main():
    os.makedirs(VECTORS, exist_ok=True)
    failures = 0
    total = 0
    for name, description, cases in FILES:
        text = dump_json({"description": description, "cases": cases})
        for case in json.loads(text)["cases"]:
            total += 1
            problem = check_case(case)
            if problem:
                failures += 1
                print("MISMATCH %s: %s" % (case["id"], problem), file=sys.stderr)
        FILES_TEXT[name] = text
    if failures:
        raise SystemExit("%d of %d cases disagree with the model; nothing written" % (failures, total))
    for name, text in FILES_TEXT.items():
        with open(os.path.join(VECTORS, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        print("%-32s %4d cases" % (name, len(json.loads(text)["cases"])))
    print("%d cases written" % total)


FILES_TEXT = {}

if __name__ == "__main__":
    # the model parses headers nested 32000 deep with Python's recursive json module
    sys.setrecursionlimit(1000000)
    threading.stack_size(512 * 1024 * 1024)
    result = []

    def run():
        try:
            main()
            result.append(0)
        except SystemExit as e:
            print(e, file=sys.stderr)
            result.append(1)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    sys.exit(result[0] if result else 1)

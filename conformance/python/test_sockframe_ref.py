"""Tests of the sockframe reference codec (run: python3 -m unittest discover -s conformance/python -p 'test_*.py')."""

from __future__ import annotations

import hashlib
import math
import random
import struct
import sys
import tracemalloc
import unittest
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sockframe_json  # noqa: E402
from sockframe_ref import (  # noqa: E402
    Data,
    Decoder,
    End,
    Frame,
    Head,
    SockframeError,
    encode,
    encode_head,
    error_frame,
    parse_header,
)

CORPUS = Path(__file__).resolve().parent.parent / "peer" / "JSONTestSuite" / "test_parsing"


def frame(header: bytes | str, body: bytes = b"", profile: str = "be") -> bytes:
    raw = header.encode("utf-8") if isinstance(header, str) else header
    return struct.pack(">I" if profile == "be" else "<i", len(raw)) + raw + body


def decode_all(chunks: list[bytes], **options: Any) -> tuple[list[Any], SockframeError | None]:
    """Feed chunks then end; return (events, error)."""
    decoder = Decoder(**options)
    events: list[Any] = []
    try:
        for chunk in chunks:
            decoder.push(chunk)
            while (event := decoder.next_event()) is not None:
                events.append(event)
        decoder.end()
        while (event := decoder.next_event()) is not None:
            events.append(event)
    except SockframeError as exc:
        return events, exc
    return events, None


def outcome(data: bytes, **options: Any) -> tuple[list[Any], tuple[str, str] | None]:
    events, error = decode_all([data], **options)
    return events, (error.code, error.stage) if error else None


def header_error(header: bytes | str, **options: Any) -> tuple[str, str] | None:
    return outcome(frame(header), **options)[1]


class Utf8Tests(unittest.TestCase):
    def test_ill_formed_utf8_is_invalid_json(self) -> None:
        for bad in (b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
                    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xbf",
                    b"\xe2\x82", b"\xff", b"\xfe"):
            with self.subTest(bad=bad):
                raw = b'{"total_size":0,"x":"' + bad + b'"}'
                self.assertEqual(header_error(raw), ("HEADER_INVALID_JSON", "header"))

    def test_well_formed_multibyte_is_accepted(self) -> None:
        raw = '{"total_size":0,"x":"é€𝄞\u2028\ufeff"}'.encode()
        events, error = outcome(frame(raw))
        self.assertIsNone(error)
        self.assertEqual(events[0].header["x"], "é€𝄞\u2028\ufeff")

    def test_leading_bom_is_rejected_not_stripped(self) -> None:
        self.assertEqual(header_error(b'\xef\xbb\xbf{"total_size":0}'), ("HEADER_INVALID_JSON", "header"))
        self.assertEqual(header_error(b' \xef\xbb\xbf{"total_size":0}'), ("HEADER_INVALID_JSON", "header"))


class JsonSyntaxTests(unittest.TestCase):
    def test_only_the_four_whitespace_characters(self) -> None:
        self.assertIsNone(header_error(' \t\n\r{ \t\n\r"total_size" \t\n\r: \t\n\r0 \t\n\r} \t\n\r'))
        for text in ('\u00a0{"total_size":0}', '{"total_size":0}\f', '{"total_size":0}\v', '\u2028{"total_size":0}',
                     '{"total_size":0}\u3000', '{\u0085"total_size":0}', '{"total_size":0}\x00'):
            with self.subTest(text=text):
                self.assertEqual(header_error(text), ("HEADER_INVALID_JSON", "header"))

    def test_non_json_constants_and_syntax(self) -> None:
        for value in ("NaN", "Infinity", "-Infinity", "+1", "01", "1.", ".5", "0x10", "'a'", "undefined",
                      "[1,]", "1e", "-", "--1", "True", "nul"):
            with self.subTest(value=value):
                self.assertEqual(header_error('{"total_size":0,"x":' + value + "}"), ("HEADER_INVALID_JSON", "header"))
        for text in ('{"total_size":0,}', "{total_size:0}", '{"total_size":0} {}', '{"total_size":0}/**/',
                     '{"total_size":0,"x":"\x01"}', '{"total_size":0,"x":"\\x41"}', '{"total_size":0'):
            with self.subTest(text=text):
                self.assertEqual(header_error(text), ("HEADER_INVALID_JSON", "header"))

    def test_not_an_object_is_header_invalid(self) -> None:
        for text in ("[]", '"x"', "1", "true", "false", "null"):
            with self.subTest(text=text):
                self.assertEqual(header_error(text), ("HEADER_INVALID", "header"))


class HeaderValueTests(unittest.TestCase):
    def test_duplicate_names_at_any_depth(self) -> None:
        for text in ('{"total_size":0,"total_size":0}', '{"total_size":0,"a":1,"\\u0061":1}',
                     '{"total_size":0,"x":[{"k":{"a":1,"a":1}}]}', '{"total_size":0,"e":{"a":{},"a":{}}}'):
            with self.subTest(text=text):
                self.assertEqual(header_error(text), ("HEADER_INVALID", "header"))

    def test_lone_surrogates_anywhere(self) -> None:
        for text in ('{"total_size":0,"x":"\\ud800"}', '{"total_size":0,"x":"\\udc00"}',
                     '{"total_size":0,"x":"\\udc00\\ud800"}', '{"total_size":0,"x":"\\ud800a"}',
                     '{"total_size":0,"\\ud83d":1}', '{"total_size":0,"x":[[{"k":["\\udfff"]}]]}',
                     '{"total_size":0,"x":"\\ud800\\ud800\\udc00"}'):
            with self.subTest(text=text):
                self.assertEqual(header_error(text), ("HEADER_INVALID", "header"))
        events, error = outcome(frame('{"total_size":0,"x":"\\ud834\\uDD1E","\\ud83d\\ude00":1}'))
        self.assertIsNone(error)
        self.assertEqual(events[0].header, {"total_size": 0, "x": "𝄞", "😀": 1})

    def test_syntax_error_wins_over_surrogate_and_duplicate(self) -> None:
        self.assertEqual(header_error('{"total_size":0,"a":"\\ud800","a":1,}'), ("HEADER_INVALID_JSON", "header"))

    def test_deep_nesting_is_handled(self) -> None:
        depth = 30000
        text = '{"total_size":0,"x":' + "[" * depth + "]" * depth + "}"
        self.assertLessEqual(len(text), 65536)
        events, error = outcome(frame(text))
        self.assertIsNone(error)
        deep_objects = '{"total_size":0,"x":' + '{"a":' * 10000 + "1" + "}" * 10000 + "}"
        self.assertIsNone(outcome(frame(deep_objects))[1])
        self.assertEqual(header_error('{"total_size":0,"x":' + '{"a":' * 10000 + '{"a":1,"a":2}' + "}" * 10001),
                         ("HEADER_INVALID", "header"))
        self.assertEqual(header_error('{"total_size":0,"x":' + "[" * 20000 + '"\\udc00"' + "]" * 20000 + "}"),
                         ("HEADER_INVALID", "header"))
        for text in ("[" * 100000, "[" * 50000 + "]" * 49999, '[{"":' * 50000):
            self.assertEqual(header_error(text, max_header_bytes=len(text)), ("HEADER_INVALID_JSON", "header"))
        self.assertEqual(header_error("[" * 40000 + "]" * 40000, max_header_bytes=80000), ("HEADER_INVALID", "header"))

    def test_deep_header_within_deep_caller_stack(self) -> None:
        # The C parser's RecursionError falls back to the iterative parser.
        text = '{"total_size":0,"x":' + "[" * 300 + "]" * 300 + "}"

        def nest(level: int) -> Any:
            return parse_header(text.encode()) if level == 0 else nest(level - 1)

        self.assertEqual(nest(sys.getrecursionlimit() - 400)["total_size"], 0)

    def test_fast_and_iterative_parsers_agree_on_corpus(self) -> None:
        for path in sorted(CORPUS.glob("*.json")):
            try:
                text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
            results = []
            for parse in (sockframe_json._parse_fast, sockframe_json.parse_iterative):
                try:
                    r = parse(text)
                    results.append(("ok", r.duplicate_names, r.lone_surrogates, r.value))
                except sockframe_json.JsonSyntaxError:
                    results.append(("syntax",))
                except RecursionError:
                    results.append(("recursion",))
            if results[0][0] == "recursion":
                continue
            with self.subTest(file=path.name):
                self.assertEqual(results[0][:3], results[1][:3])
                if results[0][0] == "ok":
                    self.assertTrue(sockframe_json.json_equal(results[0][3], results[1][3]))


class FieldTests(unittest.TestCase):
    def accepts(self, text: str) -> dict[str, Any]:
        events, error = outcome(frame(text))
        self.assertIsNone(error, text)
        return events[0].header

    def test_total_size_by_value(self) -> None:
        for spelling, value in (("0", 0), ("-0", 0), ("-0.0", 0), ("0e5", 0), ("10.0", 10), ("1e3", 1000),
                                ("1000.0", 1000), ("1E+3", 1000), ("100000e-2", 1000),
                                ("9007199254740991", 2**53 - 1), ("9007199254740991.0", 2**53 - 1)):
            with self.subTest(spelling=spelling):
                data = frame('{"total_size":' + spelling + "}", b"x" * value) if value < 2000 else None
                if data is None:
                    self.assertEqual(parse_header(('{"total_size":' + spelling + "}").encode())["total_size"], value)
                    continue
                events, error = outcome(data)
                self.assertIsNone(error)
                self.assertEqual(events[0].header["total_size"], value)
                self.assertIs(type(events[0].header["total_size"]), int)

    def test_total_size_rejections(self) -> None:
        for spelling in ("true", "false", "null", '"10"', "10.5", "-1", "9007199254740992", "9007199254740993",
                         "1e400", "-1e400", "[1]", "{}", "1" + "0" * 5000, "0.5", "1e-400"):
            with self.subTest(spelling=spelling[:20]):
                expected = ("HEADER_INVALID", "header")
                if spelling == "1e-400":  # reads as 0, which is valid
                    expected = None
                self.assertEqual(header_error('{"total_size":' + spelling + "}"), expected)
        self.assertEqual(header_error("{}"), ("HEADER_INVALID", "header"))
        self.assertEqual(header_error('{"Total_Size":0}'), ("HEADER_INVALID", "header"))

    def test_id(self) -> None:
        for spelling in ('"abc"', '""', "7", "-9007199254740991", "9007199254740991", "1e2", "-0", "5.0"):
            with self.subTest(spelling=spelling):
                self.accepts('{"total_size":0,"id":' + spelling + "}")
        for spelling in ("true", "false", "null", "1.5", "9007199254740992", "-9007199254740992", "[]", "{}", "1e400"):
            with self.subTest(spelling=spelling):
                self.assertEqual(header_error('{"total_size":0,"id":' + spelling + "}"), ("HEADER_INVALID", "header"))

    def test_checksum_fields(self) -> None:
        md5 = hashlib.md5(b"").hexdigest()
        sha = hashlib.sha256(b"").hexdigest()
        self.accepts('{"total_size":0,"md5":"%s","sha256":"%s"}' % (md5, sha))
        for name, value in (("md5", md5.upper()), ("md5", md5[:-1]), ("md5", md5 + "0"), ("md5", sha),
                            ("sha256", sha.upper()), ("sha256", md5), ("md5", "g" * 32)):
            with self.subTest(name=name, value=value):
                self.assertEqual(header_error('{"total_size":0,"%s":"%s"}' % (name, value)), ("HEADER_INVALID", "header"))
        for value in ("null", "1", "true", "[]"):
            self.assertEqual(header_error('{"total_size":0,"md5":' + value + "}"), ("HEADER_INVALID", "header"))

    def test_filename_and_error(self) -> None:
        self.accepts('{"total_size":0,"filename":""}')
        self.assertEqual(header_error('{"total_size":0,"filename":null}'), ("HEADER_INVALID", "header"))
        self.assertEqual(header_error('{"total_size":0,"filename":1}'), ("HEADER_INVALID", "header"))
        header = self.accepts('{"total_size":0,"error":{"code":"X","message":"","extra":[1]}}')
        self.assertEqual(header["error"]["extra"], [1])
        for error in ('{"code":"","message":"m"}', '{"code":"X"}', '{"message":"m"}', '{"code":1,"message":"m"}',
                      '{"code":"X","message":null}', '"X"', "null", "[]"):
            with self.subTest(error=error):
                self.assertEqual(header_error('{"total_size":0,"error":' + error + "}"), ("HEADER_INVALID", "header"))

    def test_extensions_are_delivered_unchanged(self) -> None:
        header = self.accepts('{"total_size":0,"__proto__":{"constructor":{"prototype":1}},"Total_Size":"x",'
                              '"n":[1e400,-0,12345678901234567890,' + "9" * 5000 + '],"z":null}')
        self.assertEqual(header["__proto__"], {"constructor": {"prototype": 1}})
        self.assertEqual(header["Total_Size"], "x")
        self.assertIsNone(header["z"])
        self.assertEqual(header["n"][0], float("inf"))
        self.assertEqual(header["n"][2], float(12345678901234567890))  # binary64 value (SPEC 3.2)
        self.assertEqual(header["n"][3], float("inf"))


class LimitTests(unittest.TestCase):
    def test_prefix_checks_use_four_octets_only(self) -> None:
        for prefix, profile, code in ((b"\x00\x00\x00\x00", "be", "HEADER_LENGTH_INVALID"),
                                      (b"\xff\xff\xff\xff", "be", "HEADER_TOO_LARGE"),
                                      (b"\xff\xff\xff\xff", "le", "HEADER_LENGTH_INVALID"),
                                      (b"\x00\x00\x00\x80", "le", "HEADER_LENGTH_INVALID"),
                                      (b"\x01\x00\x01\x00", "be", "HEADER_TOO_LARGE"),
                                      (b"\x01\x00\x01\x00", "le", "HEADER_TOO_LARGE")):
            with self.subTest(prefix=prefix, profile=profile):
                decoder = Decoder(profile=profile)
                decoder.push(prefix[:3])
                self.assertIsNone(decoder.next_event())
                decoder.push(prefix[3:])
                with self.assertRaises(SockframeError) as caught:
                    decoder.next_event()
                self.assertEqual((caught.exception.code, caught.exception.stage), (code, "prefix"))

    def test_limits_are_inclusive(self) -> None:
        text = '{"total_size":3}'
        self.assertIsNone(outcome(frame(text, b"abc"), max_header_bytes=len(text), max_body_bytes=3)[1])
        self.assertEqual(outcome(frame(text, b"abc"), max_header_bytes=len(text) - 1)[1], ("HEADER_TOO_LARGE", "prefix"))
        self.assertEqual(outcome(frame(text, b"abc"), max_body_bytes=2)[1], ("BODY_TOO_LARGE", "header"))
        self.assertIsNone(outcome(frame(text, b"abc"), max_body_bytes=2, mode="streaming")[1])
        self.assertEqual(outcome(frame(text, b"abc"), max_stream_body_bytes=2, mode="streaming")[1],
                         ("BODY_TOO_LARGE", "header"))

    def test_body_limit_reported_before_body_and_after_header_checks(self) -> None:
        decoder = Decoder()
        decoder.push(frame('{"total_size":16777217}'))
        with self.assertRaises(SockframeError) as caught:
            decoder.next_event()
        self.assertEqual(caught.exception.code, "BODY_TOO_LARGE")
        self.assertEqual(header_error('{"total_size":9007199254740992}'), ("HEADER_INVALID", "header"))
        self.assertEqual(header_error('{"total_size":16777217,"md5":"X"}'), ("HEADER_INVALID", "header"))

    def test_no_allocation_from_declared_size(self) -> None:
        decoder = Decoder()
        decoder.push(frame('{"total_size":16777216}', b"ab"))
        self.assertIsNone(decoder.next_event())
        self.assertLess(decoder.allocated_bytes, 1024)


class DecoderTests(unittest.TestCase):
    def test_streaming_events(self) -> None:
        data = frame('{"total_size":3}', b"abc") + frame('{"total_size":0}')
        events, error = decode_all([data[:10], data[10:22], data[22:]], mode="streaming")
        self.assertIsNone(error)
        self.assertEqual(events, [Head({"total_size": 3}), Data(b"ab"), Data(b"c"), End(), Head({"total_size": 0}), End()])

    def test_frames_before_an_error_are_delivered(self) -> None:
        data = frame('{"total_size":1}', b"a") + frame('{"total_size":1}', b"b") + b"\x00\x00\x00\x00"
        events, error = decode_all([data])
        self.assertEqual([e.body for e in events], [b"a", b"b"])
        self.assertEqual((error.code, error.stage), ("HEADER_LENGTH_INVALID", "prefix"))  # type: ignore[union-attr]

    def test_checksum_mismatch(self) -> None:
        for name, good in (("md5", hashlib.md5(b"abc").hexdigest()), ("sha256", hashlib.sha256(b"abc").hexdigest())):
            bad = ("0" if good[0] != "0" else "1") + good[1:]
            for mode in ("buffered", "streaming"):
                with self.subTest(name=name, mode=mode):
                    self.assertIsNone(outcome(frame('{"total_size":3,"%s":"%s"}' % (name, good), b"abc"), mode=mode)[1])
                    self.assertEqual(outcome(frame('{"total_size":3,"%s":"%s"}' % (name, bad), b"abc"), mode=mode)[1],
                                     ("CHECKSUM_MISMATCH", "body"))

    def test_truncation_everywhere(self) -> None:
        data = frame('{"total_size":3,"x":"é"}', b"abc")
        for mode in ("buffered", "streaming"):
            for cut in range(len(data) + 1):
                with self.subTest(mode=mode, cut=cut):
                    expected = None if cut in (0, len(data)) else ("TRUNCATED", "end")
                    self.assertEqual(outcome(data[:cut], mode=mode)[1], expected)

    def test_errors_are_fused(self) -> None:
        decoder = Decoder()
        decoder.push(frame('{"total_size":0}') + b"\x00\x00\x00\x00" + frame('{"total_size":0}'))
        self.assertIsInstance(decoder.next_event(), Frame)
        with self.assertRaises(SockframeError) as caught:
            decoder.next_event()
        first = caught.exception
        for call in (decoder.next_event, lambda: decoder.push(b"x"), decoder.end, decoder.next_event):
            with self.assertRaises(SockframeError) as again:
                call()
            self.assertIs(again.exception, first)
        self.assertEqual(decoder.allocated_bytes, 0)

    def test_chunking_independence_random(self) -> None:
        rng = random.Random(1234)
        md5 = hashlib.md5(b"xyz").hexdigest()
        for trial in range(150):
            profile = "le" if trial % 2 else "be"
            pieces = [frame('{"total_size":0}', b"", profile),
                      frame('{"total_size":3,"md5":"%s","é":"𝄞"}' % md5, b"xyz", profile),
                      frame('{"total_size":5,"id":1}', b"\x00" * 5, profile),
                      frame(" { \"total_size\" : 2 } ", b"ok", profile)]
            tails = [b"", b"\x00\x00", b"\xff\xff\xff\xff", frame('{"total_size":1,"a":1,"a":2}', b"x", profile),
                     frame('{"total_size":9}', b"abc", profile), frame(b'{"x":"\xe9"}', b"", profile),
                     frame('{"total_size":3,"md5":"%s"}' % ("0" * 32), b"xyz", profile)]
            data = b"".join(rng.choices(pieces, k=rng.randint(0, 5))) + rng.choice(tails)
            for mode in ("buffered", "streaming"):
                reference = self.normalised(decode_all([data], profile=profile, mode=mode))
                for _ in range(4):
                    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 12)))) if len(data) > 1 else []
                    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
                    self.assertEqual(self.normalised(decode_all(chunks, profile=profile, mode=mode)), reference)
                one_by_one = [data[i : i + 1] for i in range(len(data))]
                self.assertEqual(self.normalised(decode_all(one_by_one, profile=profile, mode=mode)), reference)
            buffered, error = decode_all([data], profile=profile)
            streamed, streamed_error = self.normalised(decode_all([data], profile=profile, mode="streaming"))
            self.assertEqual((error.code, error.stage) if error else None, streamed_error)
            self.assertEqual(buffered, self.assemble(streamed))

    @staticmethod
    def assemble(events: list[Any]) -> list[Frame]:
        """Streaming events to the frames they complete (Head, Data*, End)."""
        frames: list[Frame] = []
        header: dict[str, Any] = {}
        body = b""
        for event in events:
            if isinstance(event, Head):
                header, body = event.header, b""
            elif isinstance(event, Data):
                body += event.chunk
            elif isinstance(event, End):
                frames.append(Frame(header, body))
        return frames

    @staticmethod
    def normalised(result: tuple[list[Any], SockframeError | None]) -> tuple[list[Any], Any]:
        """Merge consecutive Data events (their split follows the chunking)."""
        events, error = result
        merged: list[Any] = []
        for event in events:
            if isinstance(event, Data) and merged and isinstance(merged[-1], Data):
                merged[-1] = Data(merged[-1].chunk + event.chunk)
            else:
                merged.append(event)
        return merged, (error.code, error.stage) if error else None

    def test_streaming_constant_memory_100mb(self) -> None:
        chunk = bytes(range(256)) * 256  # 64 KiB
        count = 1600  # 100 MiB
        md5, sha = hashlib.md5(), hashlib.sha256()
        for _ in range(count):
            md5.update(chunk)
            sha.update(chunk)
        total = len(chunk) * count
        head = frame('{"total_size":%d,"md5":"%s","sha256":"%s"}' % (total, md5.hexdigest(), sha.hexdigest()))
        decoder = Decoder(mode="streaming")
        received = 0
        largest = 0
        tracemalloc.start()
        try:
            decoder.push(head)
            self.assertIsInstance(decoder.next_event(), Head)
            for _ in range(count):
                decoder.push(chunk)
                largest = max(largest, decoder.allocated_bytes)
                while (event := decoder.next_event()) is not None:
                    if isinstance(event, Data):
                        received += len(event.chunk)
                    else:
                        self.assertIsInstance(event, End)
            decoder.end()
            self.assertIsNone(decoder.next_event())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertEqual(received, total)
        self.assertLessEqual(largest, 1 << 20)
        self.assertLess(peak, 1 << 20)

    def test_buffered_many_frames_in_tiny_chunks_is_linear(self) -> None:
        data = frame('{"total_size":100}', b"z" * 100) * 2000
        decoder = Decoder()
        count = 0
        for i in range(0, len(data), 7):
            decoder.push(data[i : i + 7])
            while decoder.next_event() is not None:
                count += 1
            self.assertLess(decoder.allocated_bytes, 200000)
        self.assertEqual(count, 2000)


class EncoderTests(unittest.TestCase):
    def test_canonical_order_and_escapes(self) -> None:
        header = {"zeta": 1, "\uff00": 2, "\U0001f600": 3, "A": {"b": 1, "a": [{"d": 1, "c": 2}]},
                  "error": {"x": 1, "message": "m", "code": "E", "b": 0}, "sha256": "0" * 64, "md5": "0" * 32,
                  "filename": "\"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029é😀", "id": "i", "total_size": "ignored"}
        raw = encode(header, b"xy")
        text = raw[4:-2].decode()
        self.assertEqual(struct.unpack(">I", raw[:4])[0], len(raw) - 6)
        self.assertEqual(
            text,
            '{"total_size":2,"id":"i","filename":"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\u2028\u2029é😀",'
            '"md5":"' + "0" * 32 + '","sha256":"' + "0" * 64 + '","error":{"code":"E","message":"m","b":0,"x":1},'
            '"A":{"a":[{"c":2,"d":1}],"b":1},"zeta":1,"\U0001f600":3,"\uff00":2}',
        )

    def test_numbers(self) -> None:
        cases = [(0, "0"), (-0.0, "0"), (1000.0, "1000"), (-5, "-5"), (2**53 - 1, "9007199254740991"),
                 (2**53, "9007199254740992"), (2**60, "1152921504606847000"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
                 (1.5e-7, "1.5e-7"), (1e-6, "0.000001"), (0.1, "0.1"), (-2.5, "-2.5"), (1.7976931348623157e308, "1.7976931348623157e+308"),
                 (5e-324, "5e-324"), (123456789.125, "123456789.125"), (True, "true"), (None, "null")]
        for value, text in cases:
            with self.subTest(value=value):
                self.assertEqual(encode({"n": value})[4:].decode(), '{"total_size":0,"n":' + text + "}")

    def test_checksums_and_profiles(self) -> None:
        raw = encode({"md5": "f" * 32}, b"abc", profile="le", checksums=("md5", "sha256"))
        events, error = outcome(raw, profile="le")
        self.assertIsNone(error)
        self.assertEqual(events[0].header["md5"], hashlib.md5(b"abc").hexdigest())
        self.assertEqual(events[0].header["sha256"], hashlib.sha256(b"abc").hexdigest())
        self.assertEqual(raw[:4], struct.pack("<i", len(raw) - 7))
        self.assertEqual(encode_head({}, 5), frame('{"total_size":5}'))

    def test_refusals(self) -> None:
        for header in ({"md5": "A" * 32}, {"sha256": "0"}, {"id": True}, {"id": 1.5}, {"id": 2**53}, {"filename": None},
                       {"error": {"code": ""}}, {"error": {"code": "x"}}, {"x": float("nan")}, {"x": float("inf")},
                       {"x": 10**400}, {"x": "\ud800"}, {"\udc00": 1}, {"x": [{"y": "a\udbffb"}]}, {"x": object()},
                       {"x": b"bytes"}, {1: 1}, {"x": {2: 1}}, {"x": {1, 2}}, []):
            with self.subTest(header=repr(header)[:40]):
                with self.assertRaises(SockframeError) as caught:
                    encode(header, b"")  # type: ignore[arg-type]
                self.assertEqual((caught.exception.code, caught.exception.stage), ("HEADER_INVALID", "encode"))
        cyclic: dict[str, Any] = {}
        cyclic["self"] = [cyclic]
        with self.assertRaises(SockframeError):
            encode(cyclic)
        shared = [1]
        self.assertIsNotNone(encode({"a": shared, "b": shared}))

    def test_header_too_large(self) -> None:
        fits = encode({"x": "a" * 100})
        limit = len(fits) - 4
        self.assertEqual(encode({"x": "a" * 100}, max_header_bytes=limit), fits)
        with self.assertRaises(SockframeError) as caught:
            encode({"x": "a" * 101}, max_header_bytes=limit)
        self.assertEqual((caught.exception.code, caught.exception.stage), ("HEADER_TOO_LARGE", "encode"))

    def test_round_trip_and_deep_values(self) -> None:
        deep: Any = 1
        for _ in range(20000):
            deep = [deep]
        header = {"deep": deep, "s": "\u2028", "f": 0.1, "big": 1e300}
        raw = encode(header, b"body")
        events, error = outcome(raw)
        self.assertIsNone(error)
        self.assertTrue(sockframe_json.json_equal(events[0].header, {**header, "total_size": 4}))
        self.assertEqual(encode(events[0].header, events[0].body), raw)

    def test_error_frame(self) -> None:
        raw = error_frame("HEADER_INVALID_JSON", "bad", id=3)
        self.assertEqual(raw[4:].decode(), '{"total_size":0,"id":3,"error":{"code":"HEADER_INVALID_JSON","message":"bad"}}')


class JsonTestSuiteTests(unittest.TestCase):
    def test_corpus(self) -> None:
        files = sorted(CORPUS.glob("*.json"))
        self.assertEqual(len(files), 318)
        for path in files:
            raw = path.read_bytes()
            _, error = outcome(frame(raw), max_header_bytes=max(65536, len(raw)))
            code = error[0] if error else "frame"
            with self.subTest(file=path.name):
                if path.name == "n_structure_no_data.json":
                    self.assertEqual(code, "HEADER_LENGTH_INVALID")
                elif path.name.startswith("n_"):
                    self.assertEqual(code, "HEADER_INVALID_JSON")
                elif path.name.startswith("y_"):
                    self.assertIn(code, ("frame", "HEADER_INVALID"))
                else:
                    self.assertIn(code, ("HEADER_INVALID_JSON", "HEADER_INVALID"))


class NumberFormatTests(unittest.TestCase):
    def test_js_int(self) -> None:
        self.assertEqual(sockframe_json.js_int("-0"), 0)
        self.assertEqual(sockframe_json.js_int("9007199254740993"), 2**53)
        self.assertEqual(sockframe_json.js_int("1" * 400), float("inf"))
        self.assertEqual(sockframe_json.js_int("-" + "1" * 5000), float("-inf"))

    def test_negative_zero_kept(self) -> None:
        # JSON.parse reads -0 as negative zero, whether written -0 or -0.0 (SPEC 3.2); an extension
        # is delivered unchanged (3.4.7), on both parser paths (the deep one is the fallback).
        def is_negative_zero(x: Any) -> bool:
            return x == 0 and math.copysign(1.0, x) < 0

        for text in ('{"total_size":0,"a":-0,"b":-0.0,"id":-0}', '{"total_size":-0,"a":-0,"b":-0.0,"id":-0,"d":' + "[" * 500 + "]" * 500 + "}"):
            header = parse_header(text.encode())
            self.assertTrue(is_negative_zero(header["a"]), text[:40])
            self.assertTrue(is_negative_zero(header["b"]), text[:40])
            self.assertEqual(header["total_size"], 0)
            self.assertEqual(header["id"], 0)
        self.assertEqual(sockframe_json.number_to_string(-0.0), "0")

    def test_json_equal(self) -> None:
        eq = sockframe_json.json_equal
        self.assertTrue(eq({"a": [1, 2.0]}, {"a": [1.0, 2]}))
        self.assertFalse(eq(True, 1))
        self.assertFalse(eq(0, False))
        self.assertFalse(eq(None, 0))
        self.assertFalse(eq({"a": 1}, {"a": 1, "b": 2}))
        self.assertFalse(eq([1, 2], [2, 1]))
        self.assertFalse(eq("1", 1))


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Run the sockframe conformance vectors (conformance/FORMAT.md) against sockframe_ref.

    python3 conformance/python/run_vectors.py [--vectors DIR] [--results FILE] [--only ID_PREFIX]

Prints a summary per SPEC section and the failures, writes the results as JSON, and exits 1
on any failure or if no case ran.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sockframe_json  # noqa: E402
from sockframe_ref import Data, Decoder, End, Frame, Head, SockframeError, decode_datagram, encode  # noqa: E402

CONFORMANCE_DIR = HERE.parent
DEFAULT_VECTORS = CONFORMANCE_DIR / "vectors"
DEFAULT_RESULTS = CONFORMANCE_DIR / ".results" / "python.json"
DEFAULT_CHUNKINGS: list[Any] = ["whole", {"size": 1}]
SMALL_BODY = 64  # bodies up to this size are shown in failure details
NO_PIECES: list[Any] = []


class VectorError(Exception):
    """The vector itself is malformed (reported as a failure of the case)."""


# ---------------------------------------------------------------------------------------
# Loading


def load_json(path: Path) -> Any:
    """Vector files are read with the same number semantics as headers (binary64 values)
    and at any nesting depth."""
    return sockframe_json.parse(path.read_text(encoding="utf-8")).value


def build(pieces: list[Any], profile: str) -> bytes:
    """The octets of a piece list (FORMAT.md, Pieces)."""
    out = bytearray()
    for piece in pieces:
        out += build_piece(piece, profile)
    return bytes(out)


def build_piece(piece: dict[str, Any], profile: str) -> bytes:
    if not isinstance(piece, dict) or len(piece) != 1:
        raise VectorError(f"bad piece {short(piece)}")
    ((kind, arg),) = piece.items()
    if kind == "hex":
        return bytes.fromhex(arg)
    if kind == "utf8":
        return arg.encode("utf-8")
    if kind == "u32be":
        return struct.pack(">I", arg)
    if kind == "u32le":
        return struct.pack("<I", arg)
    if kind == "repeat":
        return build(arg["pieces"], profile) * arg["count"]
    if kind == "frame":
        if "header" in arg:
            header = arg["header"].encode("utf-8")
        else:
            header = build(arg["headerPieces"], profile)
        prefix_format = {"be": ">I", "le": "<i"}[arg.get("profile", profile)]
        return struct.pack(prefix_format, len(header)) + header + build(arg.get("body", []), profile)
    if kind == "file":
        return (CONFORMANCE_DIR / arg).read_bytes()
    raise VectorError(f"unknown piece kind {kind!r}")


def chunkings_of(data: bytes, chunking: Any) -> Iterator[tuple[str, list[bytes]]]:
    """(label, chunks) for each run a chunking asks for (FORMAT.md, Chunkings)."""
    view = memoryview(data)
    if chunking == "whole":
        yield "whole", [data] if data else []
    elif chunking == "every":
        for offset in range(1, len(data)):
            yield f"every@{offset}", [view[:offset], view[offset:]]
        if len(data) < 2:
            yield "every(whole)", [data] if data else []
    elif isinstance(chunking, dict) and "size" in chunking:
        size = chunking["size"]
        if size < 1:
            raise VectorError("chunk size < 1")
        yield f"size={size}", [view[i : i + size] for i in range(0, len(data), size)]
    elif isinstance(chunking, dict) and "splits" in chunking:
        offsets = [0, *chunking["splits"], len(data)]
        if offsets != sorted(offsets):
            raise VectorError("splits not ascending")
        yield f"splits={chunking['splits']}", [view[a:b] for a, b in zip(offsets, offsets[1:])]
    else:
        raise VectorError(f"unknown chunking {short(chunking)}")


# ---------------------------------------------------------------------------------------
# Outcomes


@dataclass
class Body:
    """A body by size and digest (bytes kept when small, for messages)."""

    size: int
    sha256: str
    sample: bytes | None


def body_of(data: bytes) -> Body:
    return Body(len(data), hashlib.sha256(data).hexdigest(), data if len(data) <= SMALL_BODY else None)


@dataclass
class Outcome:
    frames: list[tuple[Any, Body]]
    error: tuple[str, str] | None


def expected_frames(frames: list[Any], profile: str, cache: dict[int, Body]) -> Iterator[tuple[Any, Body]]:
    for frame in frames:
        if "repeat" in frame:
            repeat = frame["repeat"]
            for _ in range(repeat["count"]):
                yield from expected_frames(repeat["frames"], profile, cache)
            continue
        body = frame.get("body", NO_PIECES)
        key = id(body)  # the vector's own objects stay alive for the whole case
        if key not in cache:
            if isinstance(body, dict):
                cache[key] = Body(body["size"], body["sha256"].lower(), None)
            else:
                cache[key] = body_of(build(body, profile))
        yield frame["header"], cache[key]


def describe_body(body: Body) -> str:
    if body.sample is not None:
        return repr(body.sample)
    return f"<{body.size} octets sha256 {body.sha256[:12]}...>"


def short(value: Any, limit: int = 160) -> str:
    try:
        text = sockframe_json.serialize(value)
    except Exception:
        text = "<unprintable>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare(expect: dict[str, Any], got: Outcome, profile: str, cache: dict[int, Body]) -> str | None:
    """None if got matches the expected outcome, else a short explanation."""
    error = expect.get("error")
    want_error = (error["code"], error["stage"]) if error else None
    if want_error != got.error:
        return f"error: expected {want_error}, got {got.error}"
    count = 0
    for count, (header, body) in enumerate(expected_frames(expect.get("frames", []), profile, cache), 1):
        if count > len(got.frames):
            return f"frames: got only {len(got.frames)}, expected more"
        got_header, got_body = got.frames[count - 1]
        if not sockframe_json.json_equal(header, got_header):
            return f"frame {count - 1} header: expected {short(header)}, got {short(got_header)}"
        if (body.size, body.sha256) != (got_body.size, got_body.sha256):
            return f"frame {count - 1} body: expected {describe_body(body)}, got {describe_body(got_body)}"
    if count != len(got.frames):
        return f"frames: expected {count}, got {len(got.frames)}"
    return None


def compare_any(case: dict[str, Any], got: Outcome, profile: str, cache: dict[int, Body]) -> str | None:
    if "expectAny" in case:
        reasons = [compare(expect, got, profile, cache) for expect in case["expectAny"]]
        if any(reason is None for reason in reasons):
            return None
        return "none of expectAny: " + " | ".join(r for r in reasons if r)
    return compare(case["expect"], got, profile, cache)


# ---------------------------------------------------------------------------------------
# Running


def decode_run(chunks: list[bytes], options: dict[str, Any]) -> Outcome:
    decoder = Decoder(
        profile=options.get("profile", "be"),
        max_header_bytes=options.get("maxHeaderBytes", 65536),
        max_body_bytes=options.get("maxBodyBytes", 16777216),
        max_stream_body_bytes=options.get("maxStreamBodyBytes", 2**53 - 1),
        mode=options.get("mode", "buffered"),
    )
    frames: list[tuple[Any, Body]] = []
    current: tuple[Any, Any, int, bytearray] | None = None  # streaming: header, sha256, size, sample

    def drain() -> None:
        nonlocal current
        while (event := decoder.next_event()) is not None:
            if isinstance(event, Frame):
                frames.append((event.header, body_of(event.body)))
            elif isinstance(event, Head):
                current = (event.header, hashlib.sha256(), 0, bytearray())
            elif isinstance(event, Data):
                assert current is not None, "Data before Head"
                header, digest, size, sample = current
                digest.update(event.chunk)
                if size <= SMALL_BODY:
                    sample += event.chunk
                current = (header, digest, size + len(event.chunk), sample)
            elif isinstance(event, End):
                assert current is not None, "End before Head"
                header, digest, size, sample = current
                frames.append((header, Body(size, digest.hexdigest(), bytes(sample) if size <= SMALL_BODY else None)))
                current = None

    try:
        for chunk in chunks:
            decoder.push(chunk)
            drain()
        decoder.end()
        drain()
    except SockframeError as exc:
        return Outcome(frames, (exc.code, exc.stage))
    return Outcome(frames, None)


def run_decode(case: dict[str, Any], cache: dict[int, Body]) -> str | None:
    options = case.get("options", {})
    profile = options.get("profile", "be")
    data = build(case["input"], profile)
    failures: list[str] = []
    runs = 0
    for chunking in case.get("chunkings", DEFAULT_CHUNKINGS):
        for label, chunks in chunkings_of(data, chunking):
            runs += 1
            reason = compare_any(case, decode_run(chunks, options), profile, cache)
            if reason is not None:
                failures.append(f"[{label}] {reason}")
    if runs == 0:
        return "no run"
    if failures:
        more = f" (+{len(failures) - 1} more failing runs)" if len(failures) > 1 else ""
        return failures[0] + more
    return None


def run_datagram(case: dict[str, Any], cache: dict[int, Body]) -> str | None:
    options = case.get("options", {})
    profile = options.get("profile", "be")
    try:
        frame = decode_datagram(
            build(case["input"], profile),
            profile=profile,
            max_header_bytes=options.get("maxHeaderBytes", 65536),
            max_body_bytes=options.get("maxBodyBytes", 16777216),
            max_datagram_bytes=options.get("maxDatagramBytes", 65507),
        )
        got = Outcome([(frame.header, body_of(frame.body))], None)
    except SockframeError as exc:
        got = Outcome([], (exc.code, exc.stage))
    return compare_any(case, got, profile, cache)


def run_encode(case: dict[str, Any]) -> str | None:
    options = case.get("options", {})
    profile = options.get("profile", "be")
    body = build(case.get("input", []), profile)
    try:
        got: bytes | tuple[str, str] = encode(
            case["header"],
            body,
            profile=profile,
            max_header_bytes=options.get("maxHeaderBytes", 65536),
            checksums=tuple(options.get("checksums", ())),
        )
    except SockframeError as exc:
        got = (exc.code, exc.stage)
    expects = case["expectAny"] if "expectAny" in case else [case["expect"]]
    reasons = []
    for expect in expects:
        if "bytes" in expect:
            want: bytes | tuple[str, str] = build(expect["bytes"], profile)
        else:
            want = (expect["error"]["code"], expect["error"]["stage"])
        if want == got:
            return None
        reasons.append(f"expected {describe(want)}, got {describe(got)}")
    return " | ".join(reasons)


def describe(value: bytes | tuple[str, str]) -> str:
    if isinstance(value, tuple):
        return f"error {value[0]} ({value[1]})"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def run_case(case: dict[str, Any]) -> str | None:
    try:
        if case.get("kind") == "encode":
            return run_encode(case)
        if case.get("kind") == "decode":
            return run_decode(case, {})
        if case.get("kind") == "datagram":
            return run_datagram(case, {})
        return f"unknown kind {case.get('kind')!r}"
    except (VectorError, KeyError, TypeError, ValueError, struct.error, OSError) as exc:
        return f"runner could not use this vector: {type(exc).__name__}: {exc}"


def section_key(section: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in section.split(".")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", type=Path, default=DEFAULT_VECTORS, help="directory of *.json vector files")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="JSON results file to write")
    parser.add_argument("--only", default="", metavar="ID_PREFIX", help="run only cases whose id starts with this")
    args = parser.parse_args(argv)

    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    started = time.monotonic()
    for path in sorted(args.vectors.glob("*.json")):
        try:
            document = load_json(path)
            cases = document["cases"]
        except Exception as exc:  # a broken file is a failure, not a crash
            results.append({"id": f"<file {path.name}>", "spec": "?", "ok": False, "detail": f"cannot load: {exc}"})
            continue
        for case in cases:
            case_id = str(case.get("id", "<no id>"))
            if not case_id.startswith(args.only):
                continue
            detail = run_case(case)
            if case_id in seen:
                detail = (detail + "; " if detail else "") + f"duplicate id (also in an earlier file), in {path.name}"
            seen.add(case_id)
            results.append(
                {"id": case_id, "spec": str(case.get("spec", "?")), "ok": detail is None, "detail": detail or ""}
            )
    elapsed = time.monotonic() - started

    summary: dict[str, list[int]] = {}
    for result in results:
        counts = summary.setdefault(result["spec"], [0, 0])
        counts[0 if result["ok"] else 1] += 1
    print(f"{'section':<10} {'passed':>7} {'failed':>7}")
    for section in sorted(summary, key=section_key):
        passed, failed = summary[section]
        print(f"{section:<10} {passed:>7} {failed:>7}")
    total_failed = sum(1 for r in results if not r["ok"])
    print(f"{'total':<10} {len(results) - total_failed:>7} {total_failed:>7}   ({elapsed:.1f} s)")
    failures = [r for r in results if not r["ok"]]
    if failures:
        print("\nFailures:")
        for result in failures:
            print(f"  {result['id']} (SPEC {result['spec']}): {result['detail']}")

    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({"impl": "python", "cases": results}, indent=2) + "\n", encoding="utf-8")
    if not results:
        print("no case ran", file=sys.stderr)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

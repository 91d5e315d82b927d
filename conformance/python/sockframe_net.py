#!/usr/bin/env python3
"""sockframe over real sockets (TCP and Unix), for the cross-runtime interop matrix.

Python 3.11 standard library only, asyncio. Every protocol decision is sockframe_ref's: this
module only moves octets between sockets and its Decoder / encode functions.

    python3 sockframe_net.py serve ADDR              # first line: "listening on tcp://127.0.0.1:PORT"
    python3 sockframe_net.py client ADDR SCENARIO    # one JSON line per scenario; exit 0 iff all ok

ADDR: ``127.0.0.1:0``, ``tcp://127.0.0.1:0``, ``[::1]:0``, ``unix:/path``.
SCENARIO: ``request``, ``burst``, ``stream`` or ``all`` (the three in turn, one line each).

The server answers, per frame: ``"op": "upper"`` with the same ``id`` and the body upper-cased
(ASCII a-z only, like ``bytes.upper()``); ``"op": "sha256"`` with ``{"id", "op": "sha256",
"digest"}`` and an empty body, the body hashed while it streams in (never held in memory). Any
other frame gets an application error frame (code ``UNKNOWN_OP``) with its id; error frames are
never answered (SPEC 7.3). A protocol error gets the SPEC 7.3 error frame, then the connection is
closed. After the client's FIN the server still answers every frame it has, then closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

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
)

READ_SIZE = 256 * 1024
# Bodies of "upper" requests are buffered (they are answered whole); a larger one is refused.
UPPER_LIMIT = 16 * 1024 * 1024
# After a protocol error: how long the peer gets to close before we do (closing with unread input
# makes the kernel send a reset, which can destroy the error frame before the peer reads it).
LINGER_SECONDS = 2.0
SCENARIO_TIMEOUT = 30.0
# How long the server gets to close the connection after our FIN (it has nothing left to answer).
CLOSE_WAIT = 10.0

# The scenarios' parameters: identical in interop/peer.ts.
REQUESTS = 100
BURST = 10_000
STREAM_CHUNK = 1024 * 1024
STREAM_CHUNKS = 64

# ---------------------------------------------------------------------------------------
# Addresses


@dataclass(frozen=True)
class Address:
    transport: str  # "tcp" | "unix"
    host: str = ""
    port: int = 0
    path: str = ""

    def __str__(self) -> str:
        if self.transport == "unix":
            return f"unix:{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"


def parse_address(text: str) -> Address:
    if text.startswith("unix:"):
        path = re.sub(r"^//(?=/)", "", text[5:])
        if not path or len(path.encode()) > 107:
            raise ValueError(f"bad Unix socket path (empty or over 107 octets): {path!r}")
        return Address("unix", path=path)
    rest = text[6:] if text.startswith("tcp://") else text
    match = re.fullmatch(r"\[([^\]]+)\]:(\d{1,5})|([^:\[\]]*):(\d{1,5})|(\d{1,5})", rest)
    if match is None:
        raise ValueError(f"bad address {text!r}")
    if match.group(1) is not None:
        return Address("tcp", match.group(1), int(match.group(2)))
    if match.group(3) is not None:
        return Address("tcp", match.group(3) or "127.0.0.1", int(match.group(4)))
    return Address("tcp", "127.0.0.1", int(match.group(5)))


async def open_connection(address: Address) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if address.transport == "unix":
        reader, writer = await asyncio.open_unix_connection(address.path, limit=READ_SIZE)
    else:
        reader, writer = await asyncio.open_connection(address.host, address.port, limit=READ_SIZE)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


def remove_stale_unix_socket(path: str) -> None:
    """A socket file nobody listens on is left over from a crashed server: remove it. A live one
    is never removed."""
    if not os.path.exists(path):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    finally:
        probe.close()
    raise OSError(f"address in use by a live server: unix:{path}")


# ---------------------------------------------------------------------------------------
# Server


def ascii_upper(body: bytes) -> bytes:
    return body.upper()  # bytes.upper() maps a-z only


class Answer:
    """What the server does with one frame's body as it streams in, and the reply at its end."""

    def __init__(self, header: dict[str, Any]) -> None:
        self.header = header
        self.op = header.get("op")
        self.error: tuple[str, str] | None = None
        self.parts: list[bytes] = []
        self.digest = hashlib.sha256()
        if "error" in header:
            self.op = None  # SPEC 7.3: an error frame is never answered
        elif self.op == "upper" and header["total_size"] > UPPER_LIMIT:
            self.error = ("BODY_TOO_LARGE_FOR_UPPER", f"upper takes bodies up to {UPPER_LIMIT} octets")
        elif self.op not in ("upper", "sha256"):
            self.error = ("UNKNOWN_OP", f"unknown op {self.op!r}")

    def feed(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        if self.op == "upper":
            self.parts.append(chunk)
        elif self.op == "sha256":
            self.digest.update(chunk)

    def reply(self) -> bytes | None:
        reply: dict[str, Any] = {}
        if "id" in self.header:
            reply["id"] = self.header["id"]
        if "error" in self.header:
            return None
        if self.error is not None:
            reply["error"] = {"code": self.error[0], "message": self.error[1]}
            return encode(reply)
        reply["op"] = self.op
        if self.op == "upper":
            return encode(reply, ascii_upper(b"".join(self.parts)))
        reply["digest"] = self.digest.hexdigest()
        return encode(reply)


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    decoder = Decoder(mode="streaming")
    answer: Answer | None = None
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if data:
                decoder.push(data)
            else:
                decoder.end()
            while (event := decoder.next_event()) is not None:
                if isinstance(event, Head):
                    answer = Answer(event.header)
                elif isinstance(event, Data):
                    assert answer is not None
                    answer.feed(event.chunk)
                elif isinstance(event, End):
                    assert answer is not None
                    reply = answer.reply()
                    answer = None
                    if reply is not None:
                        writer.write(reply)
            # Back-pressure: stop reading while the peer is not reading our replies.
            await writer.drain()
            if not data:
                break
        # Clean end after the peer's FIN: every reply is written; now our FIN.
        if writer.can_write_eof():
            writer.write_eof()
        await writer.drain()
    except SockframeError as error:
        writer.write(error_frame(error.code, error.message))
        with contextlib.suppress(OSError):
            await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
            await asyncio.wait_for(discard_until_eof(reader), LINGER_SECONDS)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def discard_until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(READ_SIZE):
        pass


async def serve(address: Address, ready: Callable[[str], None] | None = None) -> None:
    """Serves until SIGTERM or SIGINT."""
    connections: set[asyncio.Task[None]] = set()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await serve_connection(reader, writer)
        finally:
            connections.discard(task)

    if address.transport == "unix":
        remove_stale_unix_socket(address.path)
        server = await asyncio.start_unix_server(on_connection, address.path, limit=READ_SIZE)
        bound = address
    else:
        server = await asyncio.start_server(on_connection, address.host, address.port, limit=READ_SIZE)
        sockname = server.sockets[0].getsockname()
        bound = Address("tcp", sockname[0], sockname[1])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        (ready or default_ready)(f"listening on {bound}")
        await stop.wait()
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        if address.transport == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address.path)


def default_ready(line: str) -> None:
    print(line, flush=True)


# ---------------------------------------------------------------------------------------
# Client


class ScenarioFailed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise ScenarioFailed(message)


async def frames(reader: asyncio.StreamReader, decoder: Decoder) -> AsyncIterator[Frame]:
    """Frames from the socket until a clean end; a decode error propagates."""
    while True:
        data = await reader.read(READ_SIZE)
        if data:
            decoder.push(data)
        else:
            decoder.end()
        while (event := decoder.next_event()) is not None:
            assert isinstance(event, Frame)
            yield event
        if not data:
            return


def request_body(i: int) -> bytes:
    """Varied sizes and octets: text, non-ASCII UTF-8, every octet value (upper maps a-z only)."""
    text = f"request {i}: Hello, World! \u00e9t\u00e9 \u2603 ".encode()
    return text * (1 + i % 13) + (bytes(range(256)) * (i % 5)) + (b"x" * (1000 * (i % 7)))


def burst_body(i: int) -> bytes:
    return f"burst frame {i} abc".encode()


def stream_chunks() -> Iterator[bytes]:
    """64 MiB: chunk k is a 1 MiB run of (i % 251) with its first 4 octets set to k (big-endian)."""
    base = bytes(i % 251 for i in range(STREAM_CHUNK))
    for k in range(STREAM_CHUNKS):
        yield struct.pack(">I", k) + base[4:]


async def close_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, decoder: Decoder) -> None:
    """Our FIN, then the server's: it must send nothing more and close by itself."""
    if writer.can_write_eof():
        writer.write_eof()

    async def no_more_frames() -> None:
        async for frame in frames(reader, decoder):
            raise ScenarioFailed(f"unexpected frame after the last reply: {frame.header}")

    try:
        await asyncio.wait_for(no_more_frames(), CLOSE_WAIT)
    except asyncio.TimeoutError:
        raise ScenarioFailed(f"server did not close the connection within {CLOSE_WAIT:g} s of our FIN") from None
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def scenario_request(address: Address) -> str:
    """100 requests in flight at once; replies matched by id, in any order."""
    reader, writer = await open_connection(address)
    decoder = Decoder()
    expected = {i: ascii_upper(request_body(i)) for i in range(1, REQUESTS + 1)}
    for i in expected:
        writer.write(encode({"id": i, "op": "upper"}, request_body(i)))
    await writer.drain()
    pending = dict(expected)
    async for frame in frames(reader, decoder):
        header = frame.header
        check("error" not in header, f"error frame: {header}")
        check(header.get("id") in pending, f"reply with an unknown or repeated id: {header}")
        check(header.get("op") == "upper", f"reply without op upper: {header}")
        want = pending.pop(header["id"])
        check(frame.body == want, f"id {header['id']}: body differs ({len(frame.body)} vs {len(want)} octets)")
        if not pending:
            break
    check(not pending, f"connection ended with {len(pending)} requests unanswered")
    await close_client(reader, writer, decoder)
    return f"{REQUESTS} replies matched by id"


async def scenario_burst(address: Address) -> str:
    """10,000 frames in one buffer, one write, then our FIN: every reply, in order."""
    reader, writer = await open_connection(address)
    decoder = Decoder()
    glued = b"".join(encode({"id": i, "op": "upper"}, burst_body(i)) for i in range(BURST))
    writer.write(glued)
    # Half-close right after the last frame: the server must still answer all of them.
    if writer.can_write_eof():
        writer.write_eof()
    drained = asyncio.ensure_future(writer.drain())
    count = 0
    async for frame in frames(reader, decoder):
        header = frame.header
        check(count < BURST, f"more than {BURST} replies: {header}")
        check(header.get("id") == count, f"reply {count} has id {header.get('id')!r}: {header}")
        check(header.get("op") == "upper" and "error" not in header, f"reply {count}: {header}")
        check(frame.body == ascii_upper(burst_body(count)), f"reply {count}: body {frame.body[:40]!r}")
        count += 1
    await drained
    check(count == BURST, f"server closed after {count} of {BURST} replies")
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return f"{BURST} frames in one {len(glued)}-octet write, {count} replies in order after our FIN"


_stream_digest: str | None = None


def stream_digest() -> str:
    global _stream_digest
    if _stream_digest is None:
        digest = hashlib.sha256()
        for chunk in stream_chunks():
            digest.update(chunk)
        _stream_digest = digest.hexdigest()
    return _stream_digest


async def scenario_stream(address: Address) -> str:
    """A 64 MiB body streamed with its sha256 in the header; the server's digest must match."""
    expected = stream_digest()
    reader, writer = await open_connection(address)
    decoder = Decoder()
    size = STREAM_CHUNK * STREAM_CHUNKS
    writer.write(encode_head({"id": "stream-1", "op": "sha256", "sha256": expected}, size))
    for chunk in stream_chunks():
        writer.write(chunk)
        await writer.drain()
    reply = None
    async for frame in frames(reader, decoder):
        reply = frame
        break
    check(reply is not None, "connection ended without a reply")
    assert reply is not None
    header = reply.header
    check("error" not in header, f"error frame: {header}")
    check(header.get("id") == "stream-1" and header.get("op") == "sha256", f"unexpected reply: {header}")
    check(header.get("digest") == expected, f"digest {header.get('digest')} != {expected}")
    await close_client(reader, writer, decoder)
    return f"{size} octets, sha256 {expected[:16]}... matches"


SCENARIOS: dict[str, Callable[[Address], Awaitable[str]]] = {
    "request": scenario_request,
    "burst": scenario_burst,
    "stream": scenario_stream,
}


async def run_scenario(name: str, address: Address, timeout: float = SCENARIO_TIMEOUT) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(SCENARIOS[name](address), timeout)
        ok = True
    except asyncio.TimeoutError:
        ok, detail = False, f"timed out after {timeout:g} s"
    except ScenarioFailed as failure:
        ok, detail = False, str(failure)
    except (OSError, SockframeError, asyncio.IncompleteReadError) as error:
        ok, detail = False, f"{type(error).__name__}: {error}"
    ms = round((time.perf_counter() - started) * 1000, 1)
    return {"ok": ok, "scenario": name, "detail": detail, "ms": ms}


async def client(address: Address, scenario: str) -> bool:
    names = list(SCENARIOS) if scenario == "all" else [scenario]
    ok = True
    for name in names:
        result = await run_scenario(name, address)
        print(json.dumps(result), flush=True)
        ok = ok and result["ok"]
    return ok


# ---------------------------------------------------------------------------------------
# CLI


USAGE = "usage: sockframe_net.py serve ADDR | client ADDR {request,burst,stream,all}"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "serve":
        asyncio.run(serve(parse_address(argv[1])))
        return 0
    if len(argv) == 3 and argv[0] == "client" and argv[2] in (*SCENARIOS, "all"):
        return 0 if asyncio.run(client(parse_address(argv[1]), argv[2])) else 1
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

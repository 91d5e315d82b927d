// `npm run demo`: TCP's "sticky packet" problem, and sockframe's answer to it, at codec level.
import { concatBytes, decodeAll, encodeFrame, FrameDecoder, type Frame, SockframeError } from "@sockframe/codec";

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A small seeded PRNG (mulberry32) so that every run cuts at the same "random" points. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A frame built by hand, as a peer that ignores the canonical form (or the rules) would send it. */
function handMade(header: string, body = "", littleEndian = false): Uint8Array {
  const head = utf8.encode(header);
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, head.length, littleEndian);
  return concatBytes([prefix, head, utf8.encode(body)]);
}

function section(title: string): void {
  console.log(`\n== ${title}`);
}

section("1. The problem: TCP is a byte stream");
const messages = ["hello", "how are you", "bye"];
const stream = utf8.encode(messages.join(""));
console.log(`sender writes ${messages.map((m) => JSON.stringify(m)).join(", ")}`);
console.log(`receiver's recv(1024) sees ${JSON.stringify(text.decode(stream))}: where does one message end?`);

section("2. The fix: 4-octet length | JSON header | body");
const one = encodeFrame({ filename: "hello.txt" }, utf8.encode("hello"), { checksums: ["md5"] });
const headerLength = new DataView(one.buffer).getUint32(0);
console.log(`prefix  ${[...one.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}  (header is ${headerLength} octets, big-endian)`);
console.log(`header  ${text.decode(one.subarray(4, 4 + headerLength))}`);
console.log(`body    ${JSON.stringify(text.decode(one.subarray(4 + headerLength)))}`);

section("3. 10,000 frames glued into one buffer, cut at random points, decoded back exactly");
const rand = random(2026);
const sent = Array.from({ length: 10_000 }, (_, i) => {
  const size = rand() < 0.05 ? Math.floor(rand() * 20_000) : Math.floor(rand() * 200);
  const body = new Uint8Array(size);
  for (let j = 0; j < size; j++) body[j] = (i * 31 + j) & 0xff;
  return { header: { id: i, filename: i % 7 === 0 ? `файл-${i}.bin` : undefined }, body, checksum: i % 3 === 0 };
});
const glued = concatBytes(sent.map((f) => encodeFrame(f.header, f.body, { checksums: f.checksum ? ["sha256"] : [] })));
const chunks: Uint8Array[] = [];
for (let at = 0; at < glued.length; ) {
  // Mostly small cuts, sometimes big ones: splits land inside prefixes, headers, UTF-8 and bodies.
  const size = 1 + Math.floor(rand() < 0.5 ? rand() * 16 : rand() * 8192);
  chunks.push(glued.subarray(at, at + size));
  at += size;
}
const started = performance.now();
const decoder = new FrameDecoder();
const received: Frame[] = [];
for (const chunk of chunks) {
  decoder.push(chunk);
  for (const frame of decoder) received.push(frame);
}
decoder.end();
for (const frame of decoder) received.push(frame);
const elapsed = performance.now() - started;
let same = received.length === sent.length;
for (let i = 0; same && i < sent.length; i++) {
  const a = sent[i]!;
  const b = received[i]!;
  same = b.header.id === a.header.id && b.header.filename === a.header.filename && b.body.length === a.body.length &&
    b.body.every((byte, j) => byte === a.body[j]);
}
const smallest = Math.min(...chunks.map((c) => c.length));
const largest = Math.max(...chunks.map((c) => c.length));
console.log(`sent     ${sent.length} frames, ${glued.length} octets in one buffer (a third of them sha256-checked)`);
console.log(`cut into ${chunks.length} chunks of ${smallest} to ${largest} octets`);
console.log(`decoded  ${received.length} frames in ${elapsed.toFixed(0)} ms: ${same ? "identical to what was sent" : "MISMATCH"}`);
if (!same) process.exitCode = 1;

section("4. Python's struct.pack('i'): the tutorial's own format is the 'le' profile");
// What the tutorial's server writes: struct.pack('i', len(h)) + h + body, h = json.dumps(header).encode().
const seedFrame = handMade('{"total_size": 5, "filename": "a.txt", "md5": "5d41402abc4b2a76b9719d911017c592"}', "hello", true);
console.log(`prefix ${[...seedFrame.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")} (little-endian)`);
const seed = decodeAll(seedFrame, { profile: "le" });
console.log(`decoded with profile "le": ${JSON.stringify(seed.frames[0]?.header)}, body ${JSON.stringify(text.decode(seed.frames[0]?.body))}`);

section("5. Hostile input gets a typed error, and nothing already received is lost");
const good = encodeFrame({ id: "before" });
for (const [what, bytes] of [
  ["a 4 GiB header length", new Uint8Array([0xff, 0xff, 0xff, 0xff])],
  ["a header that is not JSON", handMade("{x}")],
  ["a body over the 16 MiB limit", handMade('{"total_size":999999999}')],
  ["a duplicate key", handMade('{"total_size":0,"total_size":5}')],
  ["a wrong sha256", handMade(`{"total_size":2,"sha256":"${"0".repeat(64)}"}`, "hi")],
] as const) {
  const { frames, error } = decodeAll(concatBytes([good, bytes]));
  const e = error as SockframeError;
  console.log(`${what.padEnd(30)} -> ${frames.length} frame kept, then ${e.code} (stage ${e.stage}, offset ${e.offset})`);
}
console.log("\ndemo complete");

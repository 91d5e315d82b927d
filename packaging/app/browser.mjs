// The codec as a browser page would use it: Web APIs only (TextEncoder, Uint8Array).
import { encodeFrame, FrameDecoder } from "@sockframe/codec";

const bytes = encodeFrame({ filename: "page.txt" }, new TextEncoder().encode("from a page"), { checksums: ["md5", "sha256"] });
const decoder = new FrameDecoder();
for (let at = 0; at < bytes.length; at += 7) decoder.push(bytes.subarray(at, at + 7));
const frames = [...decoder];
if (frames.length !== 1 || new TextDecoder().decode(frames[0].body) !== "from a page") throw new Error("the browser bundle did not decode its own frame");
console.log("browser bundle: encoded and decoded in 7-octet pieces with md5 and sha256: ok");

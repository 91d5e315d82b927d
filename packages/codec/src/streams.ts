import { type ByteSource, iterateBytes } from "./bytes.ts";
import { FrameDecoder, type Frame, type FrameEvent, StreamingFrameDecoder } from "./decoder.ts";
import { encodeFrame, type EncoderOptions, type OutgoingHeader } from "./encoder.ts";
import type { Header } from "./header.ts";
import type { DecoderOptions } from "./options.ts";

/** A frame to send: header fields and an optional body. */
export interface OutgoingFrame {
  header: OutgoingHeader;
  body?: Uint8Array;
}

/** Frames queued on the readable side before the writer is made to wait. */
const QUEUE_SIZE = 1;

/**
 * Bytes in, frames out, as a `{ writable, readable }` pair for `pipeThrough`.
 *
 * Not a TransformStream on purpose: erroring a TransformStream discards frames still queued on its
 * readable side, and SPEC 7.2 wants every frame completed before an error delivered. Here the
 * error is raised only once the reader has taken every earlier frame.
 */
export class FrameDecoderStream<H = Header> implements ReadableWritablePair<Frame<H>, Uint8Array> {
  readonly readable: ReadableStream<Frame<H>>;
  readonly writable: WritableStream<Uint8Array>;
  readonly #decoder: FrameDecoder<H>;

  constructor(options: DecoderOptions<H> = {}) {
    const decoder = (this.#decoder = new FrameDecoder<H>(options));
    let output!: ReadableStreamDefaultController<Frame<H>>;
    let pending: unknown = null;
    let hasPending = false;
    let wake: (() => void) | null = null;

    const drain = (): void => {
      try {
        for (const frame of decoder) output.enqueue(frame);
        if (decoder.done) output.close();
      } catch (error) {
        pending = error;
        hasPending = true;
        if (output.desiredSize === QUEUE_SIZE) output.error(error);
      }
    };
    const backpressure = (): Promise<void> | undefined => {
      if ((output.desiredSize ?? 1) > 0 || hasPending) return undefined;
      return new Promise<void>((resolve) => {
        wake = resolve;
      });
    };

    this.readable = new ReadableStream<Frame<H>>(
      {
        start(controller) {
          output = controller;
        },
        pull(controller) {
          if (hasPending) controller.error(pending);
          const resume = wake;
          wake = null;
          resume?.();
        },
      },
      // pull() runs whenever the queue drops below this: that is when the writer may go on.
      { highWaterMark: QUEUE_SIZE },
    );
    this.writable = new WritableStream<Uint8Array>({
      write(chunk) {
        if (hasPending) throw pending;
        decoder.push(chunk);
        drain();
        return backpressure();
      },
      close() {
        if (hasPending) return;
        decoder.end();
        drain();
      },
      abort(reason) {
        output.error(reason);
      },
    });
  }

  /** FrameDecoder.release(): hands back a frame's body once nothing reads it, for later bodies to reuse. */
  release(body: Uint8Array): boolean {
    return this.#decoder.release(body);
  }
}

/** Frames in, bytes out: each frame encoded canonically (SPEC 8.1) into one chunk. */
export class FrameEncoderStream extends TransformStream<OutgoingFrame, Uint8Array> {
  constructor(options: EncoderOptions = {}) {
    super({
      transform(frame, controller) {
        controller.enqueue(encodeFrame(frame.header, frame.body, options));
      },
    });
  }
}

/** Decodes a byte source into frames; throws the SockframeError after the frames before it. */
export async function* decodeFrames<H = Header>(source: ByteSource, options: DecoderOptions<H> = {}): AsyncGenerator<Frame<H>, void, undefined> {
  const decoder = new FrameDecoder<H>(options);
  for await (const chunk of iterateBytes(source)) {
    decoder.push(chunk);
    yield* decoder;
  }
  decoder.end();
  yield* decoder;
}

/** Decodes a byte source in streaming mode (SPEC 6.2): head, data..., end events. */
export async function* decodeFrameEvents<H = Header>(source: ByteSource, options: DecoderOptions<H> = {}): AsyncGenerator<FrameEvent<H>, void, undefined> {
  const decoder = new StreamingFrameDecoder<H>(options);
  for await (const chunk of iterateBytes(source)) {
    decoder.push(chunk);
    yield* decoder;
  }
  decoder.end();
  yield* decoder;
}

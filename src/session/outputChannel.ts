/**
 * What cells print and display, on its way to the host.
 *
 * - Printed text is coalesced: a burst of `console.log` calls becomes one `session/stream`
 *   notification per {@link STREAM_CHUNK_CHARS} characters, sent at the latest
 *   {@link STREAM_FLUSH_MS} ms after it was printed; text printed after a quiet spell goes at once
 *   (so a line printed before a long synchronous computation is not held back).
 * - Bytes written to process.stdout/stderr are decoded as UTF-8 per stream, so a character split
 *   across two writes arrives whole, and invalid bytes become U+FFFD (never a broken message).
 * - Order is kept: a display, or the end of an execution, first flushes the text printed before it.
 * - On the output pipe ({@link fdSender}) every message is written with a blocking write: a cell that
 *   prints faster than its host reads waits for the host instead of piling output up in memory.
 */
import { writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import {
  DisplayNotification,
  OutputEndNotification,
  STREAM_CHUNK_CHARS,
  STREAM_FLUSH_MS,
  StreamNotification,
  type DisplayParams,
  type OutputEndParams,
  type StreamParams,
} from '../protocol';

export type StreamName = 'stdout' | 'stderr';

/** Sends one notification to the host. */
export type Sender = (method: string, params: StreamParams | DisplayParams | OutputEndParams) => void;

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes all of `bytes` on `fd`, waiting (blocking) while the pipe is full. */
function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      // A non-blocking descriptor: wait a moment for the reader, then go on.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * A sender that writes JSON-RPC notifications on a descriptor in vscode-jsonrpc's stream framing
 * (what its StreamMessageReader reads on the host).
 */
export function fdSender(fd: number): Sender {
  return (method, params) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method, params }), 'utf8');
    writeAll(fd, Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  };
}

export class OutputChannel {
  private pending?: { executionId: string; name: StreamName; parts: string[]; chars: number };
  private lastFlush = -Infinity;
  private timer?: NodeJS.Timeout;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** Set when sending failed (the host is gone): later output is dropped. */
  private broken = false;

  constructor(
    private readonly send: Sender,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Text (or bytes) a cell printed on stdout or stderr. */
  stream(executionId: string, name: StreamName, chunk: string | Uint8Array, encoding?: BufferEncoding): void {
    const decoder = this.decoders[name];
    let text: string;
    if (typeof chunk === 'string') {
      text = encoding && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(chunk, encoding).toString('utf8') : chunk;
    } else {
      text = decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    if (!text) return;
    const p = this.pending;
    if (p && (p.executionId !== executionId || p.name !== name)) this.flush();
    const q = (this.pending ??= { executionId, name, parts: [], chars: 0 });
    q.parts.push(text);
    q.chars += text.length;
    if (q.chars >= STREAM_CHUNK_CHARS || this.now() - this.lastFlush >= STREAM_FLUSH_MS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), STREAM_FLUSH_MS).unref();
  }

  /** A display (or a live output's update): after the text printed before it. */
  display(params: DisplayParams): void {
    this.flush();
    this.deliver(DisplayNotification.method, params);
  }

  /** The execution has ended: everything it printed is sent, then the end marker. */
  end(executionId: string): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[name].end();
      if (rest) this.stream(executionId, name, rest);
    }
    this.flush();
    this.deliver(OutputEndNotification.method, { executionId });
  }

  /** Sends the text waiting to go, in chunks of at most STREAM_CHUNK_CHARS characters. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = this.now();
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const text = p.parts.length === 1 ? p.parts[0]! : p.parts.join('');
    for (let start = 0; start < text.length; ) {
      let end = Math.min(start + STREAM_CHUNK_CHARS, text.length);
      // Never split a surrogate pair between two messages.
      if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
      this.deliver(StreamNotification.method, { executionId: p.executionId, name: p.name, text: text.slice(start, end) });
      start = end;
    }
  }

  private deliver(method: string, params: StreamParams | DisplayParams | OutputEndParams): void {
    if (this.broken) return;
    try {
      this.send(method, params);
    } catch {
      this.broken = true;
    }
  }
}

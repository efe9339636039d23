/**
 * The Jupyter messaging protocol's wire format (5.3): a message is the routing identities, the
 * delimiter `<IDS|MSG>`, an HMAC-SHA256 signature (hex, of the four JSON frames, keyed with the
 * connection file's key; empty when the key is), header, parent header, metadata, content, then
 * binary buffers. Every message read is verified; a bad signature is dropped by the caller.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface Message<C = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  /** Empty (`{}`) for a message that answers nothing. */
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export class WireError extends Error {}

/** Signs and checks messages with one key and scheme (only hmac-sha256 exists in practice). */
export class Signer {
  constructor(
    private readonly key: string,
    scheme = 'hmac-sha256',
  ) {
    if (key && scheme !== 'hmac-sha256') throw new WireError(`signature_scheme '${scheme}' is not supported (only hmac-sha256)`);
  }

  sign(frames: Buffer[]): string {
    if (!this.key) return '';
    const hmac = createHmac('sha256', this.key);
    for (const f of frames) hmac.update(f);
    return hmac.digest('hex');
  }

  verify(frames: Buffer[], signature: string): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(frames), 'utf8');
    const got = Buffer.from(signature, 'utf8');
    return expected.length === got.length && timingSafeEqual(expected, got);
  }
}

/** Reads a multipart message: throws WireError when it is malformed or its signature is wrong. */
export function parseMessage(frames: Buffer[], signer: Signer): Message {
  const at = frames.findIndex((f) => f.length === DELIMITER.length && f.toString('utf8') === DELIMITER);
  if (at < 0 || frames.length < at + 6) throw new WireError('not a Jupyter message (no <IDS|MSG> delimiter, or too few frames)');
  const signature = frames[at + 1]!.toString('utf8');
  const parts = frames.slice(at + 2, at + 6);
  if (!signer.verify(parts, signature)) throw new WireError('bad signature');
  const json = (f: Buffer, what: string) => {
    try {
      return JSON.parse(f.toString('utf8') || '{}') as unknown;
    } catch {
      throw new WireError(`the ${what} frame is not JSON`);
    }
  };
  return {
    identities: frames.slice(0, at),
    header: json(parts[0]!, 'header') as Header,
    parent_header: json(parts[1]!, 'parent header') as Header,
    metadata: json(parts[2]!, 'metadata') as Record<string, unknown>,
    content: json(parts[3]!, 'content') as Record<string, unknown>,
    buffers: frames.slice(at + 6),
  };
}

/** The frames of a message, signed. */
export function serializeMessage(msg: Omit<Message, 'buffers'> & { buffers?: Buffer[] }, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p), 'utf8'));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...(msg.buffers ?? [])];
}

/** A fresh header of this kernel's session. */
export function newHeader(session: string, msgType: string): Header {
  return { msg_id: randomUUID(), session, username: 'bmnb', date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

/**
 * How an output item's data is stored in a .bmnb file, by MIME type (docs/architecture.md): a string for
 * text types, a JSON value for `application/json` and `*+json`, base64 for everything else
 * (binary, such as `image/png`). Pure: TextEncoder/TextDecoder and atob/btoa only.
 */

const TEXT_MIMES = new Set([
  'application/vnd.code.notebook.stdout',
  'application/vnd.code.notebook.stderr',
  'application/vnd.code.notebook.error',
  'application/javascript',
  'application/xml',
  'image/svg+xml',
]);

export type MimeStorage = 'text' | 'json' | 'base64';

/** How data of this MIME type is stored. */
export function mimeStorage(mime: string): MimeStorage {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  if (base === 'application/json' || base.endsWith('+json')) return 'json';
  if (base.startsWith('text/') || TEXT_MIMES.has(base)) return 'text';
  return 'base64';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The bytes an editor holds for an item stored as `data`. */
export function itemDataToBytes(mime: string, data: unknown): Uint8Array {
  switch (mimeStorage(mime)) {
    case 'json':
      return encoder.encode(JSON.stringify(data));
    case 'text':
      return encoder.encode(typeof data === 'string' ? data : JSON.stringify(data));
    case 'base64':
      return base64ToBytes(typeof data === 'string' ? data : '');
  }
}

/** What a .bmnb file stores for an item whose bytes an editor holds. */
export function bytesToItemData(mime: string, bytes: Uint8Array): unknown {
  switch (mimeStorage(mime)) {
    case 'json': {
      const text = decoder.decode(bytes);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text; // not JSON after all: keep it as it was
      }
    }
    case 'text':
      return decoder.decode(bytes);
    case 'base64':
      return bytesToBase64(bytes);
  }
}

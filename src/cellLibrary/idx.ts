/**
 * The IDX format (MNIST's files): two zero bytes, a type code, the number of dimensions, each
 * dimension as a big-endian uint32, then the values, big-endian, row-major. Gzipped files (the
 * `.gz` downloads) are unpacked first. Pure functions over bytes; datasets.ts makes tensors.
 */
import { gunzipSync } from 'node:zlib';

/** IDX type codes: name, bytes per value, and the tensor dtype the values become. */
export const IDX_TYPES = {
  0x08: { name: 'unsigned byte', bytes: 1, dtype: 'int32' },
  0x09: { name: 'signed byte', bytes: 1, dtype: 'int32' },
  0x0b: { name: 'short (int16)', bytes: 2, dtype: 'int32' },
  0x0c: { name: 'int (int32)', bytes: 4, dtype: 'int32' },
  0x0d: { name: 'float (float32)', bytes: 4, dtype: 'float32' },
  0x0e: { name: 'double (float64)', bytes: 8, dtype: 'float32' },
} as const;

export type IdxTypeCode = keyof typeof IDX_TYPES;

export interface IdxHeader {
  type: IdxTypeCode;
  shape: number[];
  /** Where the values start. */
  offset: number;
}

export interface IdxData extends IdxHeader {
  dtype: 'int32' | 'float32';
  values: Int32Array | Float32Array;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;
const KNOWN = Object.keys(IDX_TYPES)
  .map((k) => hex(Number(k)))
  .join(', ');

/** The file's bytes, unpacked if they are gzipped. */
export function idxBytes(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${file} starts like a gzip file but does not unpack (${(err as Error).message}): the download is probably incomplete; fetch it again.`);
    }
  }
  return bytes;
}

/**
 * Reads and checks the header: magic, type code, dimensions, and that the file's size matches
 * them. `bytes` may be only the start of the file when `fileSize` gives the whole size.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string, fileSize = bytes.length): IdxHeader {
  if (fileSize < 4) {
    throw new Error(`${file} is not an IDX file: it has only ${fileSize} bytes; an IDX file starts with a 4-byte magic number (0x00 0x00, a type code, the number of dimensions).`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `${file} is not an IDX file: it starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)} where an IDX file has 0x00 0x00 (then a type code and the number of dimensions). ` +
        'Pass an IDX file such as MNIST\'s train-images-idx3-ubyte (gzipped ones are unpacked).',
    );
  }
  const type = bytes[2]!;
  if (!(type in IDX_TYPES)) {
    throw new Error(`${file}: unknown IDX type code ${hex(type)} (byte 3); IDX type codes are ${KNOWN}.`);
  }
  const rank = bytes[3]!;
  if (rank === 0) throw new Error(`${file}: the IDX header declares 0 dimensions (byte 4); an IDX file has at least one.`);
  const offset = 4 + 4 * rank;
  if (fileSize < offset || bytes.length < offset) {
    throw new Error(`${file} is truncated: its header declares ${rank} dimensions (${offset} header bytes) but the file has only ${fileSize} bytes.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const info = IDX_TYPES[type as IdxTypeCode];
  const expected = offset + shape.reduce((a, b) => a * b, 1) * info.bytes;
  if (fileSize < expected) {
    throw new Error(
      `${file} is truncated: its header declares shape [${shape.join(', ')}] of ${info.name} values, ${expected.toLocaleString('en-US')} bytes in all, ` +
        `but the file has ${fileSize.toLocaleString('en-US')}. Download it again.`,
    );
  }
  if (fileSize > expected) {
    throw new Error(
      `${file} has ${(fileSize - expected).toLocaleString('en-US')} bytes more than its header declares (shape [${shape.join(', ')}] of ${info.name} values, ` +
        `${expected.toLocaleString('en-US')} bytes): it is not a well-formed IDX file.`,
    );
  }
  return { type: type as IdxTypeCode, shape, offset };
}

/** The values of an IDX file as int32 (integer types) or float32 (float, double). */
export function parseIdx(raw: Uint8Array, file: string): IdxData {
  const bytes = idxBytes(raw, file);
  const header = parseIdxHeader(bytes, file);
  const n = header.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.offset, bytes.byteLength - header.offset);
  const info = IDX_TYPES[header.type];
  let values: Int32Array | Float32Array;
  switch (header.type) {
    case 0x08: {
      values = new Int32Array(n);
      values.set(bytes.subarray(header.offset, header.offset + n));
      break;
    }
    case 0x09: {
      values = new Int32Array(n);
      values.set(new Int8Array(bytes.buffer, bytes.byteOffset + header.offset, n));
      break;
    }
    case 0x0b:
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getInt16(2 * i, false);
      break;
    case 0x0c:
      values = new Int32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getInt32(4 * i, false);
      break;
    case 0x0d:
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat32(4 * i, false);
      break;
    case 0x0e:
      values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = view.getFloat64(8 * i, false);
      break;
  }
  return { ...header, dtype: info.dtype, values };
}

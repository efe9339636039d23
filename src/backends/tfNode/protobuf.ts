/**
 * A minimal protocol buffers writer (proto3 wire format): just what TensorFlow's `Event` and
 * `Summary` messages need. Fields are written in the order they are called, which every protobuf
 * reader accepts.
 */

/** Protobuf wire types. */
const WIRE = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;
type WireType = (typeof WIRE)[keyof typeof WIRE];

/** Builds one message's bytes field by field; `finish()` returns them. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private data = new DataView(this.buf.buffer);
  private len = 0;

  /** An `int64`/`uint64` field (two's complement for negative values, as protobuf's int64). */
  int64(field: number, value: number | bigint): this {
    this.tag(field, WIRE.varint);
    this.varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  /** A `double` field (fixed64, little-endian). */
  double(field: number, value: number): this {
    this.tag(field, WIRE.fixed64);
    this.reserve(8);
    this.data.setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  /** A `float` field (fixed32, little-endian): the value is rounded to float32. */
  float(field: number, value: number): this {
    this.tag(field, WIRE.fixed32);
    this.reserve(4);
    this.data.setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  /** A `string` field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A `bytes` field, or an embedded message's bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE.lengthDelimited);
    this.varint(BigInt(value.length));
    this.append(value);
    return this;
  }

  /** An embedded message field. */
  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  /** A `repeated double` field, packed (written only when there are values, as proto3 does). */
  packedDoubles(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const packed = new Uint8Array(values.length * 8);
    const view = new DataView(packed.buffer);
    values.forEach((v, i) => view.setFloat64(i * 8, v, true));
    return this.bytes(field, packed);
  }

  /** The message's bytes so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private tag(field: number, wire: WireType): void {
    this.varint(BigInt((field << 3) | wire));
  }

  private varint(value: bigint): void {
    this.reserve(10);
    let v = value;
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
    this.data = new DataView(grown.buffer);
  }
}

/**
 * TensorFlow event files, the format TensorBoard reads: `Event` protos
 * (tensorflow/core/util/event.proto, framework/summary.proto, histogram.proto) framed as TFRecords.
 * Pure encoding; eventFile.ts writes them to disk.
 */
import { maskedCrc32c } from './crc32c';
import { ProtoWriter } from './protobuf';

/** The `file_version` of the first event of every file, as TensorFlow's EventsWriter writes it. */
export const FILE_VERSION = 'brain.Event:2';

/** Field numbers of the messages written here (checked against TensorBoard's compat/proto copies). */
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, histo: 5, metadata: 9 } as const;
const METADATA = { summaryDescription: 3 } as const;
const HISTO = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 } as const;

/** A `HistogramProto`: `bucket[i]` values fell in the bucket whose right edge is `bucketLimit[i]`. */
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** What one summary event holds besides its value. */
export interface SummaryHeader {
  /** Seconds since the epoch. */
  wallTime: number;
  step: number;
  tag: string;
  description?: string;
}

/** The first event of a file: its wall time and `file_version: "brain.Event:2"`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(EVENT.wallTime, wallTime).string(EVENT.fileVersion, FILE_VERSION).finish();
}

/** An event with one scalar summary value (`simple_value`, a float32). */
export function scalarEvent(header: SummaryHeader, value: number): Uint8Array {
  return summaryEvent(header, (v) => v.float(VALUE.simpleValue, value));
}

/** An event with one histogram summary value (`histo`). */
export function histogramEvent(header: SummaryHeader, histogram: Histogram): Uint8Array {
  const histo = new ProtoWriter()
    .double(HISTO.min, histogram.min)
    .double(HISTO.max, histogram.max)
    .double(HISTO.num, histogram.num)
    .double(HISTO.sum, histogram.sum)
    .double(HISTO.sumSquares, histogram.sumSquares)
    .packedDoubles(HISTO.bucketLimit, histogram.bucketLimit)
    .packedDoubles(HISTO.bucket, histogram.bucket);
  return summaryEvent(header, (v) => v.message(VALUE.histo, histo));
}

function summaryEvent(header: SummaryHeader, writeValue: (value: ProtoWriter) => void): Uint8Array {
  const value = new ProtoWriter().string(VALUE.tag, header.tag);
  writeValue(value);
  if (header.description) value.message(VALUE.metadata, new ProtoWriter().string(METADATA.summaryDescription, header.description));
  const summary = new ProtoWriter().message(SUMMARY.value, value);
  return new ProtoWriter().double(EVENT.wallTime, header.wallTime).int64(EVENT.step, header.step).message(EVENT.summary, summary).finish();
}

/**
 * One TFRecord: uint64 LE length, uint32 LE masked CRC-32C of those 8 bytes, the data, uint32 LE
 * masked CRC-32C of the data.
 */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/**
 * Buckets `values` as tfjs-node's `writeHistogramSummary` does: `bucketCount` buckets of equal
 * width from the smallest value to the largest (the last one closed), one bucket [v - 0.5, v + 0.5]
 * when every value is v, none when there are no values. NaN and ±Infinity are left out (they have
 * no bucket). `min` and `max` are the outer edges, which TensorBoard draws the histogram between.
 */
export function histogramOf(values: ArrayLike<number>, bucketCount = 30): Histogram {
  if (!Number.isInteger(bucketCount) || bucketCount <= 0) {
    throw new Error(`Expected bucket count to be a strictly positive integer, but it was ${bucketCount}.`);
  }
  const finite = Array.from(values).filter(Number.isFinite);
  const stats = moments(finite);
  if (finite.length === 0) return { min: 0, max: 0, ...stats, bucketLimit: [], bucket: [] };
  const lo = finite.reduce((a, b) => Math.min(a, b));
  const hi = finite.reduce((a, b) => Math.max(a, b));
  if (lo === hi) return { min: lo - 0.5, max: hi + 0.5, ...stats, bucketLimit: [hi + 0.5], bucket: [finite.length] };
  const width = (hi - lo) / bucketCount;
  const bucket = new Array<number>(bucketCount).fill(0);
  for (const v of finite) bucket[Math.min(Math.floor((v - lo) / width), bucketCount - 1)]++;
  const bucketLimit = bucket.map((_, i) => (i === bucketCount - 1 ? hi : lo + (i + 1) * width));
  return { min: lo, max: hi, ...stats, bucketLimit, bucket };
}

function moments(values: number[]): { num: number; sum: number; sumSquares: number } {
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    sum += v;
    sumSquares += v * v;
  }
  return { num: values.length, sum, sumSquares };
}

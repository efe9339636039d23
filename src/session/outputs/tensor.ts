/**
 * A tensor to its payload: dtype, shape, bytes, statistics, a numpy-like elided table, a grid of
 * PNG images for image-like shapes and a histogram. One read of the data (no tensor is created,
 * so nothing can leak), one pass for the statistics and one for the histogram; the payload stays
 * under {@link PAYLOAD_BUDGET} bytes whatever the tensor's size.
 */
import { PNG } from 'pngjs';
import type { JsonNumber, TensorHistogram, TensorImages, TensorPayload, TensorStats, TensorTable } from '../../protocol';
import { formatBytes, formatNumber } from './format';

/** The most a tensor payload may take, as JSON. */
export const PAYLOAD_BUDGET = 256 * 1024;
/** What the images may take of it (base64). */
const IMAGE_BUDGET = 160 * 1024;
const MAX_IMAGES = 16;
const HISTOGRAM_BINS = 40;
/** Tables show at most this many rows and columns, keeping the first and last halves (like numpy's edge items). */
const MAX_ROWS = 20;
const MAX_COLS = 12;

export interface TensorLike {
  dtype: string;
  shape: number[];
  size: number;
  dataId: object;
  isDisposed: boolean;
  dataSync(): ArrayLike<number> | ArrayLike<string> | Uint8Array[];
  toString(verbose?: boolean): string;
}

export function isTensor(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TensorLike).dtype === 'string' &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as { dataId?: unknown }).dataId === 'object' &&
    typeof (value as TensorLike).dataSync === 'function'
  );
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

export function jsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/**
 * Statistics of the finite values, and counts of zeros, NaN and ±Infinity, in one pass. The sums
 * are taken around the first finite value (a shifted variance), which keeps them exact enough
 * where a plain sum of squares would cancel.
 */
export function computeStats(values: ArrayLike<number>): TensorStats {
  const n = values.length;
  let k = NaN;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) {
      k = v;
      break;
    }
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) {
      // finite: NaN - NaN and Infinity - Infinity are NaN
      if (v < min) min = v;
      if (v > max) max = v;
      const d = v - k;
      sum += d;
      sq += d * d;
      if (v === 0) zeros++;
      finite++;
    } else if (v !== v) nan++;
    else inf++;
  }
  if (finite === 0) return { min: null, max: null, mean: null, std: null, zeros, nan, inf };
  const meanShift = sum / finite;
  return { min, max, mean: k + meanShift, std: Math.sqrt(Math.max(0, sq / finite - meanShift * meanShift)), zeros, nan, inf };
}

export function computeHistogram(values: ArrayLike<number>, min: number, max: number, bins = HISTOGRAM_BINS): TensorHistogram {
  if (min === max) return { edges: [min, max], counts: [countFinite(values)] };
  const counts = new Float64Array(bins);
  const scale = bins / (max - min);
  const last = bins - 1;
  for (let i = 0, n = values.length; i < n; i++) {
    const v = values[i]!;
    if (!(v >= min && v <= max)) continue; // NaN and ±Infinity fail this
    const b = ((v - min) * scale) | 0;
    counts[b > last ? last : b]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => min + ((max - min) * i) / bins);
  return { edges, counts: Array.from(counts) };
}

function countFinite(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  return n;
}

/** Indices to show of a dimension of length n, with null where the middle is elided. */
function edgeIndices(n: number, max: number): (number | null)[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const head = Math.ceil(max / 2);
  const tail = Math.floor(max / 2);
  return [...Array.from({ length: head }, (_, i) => i), null, ...Array.from({ length: tail }, (_, i) => n - tail + i)];
}

function cell(v: number | string | undefined): JsonNumber | string | null {
  if (v === undefined) return null;
  return typeof v === 'number' ? jsonNumber(v) : v;
}

/**
 * The table: the tensor itself up to 2-D, else its first 2-D slice (the last two dimensions at
 * index 0 of the others), elided in the middle.
 */
export function buildTable(values: ArrayLike<number | string>, shape: number[]): TensorTable {
  const rank = shape.length;
  const rows = rank === 0 ? 1 : rank === 1 ? 1 : shape[rank - 2]!;
  const cols = rank === 0 ? 1 : shape[rank - 1]!;
  const rowIndex = rank <= 1 ? [rank === 0 ? null : 0] : edgeIndices(rows, MAX_ROWS);
  const colIndex = rank === 0 ? [null] : edgeIndices(cols, MAX_COLS);
  const valuesOut = rowIndex.map((r) =>
    colIndex.map((c) => {
      if (rank === 0) return cell(values[0]);
      if (c === null || (rank >= 2 && r === null)) return null;
      const offset = rank === 1 ? c : (r as number) * cols + c;
      return cell(values[offset]);
    }),
  );
  const table: TensorTable = {
    rowIndex: rank === 0 ? [0] : rowIndex.map((r) => (rank === 1 ? 0 : r)),
    colIndex: rank === 0 ? [0] : colIndex,
    values: valuesOut,
  };
  if (rank > 2) table.label = `[${[...shape.slice(0, rank - 2).map(() => '0'), ':', ':'].join(', ')}]`;
  return table;
}

/** How a tensor's shape reads as images: count, height, width, channels; undefined when it does not. */
export function imageLayout(shape: number[]): { count: number; height: number; width: number; channels: 1 | 3 | 4 } | undefined {
  const isChannels = (c: number): c is 1 | 3 | 4 => c === 1 || c === 3 || c === 4;
  const bigEnough = (h: number, w: number) => h >= 8 && w >= 8;
  if (shape.length === 2 && bigEnough(shape[0]!, shape[1]!)) return { count: 1, height: shape[0]!, width: shape[1]!, channels: 1 };
  if (shape.length === 3) {
    const [a, b, c] = shape as [number, number, number];
    if (isChannels(c) && bigEnough(a, b)) return { count: 1, height: a, width: b, channels: c };
    // [N, H, W]: a batch of grayscale images (MNIST without its channel axis).
    if (bigEnough(b, c)) return { count: a, height: b, width: c, channels: 1 };
  }
  if (shape.length === 4) {
    const [n, h, w, c] = shape as [number, number, number, number];
    if (isChannels(c) && bigEnough(h, w)) return { count: n, height: h, width: w, channels: c };
  }
  return undefined;
}

/** Encodes the first images (up to 16) as PNG, downscaled until they fit the image budget. */
export function buildImages(values: ArrayLike<number>, shape: number[], dtype: string): TensorImages | undefined {
  const layout = imageLayout(shape);
  if (!layout || layout.count === 0 || dtype === 'string' || dtype === 'complex64') return undefined;
  const { count, height, width, channels } = layout;
  const shown = Math.min(MAX_IMAGES, count);
  const perImage = height * width * channels;
  // Scale over the images shown: [0, 1] floats × 255, 0..255 as is, anything else min-max.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < shown * perImage; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === Infinity) {
    lo = 0;
    hi = 1;
  }
  let toByte: (v: number) => number;
  let scaling: string;
  if (lo >= 0 && hi <= 1 && dtype !== 'int32') {
    toByte = (v) => v * 255;
    scaling = '[0, 1] × 255';
  } else if (lo >= 0 && hi <= 255 && (dtype === 'int32' || hi > 1)) {
    toByte = (v) => v;
    scaling = '0–255 as is';
  } else {
    const span = hi - lo || 1;
    toByte = (v) => ((v - lo) / span) * 255;
    scaling = `min-max scaled from [${formatNumber(lo)}, ${formatNumber(hi)}]`;
  }
  for (const maxSide of [128, 64, 32, 16]) {
    const f = Math.min(1, maxSide / Math.max(height, width));
    const w = Math.max(1, Math.round(width * f));
    const h = Math.max(1, Math.round(height * f));
    const png: string[] = [];
    let total = 0;
    for (let n = 0; n < shown; n++) {
      const encoded = encodeImage(values, n * perImage, height, width, channels, w, h, toByte);
      total += encoded.length;
      if (total > IMAGE_BUDGET) break;
      png.push(encoded);
    }
    if (png.length === shown || maxSide === 16) {
      return { count, shown: png.length, width: w, height: h, sourceWidth: width, sourceHeight: height, channels, scaling, png };
    }
  }
  return undefined;
}

function encodeImage(
  values: ArrayLike<number>,
  offset: number,
  height: number,
  width: number,
  channels: number,
  w: number,
  h: number,
  toByte: (v: number) => number,
): string {
  const png = new PNG({ width: w, height: h });
  const px = (v: number) => (Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(toByte(v)))) : 0);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.floor((y * height) / h));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(width - 1, Math.floor((x * width) / w));
      const src = offset + (sy * width + sx) * channels;
      const dst = (y * w + x) * 4;
      if (channels === 1) {
        const g = px(values[src]!);
        png.data[dst] = png.data[dst + 1] = png.data[dst + 2] = g;
        png.data[dst + 3] = 255;
      } else {
        png.data[dst] = px(values[src]!);
        png.data[dst + 1] = px(values[src + 1]!);
        png.data[dst + 2] = px(values[src + 2]!);
        png.data[dst + 3] = channels === 4 ? px(values[src + 3]!) : 255;
      }
    }
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  return PNG.sync.write(png, { colorType }).toString('base64');
}

export interface TensorOutput {
  payload: TensorPayload;
  text: string;
}

/** Builds the payload and the text/plain form of a tensor. */
export function buildTensorOutput(t: TensorLike, backend: string, name?: string): TensorOutput {
  const shape = [...t.shape];
  const head = `Tensor ${t.dtype} [${shape.join(', ')}]`;
  if (t.isDisposed) {
    const payload: TensorPayload = { version: 1, dtype: t.dtype, shape, size: t.size, bytes: 0, backend, stats: null, notes: ['This tensor has been disposed: its values are gone.'] };
    if (name) payload.name = name;
    return { payload, text: `${head} (disposed)` };
  }
  const raw = t.dataSync();
  const notes: string[] = [];
  let bytes: number;
  let stats: TensorStats | null = null;
  let histogram: TensorHistogram | undefined;
  let images: TensorImages | undefined;
  let tableValues: ArrayLike<number | string>;
  if (t.dtype === 'string') {
    const strings = Array.from(raw as ArrayLike<string | Uint8Array>, (v) => (typeof v === 'string' ? v : Buffer.from(v).toString('utf8')));
    bytes = strings.reduce((n, s) => n + Buffer.byteLength(s), 0);
    tableValues = strings.map((s) => (s.length > 200 ? `${s.slice(0, 200)}…` : s));
  } else {
    const values = raw as ArrayLike<number>;
    bytes = t.size * (BYTES_PER_ELEMENT[t.dtype] ?? 4);
    if (t.dtype === 'complex64') {
      notes.push('complex64: statistics and the table show the interleaved real and imaginary parts.');
    }
    stats = computeStats(values);
    if (stats.min !== null && stats.max !== null && t.size > 1) histogram = computeHistogram(values, stats.min, stats.max);
    images = buildImages(values, shape, t.dtype);
    if (images && images.shown < Math.min(MAX_IMAGES, images.count)) notes.push(`Only ${images.shown} images fit the output's size limit.`);
    if (images && (images.width !== images.sourceWidth || images.height !== images.sourceHeight)) {
      notes.push(`Images are shown downscaled to ${images.width}×${images.height}.`);
    }
    tableValues = values;
  }
  const table = images && shape.length > 2 ? undefined : buildTable(tableValues, shape);
  const payload: TensorPayload = { version: 1, dtype: t.dtype, shape, size: t.size, bytes, backend, stats };
  if (name) payload.name = name;
  if (histogram) payload.histogram = histogram;
  if (table) payload.table = table;
  if (images) payload.images = images;
  if (notes.length) payload.notes = notes;
  fitBudget(payload);
  return { payload, text: tensorText(t, head, bytes, backend, stats) };
}

/** Drops the heaviest parts until the payload is under the budget (only long strings can get here). */
function fitBudget(payload: TensorPayload): void {
  const size = () => Buffer.byteLength(JSON.stringify(payload));
  if (size() <= PAYLOAD_BUDGET) return;
  if (payload.table) {
    payload.table.values = payload.table.values.map((row) => row.map((v) => (typeof v === 'string' && v.length > 20 ? `${v.slice(0, 20)}…` : v)));
    (payload.notes ??= []).push('Long strings are cut to 20 characters.');
  }
  if (size() > PAYLOAD_BUDGET && payload.images) {
    delete payload.images;
    (payload.notes ??= []).push('The images did not fit the output size limit.');
  }
}

/** The text form: tfjs's own printout for small tensors; a header and statistics for large ones. */
function tensorText(t: TensorLike, head: string, bytes: number, backend: string, stats: TensorStats | null): string {
  const header = `${head} · ${formatBytes(bytes)} · ${backend}`;
  const statsLine = stats
    ? `min ${formatNumber(stats.min)} · max ${formatNumber(stats.max)} · mean ${formatNumber(stats.mean)} · std ${formatNumber(stats.std)}` +
      (stats.nan ? ` · NaN ${stats.nan}` : '') +
      (stats.inf ? ` · Inf ${stats.inf}` : '')
    : '';
  // tfjs formats every value to size its columns: fine for small tensors, seconds for millions.
  let body = '';
  if (t.size <= 10_000) {
    try {
      body = t.toString().replace(/^Tensor\n/, '');
    } catch {
      // GPU tensors cannot always be read synchronously.
    }
  }
  if (t.size <= 1 && body) return `${header}\n${body}`;
  return [header, statsLine, body].filter(Boolean).join('\n');
}

/** How a tensor prints inside other values (`console.log(t)`, `[a, b]`): tfjs's own text when small, a header otherwise. */
export function tensorInspectText(t: TensorLike): string {
  const head = `Tensor ${t.dtype} [${t.shape.join(', ')}]`;
  if (t.isDisposed) return `${head} (disposed)`;
  if (t.size <= 100) {
    try {
      const body = t.toString().replace(/^Tensor\n/, '');
      return body.includes('\n') ? `${head}\n${body}` : `${head} ${body.trim()}`;
    } catch {
      return head;
    }
  }
  return `${head} · ${formatBytes(t.size * (BYTES_PER_ELEMENT[t.dtype] ?? 4))}`;
}

/** Numbers and shapes as people read them (Keras-style where Keras prints the same thing). */
import type { JsonNumber } from '../../protocol/outputs';

/** `122570` → `122,570`. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Bytes the way Keras 3's `summary()` prints them: 1 KB = 1024 B, two decimals
 * (`490280` → `478.79 KB`, `0` → `0.00 B`).
 */
export function kerasBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  for (const unit of units) {
    if (size / 1024 < 1) return `${size.toFixed(2)} ${unit}`;
    size /= 1024;
  }
  return `${size.toFixed(2)} PB`;
}

/** A JSON-carried number back to a number (`'NaN'` → NaN, `'-Infinity'` → -Infinity). */
export function toNumber(v: JsonNumber | string | null | undefined): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

/** For plotting: non-finite values become gaps (null). */
export function plotValue(v: JsonNumber | null | undefined): number | null {
  const n = toNumber(v);
  return Number.isFinite(n) ? n : null;
}

/** A value in a table cell: integers as they are, others with 5 significant digits. */
export function formatValue(v: JsonNumber | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** Same as {@link formatValue}, with thousands separators for large integers (counts). */
export function formatCount(v: number): string {
  return Number.isInteger(v) ? thousands(v) : formatValue(v);
}

/** `[100, 50]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A Keras output shape as Python prints the tuple: `(None, 30, 30, 32)`, `(None,)`. */
export function kerasShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

/** Seconds as `45s`, `3m 05s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

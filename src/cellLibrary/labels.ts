/**
 * Class labels as cells pass them (arrays or tensors of class ids, or one-hot / probability rows)
 * to plain class ids. Shared by `metrics` and `oneHot`.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends/tfjs';

export interface ClassIds {
  ids: Int32Array;
  /** The row width, when the input was rows (one-hot or probabilities) reduced by argmax. */
  width?: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function argmaxRows(flat: ArrayLike<number>, rows: number, width: number): Int32Array {
  const ids = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = flat[r * width]!;
    for (let c = 1; c < width; c++) {
      const v = flat[r * width + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    ids[r] = best;
  }
  return ids;
}

function toIds(values: ArrayLike<unknown>, what: string, columnOfOne = false): Int32Array {
  const ids = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      const shown = typeof v === 'number' ? String(v) : describe(v);
      const hint = columnOfOne && typeof v === 'number' && v >= 0 && v <= 1
        ? ' A column of values in [0, 1] looks like sigmoid probabilities: turn them into class ids first, e.g. tf.greater(p, 0.5).cast(\'int32\').'
        : ' Pass class ids (0, 1, 2, …), or one-hot / probability rows (reduced by argmax).';
      throw new RangeError(`${what}: value ${i} is ${shown}, not a class id (a whole number ≥ 0).${hint}`);
    }
    ids[i] = v;
  }
  return ids;
}

/**
 * Class ids from: an array or typed array of ids; an array of rows (one-hot or probabilities,
 * reduced by argmax); a tensor of ids `[N]` or `[N, 1]`, or of rows `[N, C]`. Reads tensors
 * synchronously (`dataSync`).
 */
export function classIds(tf: Tfjs, value: unknown, what: string): ClassIds {
  if (value instanceof tf.Tensor) {
    const t = value as TF.Tensor;
    if (t.isDisposed) throw new Error(`${what}: the tensor has been disposed.`);
    if (t.dtype === 'string' || t.dtype === 'complex64') throw new TypeError(`${what}: expected a numeric tensor, got dtype ${t.dtype}.`);
    const flat = t.dataSync() as ArrayLike<number>;
    if (t.rank === 1) return { ids: toIds(flat, what) };
    if (t.rank === 2 && t.shape[1] === 1) return { ids: toIds(flat, what, true) };
    if (t.rank === 2) return { ids: argmaxRows(flat, t.shape[0]!, t.shape[1]!), width: t.shape[1] };
    throw new RangeError(`${what}: expected a tensor of class ids [N] or of rows [N, classes], got shape [${t.shape.join(', ')}].`);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { ids: toIds(value as unknown as ArrayLike<number>, what) };
  if (Array.isArray(value)) {
    if (value.length > 0 && (Array.isArray(value[0]) || ArrayBuffer.isView(value[0]))) {
      const width = (value[0] as ArrayLike<number>).length;
      const flat = new Float64Array(value.length * width);
      value.forEach((row, r) => {
        if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || (row as ArrayLike<number>).length !== width) {
          throw new RangeError(`${what}: row ${r} is ${Array.isArray(row) || ArrayBuffer.isView(row) ? `${(row as ArrayLike<number>).length} values long` : describe(row)}, but row 0 has ${width} values; every row must have one value per class.`);
        }
        for (let c = 0; c < width; c++) {
          const v = (row as ArrayLike<unknown>)[c];
          if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${what}: row ${r}, column ${c} is ${typeof v === 'number' ? 'NaN' : describe(v)}, not a number.`);
          flat[r * width + c] = v;
        }
      });
      if (width === 1) return { ids: toIds(flat, what, true) };
      if (width === 0) throw new RangeError(`${what}: the rows are empty; pass one value per class in each row.`);
      return { ids: argmaxRows(flat, value.length, width), width };
    }
    return { ids: toIds(value, what) };
  }
  throw new TypeError(`${what}: expected class ids (an array or a tensor) or one-hot / probability rows, got ${describe(value)}.`);
}

/** The number of classes: given (checked against the ids), else the row width or the largest id + 1. */
export function classCount(given: unknown, what: string, ...inputs: ClassIds[]): number {
  let max = -1;
  for (const { ids } of inputs) for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
  const widths = inputs.map((i) => i.width).filter((w): w is number => w !== undefined);
  if (given !== undefined) {
    if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) {
      throw new RangeError(`${what}: numClasses must be a whole number ≥ 1, got ${typeof given === 'number' ? given : describe(given)}.`);
    }
    if (max >= given) throw new RangeError(`${what}: class id ${max} is out of range for numClasses ${given} (ids go from 0 to ${given - 1}).`);
    for (const w of widths) if (w !== given) throw new RangeError(`${what}: rows have ${w} columns but numClasses is ${given}.`);
    return given;
  }
  if (widths.length > 1 && widths.some((w) => w !== widths[0])) throw new RangeError(`${what}: the rows have different widths (${widths.join(' and ')}); they must have one column per class.`);
  if (widths.length > 0 && max >= widths[0]!) throw new RangeError(`${what}: class id ${max} is out of range for rows of ${widths[0]} classes (ids go from 0 to ${widths[0]! - 1}).`);
  return Math.max(max + 1, widths[0] ?? 0, 1);
}

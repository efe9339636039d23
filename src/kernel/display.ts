/**
 * Values to output payloads. For now every value becomes `text/plain`; rich forms (tensors,
 * models, training curves) come with the renderers.
 */
import { inspect } from 'node:util';
import type { OutputItemPayload } from '../protocol';
import { MIME } from '../protocol';

interface TensorLike {
  dtype: string;
  shape: number[];
  isDisposed: boolean;
  toString(verbose?: boolean): string;
}

function isTensor(value: unknown): value is TensorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TensorLike).dtype === 'string' &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as { dataId?: unknown }).dataId === 'object'
  );
}

/** The text a person sees for a value (a tensor's own formatting, otherwise Node's inspect). */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isTensor(value)) {
    if (value.isDisposed) return `Tensor (disposed) dtype=${value.dtype} shape=[${value.shape.join(', ')}]`;
    try {
      return value.toString(true);
    } catch {
      // GPU tensors cannot always be read synchronously.
      return `Tensor ${value.dtype} [${value.shape.join(', ')}]`;
    }
  }
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

/** The output items for a value. */
export function toOutput(value: unknown): OutputItemPayload[] {
  return [{ mime: MIME.text, data: toText(value) }];
}

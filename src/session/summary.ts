/**
 * `model.summary()` in a cell draws the summary table (the model-summary output) instead of
 * printing text lines; with a `printFn` of its own, or outside a cell, it behaves as tfjs does.
 */
import type { Tfjs } from '../backends/tfjs';

const HOOKED = Symbol.for('bmnb.summaryHooked');

export function hookSummary(tf: Tfjs, show: (model: unknown) => boolean): void {
  for (const proto of [tf.LayersModel.prototype, tf.Sequential.prototype] as unknown as Record<string, unknown>[]) {
    if (!Object.prototype.hasOwnProperty.call(proto, 'summary')) continue;
    const original = proto.summary as ((...args: unknown[]) => void) & { [HOOKED]?: boolean };
    if (original[HOOKED]) continue;
    const wrapped = function (this: unknown, ...args: unknown[]): void {
      if (args[2] === undefined && show(this)) return;
      original.apply(this, args);
    };
    (wrapped as typeof original)[HOOKED] = true;
    proto.summary = wrapped;
  }
}

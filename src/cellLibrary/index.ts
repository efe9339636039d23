/**
 * The `bmnb` module cells import: `import { datasets, display, metrics, augment, oneHot,
 * toCategorical } from 'bmnb'` (declared in api.ts). Made once per session from the session's one
 * tfjs instance and its `display` (nothing here loads tfjs by itself).
 */
import type { Tfjs } from '../backends/tfjs';
import type { BmnbModule, Display } from './api';
import { makeAugment } from './augment';
import { makeDatasets } from './datasets';
import { makeMetrics } from './metrics';
import { makeOneHot } from './oneHot';

export type { BmnbModule, Display } from './api';

export interface BmnbContext {
  tf: Tfjs;
  /** The session's `display`: one more output of the running cell. */
  display: Display;
  /** The notebook's folder: relative paths given to the module are relative to it. */
  notebookDir: string;
  /** Aborted when the running cell is interrupted (undefined between cells). */
  signal(): AbortSignal | undefined;
  /** Writes to the running cell's stdout (progress lines). */
  write(text: string): void;
}

export function makeBmnbModule(ctx: BmnbContext): BmnbModule {
  const { tf } = ctx;
  const datasets = makeDatasets({ tf, notebookDir: ctx.notebookDir, signal: ctx.signal, write: ctx.write });
  const { oneHot, toCategorical } = makeOneHot(tf);
  return Object.freeze({
    datasets: Object.freeze(datasets),
    display: ctx.display,
    metrics: Object.freeze(makeMetrics(tf)),
    augment: Object.freeze(makeAugment(tf)),
    oneHot,
    toCategorical,
  });
}

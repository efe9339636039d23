/**
 * Hooks into every `model.fit` / `model.fitDataset` of the session's tfjs, without code from the
 * user: an interrupt stops training after the current batch (the model keeps the weights it has
 * learned) and then ends the cell with an {@link InterruptError}.
 */
import type { Tfjs } from './backends';

/** Thrown into a cell that was interrupted. */
export class InterruptError extends Error {
  constructor(message = 'The cell was interrupted.') {
    super(message);
    this.name = 'InterruptError';
  }
}

export interface TrainingControl {
  /** Whether the running cell has been asked to stop. */
  interrupted(): boolean;
  /** Called when a fit starts (+1) and ends (-1). */
  training(delta: 1 | -1): void;
}

type Callbacks = unknown;
interface Model {
  stopTraining: boolean;
}

function isCallbackInstance(cb: unknown): boolean {
  return typeof cb === 'object' && cb !== null && typeof (cb as { setModel?: unknown }).setModel === 'function';
}

/** Adds `extra` to the callbacks a user passed (instances, config objects, one or a list). */
function withCallback(tf: Tfjs, callbacks: Callbacks, extra: unknown, yieldEvery: unknown): unknown[] {
  const list = callbacks == null ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
  const instances = list.map((cb) =>
    isCallbackInstance(cb) ? cb : new tf.CustomCallback(cb as ConstructorParameters<typeof tf.CustomCallback>[0], yieldEvery as never),
  );
  return [...instances, extra];
}

const HOOKED = Symbol.for('bmnb.trainingHooked');

/** Wraps fit and fitDataset of tf.LayersModel and tf.Sequential. Idempotent. */
export function hookTraining(tf: Tfjs, control: TrainingControl): void {
  const targets = [
    { proto: tf.LayersModel.prototype as unknown as Record<string, unknown>, method: 'fit', argIndex: 2 },
    { proto: tf.LayersModel.prototype as unknown as Record<string, unknown>, method: 'fitDataset', argIndex: 1 },
    { proto: tf.Sequential.prototype as unknown as Record<string, unknown>, method: 'fit', argIndex: 2 },
    { proto: tf.Sequential.prototype as unknown as Record<string, unknown>, method: 'fitDataset', argIndex: 1 },
  ];
  for (const { proto, method, argIndex } of targets) {
    if (!Object.prototype.hasOwnProperty.call(proto, method)) continue;
    const original = proto[method] as ((...args: unknown[]) => Promise<unknown>) & { [HOOKED]?: boolean };
    if (original[HOOKED]) continue;
    const wrapped = async function (this: Model, ...args: unknown[]): Promise<unknown> {
      const config = { ...((args[argIndex] as Record<string, unknown> | undefined) ?? {}) };
      let batches = 0;
      let epochs = 0;
      const stopper = new tf.CustomCallback({
        onBatchEnd: async () => {
          batches++;
          if (control.interrupted()) this.stopTraining = true;
        },
        onEpochEnd: async () => {
          epochs++;
          if (control.interrupted()) this.stopTraining = true;
        },
      });
      config.callbacks = withCallback(tf, config.callbacks, stopper, config.yieldEvery);
      args[argIndex] = config;
      control.training(1);
      try {
        const history = await original.apply(this, args);
        if (control.interrupted()) {
          throw new InterruptError(
            `Training was interrupted after ${epochs} complete epoch(s) and ${batches} batch(es); the model keeps the weights it had learned.`,
          );
        }
        return history;
      } finally {
        control.training(-1);
      }
    };
    (wrapped as typeof original)[HOOKED] = true;
    proto[method] = wrapped;
  }
}

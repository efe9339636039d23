/**
 * Hooks into every `model.fit` / `model.fitDataset` of the session's tfjs, without code from the
 * user: the cell gets one live output of training curves that updates in place (at most
 * {@link UPDATES_PER_SECOND} times a second), and an interrupt stops training after the current
 * batch (the model keeps the weights it has learned) and then ends the cell with an
 * {@link InterruptError}. `verbose: 0` in the fit config turns the live output off, as in Keras.
 */
import type { OutputItemPayload } from '../protocol';
import { MIME } from '../protocol';
import type { Tfjs } from '../backends/tfjs';
import { TrainingRecord, trainingText } from './outputs/training';

export const UPDATES_PER_SECOND = 10;
/**
 * How often a fit gives the event loop a turn (at the end of a batch), so hover and variables
 * requests are answered mid-training. tfjs's own default (`yieldEvery: 'auto'`) is every 125 ms,
 * sized for browsers, where a yield waits for an animation frame; in Node a yield is one
 * `setImmediate` (microseconds), so the kernel yields more often. A batch longer than this
 * yields after every batch; nothing can answer during a batch.
 */
export const YIELD_EVERY_MS = 25;

/** One turn of the event loop: pending I/O (requests) is read and answered. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Thrown into a cell that was interrupted. */
export class InterruptError extends Error {
  constructor(message = 'The cell was interrupted.') {
    super(message);
    this.name = 'InterruptError';
  }
}

export interface TrainingControl {
  /** A live output of the running cell (undefined when none is running). */
  live(): ((items: OutputItemPayload[]) => void) | undefined;
  /** Whether the running cell has been asked to stop. */
  interrupted(): boolean;
  /** Called when a fit starts (+1) and ends (-1). */
  training(delta: 1 | -1): void;
  /** A fit whose curves were shown live returned this History. */
  shown?(history: unknown): void;
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
/** Marks the callback this hook adds. */
const OURS = Symbol.for('bmnb.trainingCallback');

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
      // Sequential.fit calls the fit of its inner LayersModel with our callback already added.
      const given = (args[argIndex] as { callbacks?: unknown } | undefined)?.callbacks;
      if (Array.isArray(given) && given.some((cb) => (cb as Record<symbol, unknown> | null)?.[OURS])) return original.apply(this, args);
      const config = { ...((args[argIndex] as Record<string, unknown> | undefined) ?? {}) };
      // Epochs that ran every batch, and the batches of the epoch under way (tfjs calls onEpochEnd
      // for an epoch it leaves half done, too).
      let epochs = 0;
      let batches = 0;
      let stoppedInEpoch = false;
      let steps: number | null = null;
      const show = config.verbose === 0 ? undefined : control.live();
      let record: TrainingRecord | undefined;
      let lastShown = 0;
      let lastYield = performance.now();
      const publish = (force = false) => {
        if (!show || !record) return;
        const now = performance.now();
        if (!force && now - lastShown < 1000 / UPDATES_PER_SECOND) return;
        lastShown = now;
        const payload = record.payload();
        show([
          { mime: MIME.training, data: payload },
          { mime: MIME.text, data: trainingText(payload) },
        ]);
      };
      const callback: InstanceType<typeof tf.CustomCallback> = new tf.CustomCallback({
        onTrainBegin: async () => {
          const params = (callback as unknown as { params?: Record<string, unknown> }).params ?? {};
          const num = (v: unknown) => (typeof v === 'number' ? v : null);
          record = new TrainingRecord({
            method,
            epochs: num(params.epochs) ?? 1,
            initialEpoch: num(params.initialEpoch) ?? 0,
            samples: num(params.samples),
            batchSize: num(params.batchSize),
            steps: num(params.steps) ?? num(config.batchesPerEpoch),
          });
          const samples = num(params.samples);
          const batchSize = num(params.batchSize);
          steps = num(params.steps) ?? num(config.batchesPerEpoch) ?? (samples !== null && batchSize ? Math.ceil(samples / batchSize) : null);
          publish(true);
        },
        onEpochBegin: async (epoch) => {
          batches = 0;
          record?.epochBegin(epoch);
        },
        onBatchEnd: async (batch, logs) => {
          batches++;
          if (control.interrupted()) {
            this.stopTraining = true;
            stoppedInEpoch = true;
          }
          record?.batchEnd(batch, (logs ?? {}) as Record<string, number>);
          publish();
          if (performance.now() - lastYield >= YIELD_EVERY_MS) {
            await nextTurn();
            lastYield = performance.now();
          }
        },
        onEpochEnd: async (epoch, logs) => {
          if (!stoppedInEpoch || (steps !== null && batches >= steps)) {
            epochs++;
            batches = 0;
          }
          if (control.interrupted()) this.stopTraining = true;
          record?.epochEnd(epoch, (logs ?? {}) as Record<string, number>);
          publish();
        },
      }, 'never'); // this callback yields by itself, see YIELD_EVERY_MS
      (callback as unknown as Record<symbol, boolean>)[OURS] = true;
      config.callbacks = withCallback(tf, config.callbacks, callback, config.yieldEvery);
      args[argIndex] = config;
      control.training(1);
      try {
        const history = await original.apply(this, args);
        if (control.interrupted()) {
          if (record) record.status = 'stopped';
          throw new InterruptError(
            `Training was interrupted after ${epochs} complete epoch(s) and ${batches} batch(es) of the next; the model keeps the weights it had learned.`,
          );
        }
        if (record) record.status = 'done';
        if (show) control.shown?.(history);
        return history;
      } catch (err) {
        if (record && record.status === 'running') record.status = err instanceof InterruptError ? 'stopped' : 'error';
        throw err;
      } finally {
        publish(true);
        control.training(-1);
      }
    };
    (wrapped as typeof original)[HOOKED] = true;
    proto[method] = wrapped;
  }
}

/**
 * The record of one training run, as the live curves draw it: per-batch values downsampled to a
 * bounded number of points, per-epoch values (with `val_*`), progress and speed. Pure data: the
 * callback that feeds it lives in ../training.ts; a History turns into the same payload.
 */
import type { JsonNumber, TrainingPayload } from '../../protocol';
import { formatNumber } from './format';
import { jsonNumber } from './tensor';

/** Per-batch points kept at most; beyond it, neighbours are merged two by two. */
export const MAX_BATCH_POINTS = 1000;

export interface TrainingParams {
  method: string;
  epochs: number;
  initialEpoch?: number;
  /** Samples per epoch (fit), when known. */
  samples?: number | null;
  batchSize?: number | null;
  /** Batches per epoch, when known. */
  steps?: number | null;
}

interface Point {
  x: number;
  sums: Record<string, number>;
  count: number;
}

export class TrainingRecord {
  status: TrainingPayload['status'] = 'running';
  private readonly started = performance.now();
  private readonly metricOrder: string[] = [];
  private points: Point[] = [];
  /** How many batches one point stands for, and the point being filled. */
  private stride = 1;
  private filling?: Point;
  private readonly epochX: number[] = [];
  private readonly epochValues: Record<string, JsonNumber[]> = {};
  private epoch = 0;
  private batch = 0;
  private epochsDone = 0;
  private batchesPerEpoch: number | null;
  private samplesSeen = 0;
  private batchesSeen = 0;

  constructor(private readonly params: TrainingParams) {
    this.epoch = params.initialEpoch ?? 0;
    this.batchesPerEpoch =
      params.steps ?? (params.samples && params.batchSize ? Math.ceil(params.samples / params.batchSize) : null);
  }

  private noteMetric(name: string): void {
    const base = name.startsWith('val_') ? name.slice(4) : name;
    if (!this.metricOrder.includes(base)) {
      if (base === 'loss') this.metricOrder.unshift(base);
      else this.metricOrder.push(base);
    }
  }

  epochBegin(epoch: number): void {
    this.epoch = epoch;
    this.batch = 0;
  }

  /** One batch done, with its logs (numbers; `batch` and `size` keys are bookkeeping). */
  batchEnd(batch: number, logs: Record<string, number>): void {
    this.batch = batch + 1;
    this.batchesSeen++;
    this.samplesSeen += typeof logs.size === 'number' ? logs.size : (this.params.batchSize ?? 0);
    const perEpoch = this.batchesPerEpoch;
    const x = this.epoch + (perEpoch ? (batch + 1) / perEpoch : 0);
    const p = (this.filling ??= { x, sums: {}, count: 0 });
    p.x = x;
    p.count++;
    for (const [k, v] of Object.entries(logs)) {
      if (k === 'batch' || k === 'size') continue;
      this.noteMetric(k);
      p.sums[k] = (p.sums[k] ?? 0) + v;
    }
    if (p.count >= this.stride) {
      this.points.push(p);
      this.filling = undefined;
      if (this.points.length > MAX_BATCH_POINTS) this.merge();
    }
  }

  /** Halves the points: each new one averages two neighbours (weighted by their batches). */
  private merge(): void {
    const merged: Point[] = [];
    for (let i = 0; i < this.points.length; i += 2) {
      const a = this.points[i]!;
      const b = this.points[i + 1];
      if (!b) {
        merged.push(a);
        continue;
      }
      const sums: Record<string, number> = { ...a.sums };
      for (const [k, v] of Object.entries(b.sums)) sums[k] = (sums[k] ?? 0) + v;
      merged.push({ x: b.x, sums, count: a.count + b.count });
    }
    this.points = merged;
    this.stride *= 2;
  }

  epochEnd(epoch: number, logs: Record<string, number>): void {
    this.epochsDone++;
    if (this.batchesPerEpoch === null && this.batch > 0) this.batchesPerEpoch = this.batch;
    this.epochX.push(epoch + 1);
    const n = this.epochX.length;
    for (const [k, v] of Object.entries(logs)) {
      if (k === 'batch' || k === 'size') continue;
      this.noteMetric(k);
      const list = (this.epochValues[k] ??= []);
      while (list.length < n - 1) list.push('NaN');
      list.push(jsonNumber(v));
    }
  }

  get elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  payload(): TrainingPayload {
    const elapsed = this.elapsedSeconds;
    const points = this.filling ? [...this.points, this.filling] : this.points;
    const batchValues: Record<string, JsonNumber[]> = {};
    const keys = new Set(points.flatMap((p) => Object.keys(p.sums)));
    for (const k of keys) batchValues[k] = points.map((p) => (k in p.sums ? jsonNumber(p.sums[k]! / p.count) : 'NaN'));
    const samplesPerSecond = elapsed > 0 && this.samplesSeen > 0 ? this.samplesSeen / elapsed : null;
    let etaSeconds: number | null = null;
    if (this.status === 'running' && this.batchesPerEpoch && this.batchesSeen > 0) {
      const total = (this.params.epochs - (this.params.initialEpoch ?? 0)) * this.batchesPerEpoch;
      etaSeconds = Math.max(0, ((total - this.batchesSeen) * elapsed) / this.batchesSeen);
    }
    return {
      version: 1,
      status: this.status,
      method: this.params.method,
      epochs: this.params.epochs,
      epochsDone: this.epochsDone,
      epoch: this.epoch,
      batch: this.batch,
      batchesPerEpoch: this.batchesPerEpoch,
      samplesPerSecond,
      etaSeconds,
      elapsedSeconds: Math.round(elapsed * 10) / 10,
      metrics: [...this.metricOrder],
      batches: { x: points.map((p) => p.x), values: batchValues },
      epochValues: { x: [...this.epochX], values: structuredClone(this.epochValues) },
    };
  }
}

/** A History (what `fit` returns) as a finished training payload: per-epoch values only. */
export function historyPayload(history: { epoch: number[]; history: Record<string, unknown[]>; params?: Record<string, unknown> }): TrainingPayload {
  const epochs = typeof history.params?.epochs === 'number' ? history.params.epochs : history.epoch.length;
  const record = new TrainingRecord({ method: 'fit', epochs });
  history.epoch.forEach((epoch, i) => {
    const logs: Record<string, number> = {};
    for (const [k, list] of Object.entries(history.history)) {
      const v = list[i];
      if (typeof v === 'number') logs[k] = v;
    }
    record.epochEnd(epoch, logs);
  });
  record.status = 'done';
  const payload = record.payload();
  payload.elapsedSeconds = 0;
  payload.samplesPerSecond = null;
  payload.epoch = Math.max(0, history.epoch.length - 1);
  return payload;
}

export function isHistory(value: unknown): value is { epoch: number[]; history: Record<string, unknown[]>; params?: Record<string, unknown> } {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as { epoch?: unknown; history?: unknown };
  return Array.isArray(h.epoch) && typeof h.history === 'object' && h.history !== null && typeof (value as { syncData?: unknown }).syncData === 'function';
}

function duration(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function metricsLine(values: Record<string, JsonNumber[]>, i: number, order: string[]): string {
  const parts: string[] = [];
  for (const base of order) {
    for (const k of [base, `val_${base}`]) {
      const v = values[k]?.[i];
      if (v !== undefined) parts.push(`${k} ${typeof v === 'number' ? formatNumber(v) : v}`);
    }
  }
  return parts.join(' · ');
}

/** The progress line: `Epoch 3/10 · batch 40/469 · loss 0.1234 · 5,120 samples/s · ETA 12 s`. */
export function progressLine(p: TrainingPayload): string {
  const parts = [`Epoch ${Math.min(p.epoch + 1, p.epochs)}/${p.epochs}`];
  if (p.status === 'running') parts.push(`batch ${p.batch}${p.batchesPerEpoch ? `/${p.batchesPerEpoch}` : ''}`);
  const last = p.batches.x.length - 1;
  if (p.status === 'running' && last >= 0) {
    const line = metricsLine(p.batches.values, last, p.metrics);
    if (line) parts.push(line);
  }
  if (p.samplesPerSecond) parts.push(`${Math.round(p.samplesPerSecond).toLocaleString('en-US')} samples/s`);
  if (p.status === 'running' && p.etaSeconds !== null) parts.push(`ETA ${duration(p.etaSeconds)}`);
  if (p.status !== 'running') parts.push(p.status === 'done' ? `done${p.elapsedSeconds ? ` in ${duration(p.elapsedSeconds)}` : ''}` : p.status);
  return parts.join(' · ');
}

/** text/plain: one line per finished epoch, then the progress line. */
export function trainingText(p: TrainingPayload): string {
  const lines = p.epochValues.x.map((x, i) => `Epoch ${x}/${p.epochs} · ${metricsLine(p.epochValues.values, i, p.metrics)}`);
  lines.push(progressLine(p));
  return lines.join('\n');
}

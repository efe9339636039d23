/**
 * A tf.LayersModel to its summary payload and its Keras-style text: one row per layer (name,
 * class, output shape, params, trainable, inbound layers) and totals counted the way Keras counts
 * them (each weight once, trainable and non-trainable apart, bytes by dtype).
 */
import type { LayerRow, ModelSummaryPayload } from '../../protocol';
import { formatBytes, formatCount } from './format';

type Shape = (number | null)[];

interface WeightLike {
  shape: number[];
  dtype: string;
  /** LayerVariables have a unique id. */
  id?: number;
}

interface NodeLike {
  inboundLayers: LayerLike[];
}

export interface LayerLike {
  name: string;
  trainable: boolean;
  getClassName(): string;
  countParams(): number;
  inboundNodes?: NodeLike[];
  outputShape?: Shape | Shape[];
  trainableWeights: WeightLike[];
  nonTrainableWeights: WeightLike[];
}

export interface ModelLike extends LayerLike {
  layers: LayerLike[];
  inputs?: { shape: Shape }[];
  outputs?: { shape: Shape }[];
}

/** Whether a value is a tfjs LayersModel (duck-typed: the session's tfjs may be any copy). */
export function isModel(value: unknown): value is ModelLike {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<ModelLike>;
  return Array.isArray(m.layers) && typeof m.getClassName === 'function' && typeof m.countParams === 'function' && Array.isArray(m.trainableWeights);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function weightTotals(weights: WeightLike[]): { params: number; bytes: number } {
  const seen = new Set<unknown>();
  let params = 0;
  let bytes = 0;
  for (const w of weights) {
    const key = w.id ?? w;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = size(w.shape);
    params += n;
    bytes += n * (BYTES[w.dtype] ?? 4);
  }
  return { params, bytes };
}

function outputShapes(layer: LayerLike): Shape[] {
  let shape: Shape | Shape[] | undefined;
  try {
    shape = layer.outputShape;
  } catch {
    // A layer that was never called has no output shape.
    return [];
  }
  if (!Array.isArray(shape)) return [];
  if (shape.length > 0 && Array.isArray(shape[0])) return shape as Shape[];
  return [shape as Shape];
}

function inbound(layer: LayerLike): string[] {
  const names: string[] = [];
  for (const node of layer.inboundNodes ?? []) for (const l of node.inboundLayers ?? []) names.push(l.name);
  return names;
}

function layerRow(layer: LayerLike): LayerRow {
  const row: LayerRow = {
    name: layer.name,
    className: layer.getClassName(),
    outputShapes: outputShapes(layer),
    params: layer.countParams(),
    trainable: layer.trainable,
    inbound: inbound(layer),
  };
  if (isModel(layer)) row.layers = layer.layers.map(layerRow);
  return row;
}

/** Whether the layers form a graph rather than a plain stack. */
function isFunctional(model: ModelLike): boolean {
  if (model.getClassName() === 'Sequential') return false;
  return model.layers.some((l, i) => {
    const from = inbound(l);
    if (i === 0) return from.length > 0;
    return from.length !== 1 || from[0] !== model.layers[i - 1]!.name;
  });
}

export function buildModelSummary(model: ModelLike): ModelSummaryPayload {
  const trainable = weightTotals(model.trainableWeights);
  const nonTrainable = weightTotals(model.nonTrainableWeights);
  const className = model.getClassName();
  return {
    version: 1,
    name: model.name,
    className: className === 'Model' ? 'Functional' : className,
    functional: isFunctional(model),
    inputShapes: (model.inputs ?? []).map((t) => [...t.shape]),
    outputShapes: (model.outputs ?? []).map((t) => [...t.shape]),
    layers: model.layers.map(layerRow),
    totals: {
      params: trainable.params + nonTrainable.params,
      trainable: trainable.params,
      nonTrainable: nonTrainable.params,
      paramBytes: trainable.bytes + nonTrainable.bytes,
      trainableBytes: trainable.bytes,
      nonTrainableBytes: nonTrainable.bytes,
    },
  };
}

export function formatShape(shape: Shape): string {
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')}${shape.length === 1 ? ',' : ''})`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/** The summary as Keras prints it (its classic layout), totals with sizes. */
export function modelSummaryText(p: ModelSummaryPayload): string {
  const cols = p.functional ? [32, 26, 12, 30] : [32, 26, 12];
  const width = cols.reduce((a, b) => a + b, 0);
  const lines = [`Model: "${p.name}"`, '_'.repeat(width)];
  const header = ['Layer (type)', 'Output Shape', 'Param #', ...(p.functional ? ['Connected to'] : [])];
  lines.push(header.map((h, i) => pad(` ${h}`, cols[i]!)).join('').trimEnd(), '='.repeat(width));
  const rows = (layers: LayerRow[], indent: string) => {
    layers.forEach((l, i) => {
      const shapes = l.outputShapes.length === 1 ? formatShape(l.outputShapes[0]!) : l.outputShapes.length ? 'multiple' : '?';
      const cells = [`${indent}${l.name} (${l.className})`, shapes, formatCount(l.params), ...(p.functional ? [l.inbound.join(', ')] : [])];
      lines.push(cells.map((c, j) => pad(` ${c}`, cols[j]!)).join('').trimEnd());
      if (l.layers) rows(l.layers, `${indent}  `);
      if (indent === '' && i < layers.length - 1) lines.push('');
    });
  };
  rows(p.layers, '');
  const t = p.totals;
  lines.push(
    '='.repeat(width),
    `Total params: ${formatCount(t.params)} (${formatBytes(t.paramBytes)})`,
    `Trainable params: ${formatCount(t.trainable)} (${formatBytes(t.trainableBytes)})`,
    `Non-trainable params: ${formatCount(t.nonTrainable)} (${formatBytes(t.nonTrainableBytes)})`,
    '_'.repeat(width),
  );
  return lines.join('\n');
}

/**
 * The chart API of cells (`display.line`, `.scatter`, `.bar`, `.histogram`, `.heatmap`,
 * `.confusionMatrix`): user data (arrays or tensors) to chart payloads plus a text table. Bad
 * input throws an error that says what was expected.
 */
import type { ChartPayload, JsonNumber } from '../../protocol';
import type { ChartOptions, Numbers, SeriesInput } from '../../cellLibrary/api';
import { formatNumber } from './format';
import { computeHistogram, computeStats, isTensor, jsonNumber } from './tensor';

function numbers(v: unknown, what: string): number[] {
  if (isTensor(v)) {
    if (v.isDisposed) throw new TypeError(`${what}: the tensor has been disposed.`);
    return Array.from(v.dataSync() as ArrayLike<number>, Number);
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const out = Array.from(v as ArrayLike<unknown>, Number);
    return out;
  }
  throw new TypeError(`${what}: expected an array of numbers or a tensor, got ${v === null ? 'null' : typeof v}.`);
}

function isSeriesRecord(v: unknown): v is Record<string, Numbers> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !isTensor(v);
}

function namedSeries(input: unknown, what: string): { name: string; values: number[] }[] {
  if (isSeriesRecord(input)) {
    const entries = Object.entries(input);
    if (entries.length === 0) throw new TypeError(`${what}: the object names no series; pass { name: [numbers], … } or an array.`);
    return entries.map(([name, v]) => ({ name, values: numbers(v, `${what} "${name}"`) }));
  }
  return [{ name: 'y', values: numbers(input, what) }];
}

function base(options: ChartOptions | undefined) {
  const out: { version: 1; title?: string; xLabel?: string; yLabel?: string } = { version: 1 };
  if (options?.title !== undefined) out.title = String(options.title);
  if (options?.xLabel !== undefined) out.xLabel = String(options.xLabel);
  if (options?.yLabel !== undefined) out.yLabel = String(options.yLabel);
  return out;
}

const js = (values: number[]): JsonNumber[] => values.map(jsonNumber);

/** `display.line({ loss, val_loss }, { x, title })`: x defaults to 1, 2, 3 … (epochs). */
export function lineChart(y: SeriesInput, options?: ChartOptions & { x?: Numbers }): ChartPayload {
  const series = namedSeries(y, 'display.line');
  const x = options?.x !== undefined ? numbers(options.x, 'display.line x') : undefined;
  return {
    ...base(options),
    kind: 'line',
    series: series.map((s) => {
      if (x && x.length !== s.values.length) throw new RangeError(`display.line: x has ${x.length} values but "${s.name}" has ${s.values.length}.`);
      return { name: s.name, x: x ?? s.values.map((_, i) => i + 1), y: js(s.values) };
    }),
  };
}

/** `display.scatter(x, y)` or `display.scatter({ name: { x, y }, … })`. */
export function scatterChart(x: Numbers | Record<string, { x: Numbers; y: Numbers }>, y?: Numbers | ChartOptions, options?: ChartOptions): ChartPayload {
  let series: { name: string; x: number[]; y: number[] }[];
  if (isSeriesRecord(x) && !('dataSync' in x)) {
    options = y as ChartOptions | undefined;
    series = Object.entries(x as Record<string, { x: Numbers; y: Numbers }>).map(([name, s]) => ({
      name,
      x: numbers(s?.x, `display.scatter "${name}".x`),
      y: numbers(s?.y, `display.scatter "${name}".y`),
    }));
  } else {
    series = [{ name: 'y', x: numbers(x, 'display.scatter x'), y: numbers(y, 'display.scatter y') }];
  }
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new RangeError(`display.scatter: "${s.name}" has ${s.x.length} x values and ${s.y.length} y values; they must pair up.`);
  }
  return { ...base(options), kind: 'scatter', series: series.map((s) => ({ name: s.name, x: s.x, y: js(s.y) })) };
}

/** `display.bar(['a', 'b'], [1, 2])` or `display.bar(['a', 'b'], { train: [..], test: [..] })`. */
export function barChart(categories: ArrayLike<unknown>, values: SeriesInput, options?: ChartOptions): ChartPayload {
  if (!Array.isArray(categories)) throw new TypeError('display.bar: the first argument is the list of category names.');
  const series = namedSeries(values, 'display.bar');
  for (const s of series) {
    if (s.values.length !== categories.length) {
      throw new RangeError(`display.bar: ${categories.length} categories but "${s.name}" has ${s.values.length} values.`);
    }
  }
  return { ...base(options), kind: 'bar', categories: categories.map(String), series: series.map((s) => ({ name: s.name, values: js(s.values) })) };
}

/** `display.histogram(values, { bins })`: shared bins over all series' finite values. */
export function histogramChart(values: SeriesInput, options?: ChartOptions & { bins?: number }): ChartPayload {
  const series = namedSeries(values, 'display.histogram');
  const bins = options?.bins ?? 30;
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new RangeError(`display.histogram: bins must be a whole number from 1 to 1000, got ${bins}.`);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const st = computeStats(s.values);
    if (st.min !== null && st.min < lo) lo = st.min;
    if (st.max !== null && st.max > hi) hi = st.max;
  }
  if (lo === Infinity) {
    lo = 0;
    hi = 1;
  }
  const hists = series.map((s) => ({ name: s.name, h: lo === hi ? { edges: [lo, hi], counts: [s.values.filter(Number.isFinite).length] } : computeHistogram(s.values, lo, hi, bins) }));
  return { ...base(options), kind: 'histogram', edges: hists[0]!.h.edges, series: hists.map((s) => ({ name: s.name, counts: s.h.counts })) };
}

function matrix(v: unknown, what: string): number[][] {
  if (isTensor(v)) {
    if (v.shape.length !== 2) throw new RangeError(`${what}: expected a 2-D tensor, got shape [${v.shape.join(', ')}].`);
    const flat = numbers(v, what);
    const [r, c] = v.shape as [number, number];
    return Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
  }
  if (!Array.isArray(v) || !v.every((row) => Array.isArray(row) || ArrayBuffer.isView(row))) {
    throw new TypeError(`${what}: expected a 2-D array (rows of numbers) or a 2-D tensor.`);
  }
  const rows = v.map((row, i) => numbers(row, `${what} row ${i}`));
  if (rows.some((r) => r.length !== rows[0]!.length)) throw new RangeError(`${what}: every row must have the same length.`);
  return rows;
}

/** `display.heatmap(matrix, { rows, cols })`. */
export function heatmapChart(values: unknown, options?: ChartOptions & { rows?: unknown[]; cols?: unknown[] }): ChartPayload {
  const m = matrix(values, 'display.heatmap');
  const rows = options?.rows?.map(String) ?? m.map((_, i) => String(i));
  const cols = options?.cols?.map(String) ?? (m[0] ?? []).map((_, i) => String(i));
  if (rows.length !== m.length || cols.length !== (m[0]?.length ?? 0)) {
    throw new RangeError(`display.heatmap: ${m.length}×${m[0]?.length ?? 0} values but ${rows.length} row and ${cols.length} column labels.`);
  }
  return { ...base(options), kind: 'heatmap', rows, cols, values: m.map(js) };
}

/** Counts of (true, predicted) pairs: rows are the true class, columns the predicted one. */
export function confusionCounts(labels: number[], predictions: number[], classes: number): number[][] {
  if (labels.length !== predictions.length) {
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions; they must pair up.`);
  }
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  labels.forEach((t, i) => {
    const p = predictions[i]!;
    if (!(Number.isInteger(t) && Number.isInteger(p) && t >= 0 && p >= 0 && t < classes && p < classes)) {
      throw new RangeError(`confusionMatrix: pair ${i} is (${t}, ${p}); class ids must be whole numbers from 0 to ${classes - 1}.`);
    }
    m[t]![p]!++;
  });
  return m;
}

/**
 * `display.confusionMatrix(labels, predictions, { classes })`: class ids (or one-hot/probability
 * rows, reduced with argmax); `classes` is a count or the list of class names.
 */
export function confusionChart(labels: unknown, predictions: unknown, options?: ChartOptions & { classes?: number | unknown[] }): ChartPayload {
  const ids = (v: unknown, what: string): number[] => {
    if (isTensor(v) && v.shape.length === 2) return argmaxRows(matrix(v, what));
    if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) return argmaxRows(matrix(v, what));
    return numbers(v, what);
  };
  const t = ids(labels, 'display.confusionMatrix labels');
  const p = ids(predictions, 'display.confusionMatrix predictions');
  const names = Array.isArray(options?.classes) ? options.classes.map(String) : undefined;
  const n = names?.length ?? (typeof options?.classes === 'number' ? options.classes : Math.max(-1, ...t, ...p) + 1);
  const m = confusionCounts(t, p, n);
  const labelsOut = names ?? Array.from({ length: n }, (_, i) => String(i));
  return { ...base({ title: 'Confusion matrix', xLabel: 'Predicted', yLabel: 'True', ...options }), kind: 'confusion', rows: labelsOut, cols: labelsOut, values: m };
}

function argmaxRows(m: number[][]): number[] {
  return m.map((row) => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0));
}

const cellText = (v: JsonNumber | string) => (typeof v === 'number' ? formatNumber(v) : v);

/** text/plain of a chart: its title and its data as a small table (the first 20 rows). */
export function chartText(c: ChartPayload): string {
  const lines: string[] = [];
  const title = c.title ?? `${c.kind} chart`;
  lines.push(title);
  const table = (header: string[], rows: (JsonNumber | string)[][]) => {
    lines.push(header.join('\t'));
    for (const r of rows.slice(0, 20)) lines.push(r.map(cellText).join('\t'));
    if (rows.length > 20) lines.push(`… ${rows.length - 20} more rows`);
  };
  switch (c.kind) {
    case 'line':
    case 'scatter': {
      if (c.series.every((s) => s.x.length === c.series[0]!.x.length && s.x.every((v, i) => v === c.series[0]!.x[i]))) {
        table([c.xLabel ?? 'x', ...c.series.map((s) => s.name)], (c.series[0]?.x ?? []).map((x, i) => [x, ...c.series.map((s) => s.y[i]!)]));
      } else {
        for (const s of c.series) table([`${s.name} x`, `${s.name} y`], s.x.map((x, i) => [x, s.y[i]!]));
      }
      break;
    }
    case 'bar':
      table(['', ...c.series.map((s) => s.name)], c.categories.map((cat, i) => [cat, ...c.series.map((s) => s.values[i]!)]));
      break;
    case 'histogram':
      table(['bin', ...c.series.map((s) => s.name)], c.series[0]!.counts.map((_, i) => [`[${formatNumber(c.edges[i])}, ${formatNumber(c.edges[i + 1])})`, ...c.series.map((s) => s.counts[i]!)]));
      break;
    case 'heatmap':
    case 'confusion':
      table([c.kind === 'confusion' ? 'true \\ predicted' : '', ...c.cols], c.rows.map((r, i) => [r, ...c.values[i]!]));
      break;
  }
  return lines.join('\n');
}

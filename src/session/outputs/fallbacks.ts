/**
 * What frontends without bmnb's renderers show (JupyterLab, the classic notebook, nbconvert,
 * GitHub): beside each bmnb payload, `text/html` tables and `image/png` images made from it, once,
 * in the kernel. The HTML is static and sanitizable: no scripts, no event handlers, no styles
 * beyond inline colours, every kernel string escaped. Asked for by a host at initialize
 * (`InitializeParams.fallbacks`: the Jupyter kernel does; the editor, which draws the payloads
 * itself, does not).
 */
import { PNG } from 'pngjs';
import { MIME, type ChartPayload, type JsonNumber, type ModelSummaryPayload, type OutputItemPayload, type TensorPayload, type TrainingPayload } from '../../protocol';
import { formatBytes, formatCount, formatNumber } from './format';
import { formatShape } from './model';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const num = (v: JsonNumber | string | null | undefined): string => (v === null || v === undefined ? '…' : typeof v === 'number' ? formatNumber(v) : String(v));

function table(head: string[], rows: string[][], caption?: string): string {
  return (
    `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}` +
    `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  );
}

export function tensorHtml(p: TensorPayload): string {
  const parts = [`<p><b>Tensor</b> ${escapeHtml(p.dtype)} [${p.shape.join(', ')}] · ${escapeHtml(formatBytes(p.bytes))} · ${escapeHtml(p.backend)}</p>`];
  if (p.stats) {
    const s = p.stats;
    parts.push(table(['min', 'max', 'mean', 'std', 'zeros', 'NaN', 'Inf'], [[num(s.min), num(s.max), num(s.mean), num(s.std), formatCount(s.zeros), formatCount(s.nan), formatCount(s.inf)]]));
  }
  if (p.table) {
    const t = p.table;
    const head = ['', ...t.colIndex.map((c) => (c === null ? '…' : String(c)))];
    const rows = t.values.map((row, i) => [t.rowIndex[i] === null ? '…' : String(t.rowIndex[i]), ...row.map(num)]);
    parts.push(table(head, rows, t.label));
  }
  if (p.images) parts.push(`<p>${p.images.shown} of ${p.images.count} images (${escapeHtml(p.images.scaling)})</p>`);
  return parts.join('\n');
}

export function modelHtml(p: ModelSummaryPayload): string {
  const rows: string[][] = [];
  const walk = (layers: ModelSummaryPayload['layers'], depth: number) => {
    for (const l of layers) {
      const shapes = l.outputShapes.length === 1 ? formatShape(l.outputShapes[0]!) : 'multiple';
      rows.push([`${'  '.repeat(depth)}${l.name} (${l.className})`, shapes, formatCount(l.params), ...(p.functional ? [l.inbound.join(', ')] : [])]);
      if (l.layers) walk(l.layers, depth + 1);
    }
  };
  walk(p.layers, 0);
  const head = ['Layer (type)', 'Output shape', 'Param #', ...(p.functional ? ['Connected to'] : [])];
  const t = p.totals;
  return (
    `<p><b>Model: ${escapeHtml(p.name)}</b> (${escapeHtml(p.className)})</p>\n${table(head, rows)}\n` +
    `<p>Total params: ${formatCount(t.params)} (${escapeHtml(formatBytes(t.paramBytes))}) · trainable: ${formatCount(t.trainable)} · non-trainable: ${formatCount(t.nonTrainable)}</p>`
  );
}

/** The series a chart or training payload draws, as x/y lists (training: per-epoch values, else per-batch). */
function seriesOf(p: ChartPayload | TrainingPayload): { name: string; x: number[]; y: JsonNumber[] }[] | undefined {
  if ('status' in p) {
    const source = p.epochValues.x.length > 1 ? p.epochValues : p.batches;
    return Object.entries(source.values).map(([name, y]) => ({ name, x: source.x, y }));
  }
  if (p.kind === 'line' || p.kind === 'scatter') return p.series;
  if (p.kind === 'bar') return p.series.map((s) => ({ name: s.name, x: p.categories.map((_, i) => i), y: s.values }));
  if (p.kind === 'histogram') return p.series.map((s) => ({ name: s.name, x: s.counts.map((_, i) => (p.edges[i]! + p.edges[i + 1]!) / 2), y: s.counts }));
  return undefined;
}

/** A chart's or training run's data as a table (what the renderer's data table shows). */
export function chartHtml(p: ChartPayload | TrainingPayload): string {
  if (!('status' in p) && (p.kind === 'heatmap' || p.kind === 'confusion')) {
    return table(['', ...p.cols], p.values.map((row, i) => [p.rows[i] ?? String(i), ...row.map(num)]), p.title);
  }
  const series = seriesOf(p) ?? [];
  const xs = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  const LIMIT = 200;
  const shown = xs.length > LIMIT ? xs.filter((_, i) => i % Math.ceil(xs.length / LIMIT) === 0) : xs;
  const label = 'status' in p ? (p.epochValues.x.length > 1 ? 'epoch' : 'epoch (batches)') : !('status' in p) && p.kind === 'bar' ? 'category' : (p.xLabel ?? 'x');
  const xName = (x: number) => (!('status' in p) && p.kind === 'bar' ? p.categories[x] ?? String(x) : formatNumber(x));
  const rows = shown.map((x) => [xName(x), ...series.map((s) => num(s.y[s.x.indexOf(x)] ?? null))]);
  const title = 'status' in p ? `Training (${p.method}): ${p.epochsDone} of ${p.epochs} epochs, ${p.status}` : p.title;
  return table([label, ...series.map((s) => s.name)], rows, title);
}

// ---- images ------------------------------------------------------------------------------------

/** The tensor's images side by side in one PNG (a grid of up to 4 per row, 2 px apart). */
export function tensorGridPng(p: TensorPayload): string | undefined {
  const im = p.images;
  if (!im || im.png.length === 0) return undefined;
  const perRow = Math.min(4, im.png.length);
  const rows = Math.ceil(im.png.length / perRow);
  const gap = 2;
  const grid = new PNG({ width: perRow * im.width + (perRow - 1) * gap, height: rows * im.height + (rows - 1) * gap });
  grid.data.fill(255);
  im.png.forEach((b64, k) => {
    const tile = PNG.sync.read(Buffer.from(b64, 'base64'));
    const ox = (k % perRow) * (im.width + gap);
    const oy = Math.floor(k / perRow) * (im.height + gap);
    for (let y = 0; y < Math.min(tile.height, im.height); y++) {
      tile.data.copy(grid.data, ((oy + y) * grid.width + ox) * 4, y * tile.width * 4, (y * tile.width + Math.min(tile.width, im.width)) * 4);
    }
  });
  return PNG.sync.write(grid).toString('base64');
}

/** Colours of series, in order (a colour-blind-safe palette). */
const PALETTE: [number, number, number][] = [
  [0, 114, 178],
  [230, 159, 0],
  [0, 158, 115],
  [204, 121, 167],
  [86, 180, 233],
  [213, 94, 0],
  [240, 228, 66],
  [0, 0, 0],
];

/**
 * A line chart of the series as a PNG (640×360): a frame, light grid lines at quarters, and one
 * 2-px line per series in the palette's order; the values and names are in the HTML table beside
 * it. Null, NaN and infinite points break the line.
 */
export function linePng(series: { name: string; x: number[]; y: JsonNumber[] }[], width = 640, height = 360): string | undefined {
  const points = series.map((s) => s.x.map((x, i) => [x, s.y[i]] as const).filter((pt): pt is readonly [number, number] => typeof pt[1] === 'number' && Number.isFinite(pt[1])));
  const all = points.flat();
  if (all.length < 2) return undefined;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = 24;
  const png = new PNG({ width, height });
  png.data.fill(255);
  const set = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  };
  const px = (x: number) => pad + ((x - x0) / (x1 - x0)) * (width - 2 * pad);
  const py = (y: number) => height - pad - ((y - y0) / (y1 - y0)) * (height - 2 * pad);
  for (let q = 0; q <= 4; q++) {
    const gx = Math.round(pad + (q / 4) * (width - 2 * pad));
    const gy = Math.round(pad + (q / 4) * (height - 2 * pad));
    const shade: [number, number, number] = q === 0 || q === 4 ? [120, 120, 120] : [225, 225, 225];
    for (let y = pad; y <= height - pad; y++) set(gx, y, shade);
    for (let x = pad; x <= width - pad; x++) set(x, gy, shade);
  }
  points.forEach((pts, k) => {
    const colour = PALETTE[k % PALETTE.length]!;
    for (let i = 1; i < pts.length; i++) {
      const [ax, ay] = [px(pts[i - 1]![0]), py(pts[i - 1]![1])];
      const [bx, by] = [px(pts[i]![0]), py(pts[i]![1])];
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
      for (let t = 0; t <= steps; t++) {
        const x = Math.round(ax + ((bx - ax) * t) / steps);
        const y = Math.round(ay + ((by - ay) * t) / steps);
        set(x, y, colour);
        set(x + 1, y, colour);
        set(x, y + 1, colour);
      }
    }
    if (pts.length === 1) for (let d = -2; d <= 2; d++) set(Math.round(px(pts[0]![0])) + d, Math.round(py(pts[0]![1])), colour);
  });
  return PNG.sync.write(png).toString('base64');
}

/**
 * The HTML with the PNG shown above it. Jupyter frontends show one MIME type per output, and
 * JupyterLab, the classic notebook, nbconvert and GitHub rank text/html above image/png: without
 * the image in the HTML they would show a chart's data table and never its curves.
 */
function withImage(png: string | undefined, alt: string, html: string): string {
  return png ? `<p><img alt="${escapeHtml(alt)}" src="data:image/png;base64,${png}"></p>\n${html}` : html;
}

/** `items` with the fallbacks of their bmnb payloads added (text/plain stays last). */
export function withFallbacks(items: OutputItemPayload[]): OutputItemPayload[] {
  const extra: OutputItemPayload[] = [];
  for (const item of items) {
    try {
      if (item.mime === MIME.tensor) {
        const p = item.data as TensorPayload;
        const png = tensorGridPng(p);
        if (png) extra.push({ mime: 'image/png', data: png });
        extra.push({ mime: 'text/html', data: withImage(png, 'the first images', tensorHtml(p)) });
      } else if (item.mime === MIME.modelSummary) {
        extra.push({ mime: 'text/html', data: modelHtml(item.data as ModelSummaryPayload) });
      } else if (item.mime === MIME.chart || item.mime === MIME.training) {
        const p = item.data as ChartPayload | TrainingPayload;
        // A running fit's curves are redrawn up to 10 times a second: a PNG (~20 ms) each time would
        // slow training, so the image comes with the last update (done, stopped or failed).
        const drawn = 'status' in p ? p.status !== 'running' : p.kind !== 'bar';
        const series = drawn ? seriesOf(p) : undefined;
        const png = series ? linePng(series) : undefined;
        if (png) extra.push({ mime: 'image/png', data: png });
        extra.push({ mime: 'text/html', data: withImage(png, 'status' in p ? 'training curves' : (p.title ?? 'chart'), chartHtml(p)) });
      }
    } catch {
      // A fallback that cannot be made is left out: the payload and text/plain still go.
    }
  }
  if (!extra.length) return items;
  const text = items.filter((i) => i.mime === MIME.text);
  return [...items.filter((i) => i.mime !== MIME.text), ...extra, ...text];
}

/**
 * The four notebook renderers in a real headless Chromium (no mocks): each payload fixture of
 * test/fixtures/payloads is rendered through the bundle's `activate` / `renderOutputItem`, as VS
 * Code's notebook webview does, and the DOM and Chart.js state are checked against the payload
 * itself (so payloads recorded from the kernel can replace the hand-made ones). Screenshots of every
 * fixture in the light and dark theme go to test-results/renderers/.
 *
 * Run: `npm run test:renderers` (builds first; needs scripts/e2e-setup.sh's Chromium and playwright-core).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MIME } from '../../src/protocol/mime';
import type { ChartPayload, LayerRow, ModelSummaryPayload, TensorPayload, TrainingPayload } from '../../src/protocol/outputs';
import { kerasBytes, kerasShape, thousands } from '../../src/renderers/common/format';
import { FIXTURE_NAMES, openRendererPage, readFixture, REPO, THEMES, type RendererPage } from './harness';

const SCREENSHOTS = join(REPO, 'test-results', 'renderers');
const XSS = '<img src=x onerror="window.__xss = (window.__xss || 0) + 1">';

let page: RendererPage;
const run = <R>(body: string): Promise<R> => page.run<R>(body);

/** Renders a fixture into a fresh output element, kept as `window.el`. */
async function renderFixture(name: string, theme: keyof typeof THEMES = 'light'): Promise<void> {
  await run(`bmnb.clear(); bmnb.setTheme(${JSON.stringify(theme)});
    const f = await bmnb.fixture(${JSON.stringify(name)});
    window.el = await bmnb.render(f.mime, f.data, { id: ${JSON.stringify(name)} });
    await bmnb.frames();`);
}

async function renderPayload(mime: string, data: unknown, id = 'payload'): Promise<void> {
  await run(`bmnb.clear(); window.el = await bmnb.render(${JSON.stringify(mime)}, ${JSON.stringify(data)}, { id: ${JSON.stringify(id)} }); await bmnb.frames();`);
}

/** Opens every data table under `window.el` (their bodies are built on the toggle event). */
async function openDataTables(): Promise<void> {
  await run(`await Promise.all([...el.querySelectorAll('details.bmnb-details')].map((d) => new Promise((resolve) => {
    if (d.open) return resolve();
    d.addEventListener('toggle', resolve, { once: true }); d.open = true;
  })));`);
}

interface ChartInfo {
  series: number;
  ariaLabel: string | null;
  role: string | null;
  columns: string[];
  summary: string;
  type: string;
  datasets: number;
  points: number[];
  animation: unknown;
}

/** What each chart under `window.el` shows: its data-series, canvas, data table and Chart.js state. */
function charts(): Promise<ChartInfo[]> {
  return run(`return [...el.querySelectorAll('.bmnb-chart')].map((c) => {
    const canvas = c.querySelector('canvas');
    const chart = bmnb.chart(canvas);
    return {
      series: Number(c.dataset.series),
      ariaLabel: canvas.getAttribute('aria-label'),
      role: canvas.getAttribute('role'),
      columns: [...c.querySelectorAll('details.bmnb-details thead th')].map((th) => th.textContent),
      summary: c.querySelector('details.bmnb-details > summary')?.textContent ?? '',
      type: chart.config.type,
      datasets: chart.data.datasets.length,
      points: chart.data.datasets.map((d) => d.data.length),
      animation: chart.options.animation,
    };
  });`);
}

function assertAccessibleChart(c: ChartInfo): void {
  assert.equal(c.role, 'img', 'the canvas has role="img"');
  assert.ok(c.ariaLabel && c.ariaLabel.length > 10, `the canvas has a descriptive aria-label (got ${c.ariaLabel})`);
  assert.equal(c.summary, 'Data table');
  assert.equal(c.animation, false, 'animations are off');
}

before(async () => {
  page = await openRendererPage();
});

after(async () => {
  await page?.close();
});

describe('tensor renderer', () => {
  test('tensor-matrix: header, NaN/Inf markers, elided table, histogram with data table', async () => {
    const { payload: p } = readFixture<TensorPayload>('tensor-matrix');
    await renderFixture('tensor-matrix');
    const dom = await run<{ header: string; nanMarker: string | null; infMarker: string | null; markerColor: string; fg: string; rows: number; headCols: string[]; rowHeads: string[]; nanCells: number; infCells: number }>(`
      const nan = el.querySelector('.bmnb-stats .bmnb-nan');
      const inf = el.querySelector('.bmnb-stats .bmnb-inf');
      const table = el.querySelector('.bmnb-tensor-table table');
      return {
        header: el.querySelector('.bmnb-tensor-header').textContent,
        nanMarker: nan && nan.textContent, infMarker: inf && inf.textContent,
        markerColor: nan ? getComputedStyle(nan).color : '', fg: getComputedStyle(el.querySelector('.bmnb')).color,
        rows: table.tBodies[0].rows.length,
        headCols: [...table.tHead.rows[0].cells].map((c) => c.textContent),
        rowHeads: [...table.tBodies[0].rows].map((r) => r.cells[0].textContent),
        nanCells: table.querySelectorAll('td.bmnb-nan').length,
        infCells: table.querySelectorAll('td.bmnb-inf').length,
      };`);
    assert.match(dom.header, new RegExp(p.dtype));
    assert.ok(dom.header.includes(`[${p.shape.join(', ')}]`), dom.header);
    assert.ok(dom.header.includes(thousands(p.size)), dom.header);
    assert.ok(dom.header.includes(kerasBytes(p.bytes)), dom.header);
    assert.ok(p.stats && p.stats.nan > 0 && p.stats.inf > 0, 'the fixture has NaN and Inf values');
    assert.ok(dom.nanMarker?.includes(String(p.stats.nan)), `NaN marker shows the count: ${dom.nanMarker}`);
    assert.ok(dom.infMarker?.includes(String(p.stats.inf)), `Inf marker shows the count: ${dom.infMarker}`);
    assert.notEqual(dom.markerColor, dom.fg, 'the NaN marker has the warning color');
    // The elided table: one row per rowIndex, one column per colIndex (+ the index column), "…" for null.
    const t = p.table!;
    assert.equal(dom.rows, t.rowIndex.length);
    assert.equal(dom.headCols.length, t.colIndex.length + 1);
    assert.ok(t.rowIndex.includes(null) && dom.rowHeads.includes('…'), 'an elided "…" row');
    assert.ok(t.colIndex.includes(null) && dom.headCols.includes('…'), 'an elided "…" column');
    const flat = t.values.flat();
    assert.equal(dom.nanCells, flat.filter((v) => v === 'NaN').length, 'NaN cells highlighted');
    assert.equal(dom.infCells, flat.filter((v) => v === 'Infinity' || v === '-Infinity').length, 'Inf cells highlighted');
    // The histogram: a bar chart with one bar per bin, and its data table.
    const [hist] = await charts();
    assertAccessibleChart(hist);
    assert.equal(hist.type, 'bar');
    assert.equal(hist.series, 1);
    assert.deepEqual(hist.points, [p.histogram!.counts.length]);
    assert.equal(hist.columns.length, hist.series + 1);
    await openDataTables();
    const tableRows = await run<number>(`return el.querySelector('.bmnb-chart details tbody').rows.length;`);
    assert.equal(tableRows, p.histogram!.counts.length);
  });

  test('tensor-images: one pixelated PNG per image shown, with alt text', async () => {
    const { payload: p } = readFixture<TensorPayload>('tensor-images');
    await renderFixture('tensor-images');
    const imgs = await run<{ alt: string; src: string; natural: number; rendering: string }[]>(`
      const imgs = [...el.querySelectorAll('.bmnb-images img')];
      await Promise.all(imgs.map((i) => i.decode()));
      return imgs.map((i) => ({ alt: i.alt, src: i.src.slice(0, 22), natural: i.naturalWidth, rendering: getComputedStyle(i).imageRendering }));`);
    assert.equal(imgs.length, p.images!.shown);
    imgs.forEach((img, i) => {
      assert.equal(img.alt, `image ${i + 1} of ${p.images!.count}`);
      assert.equal(img.src, 'data:image/png;base64,');
      assert.equal(img.natural, p.images!.width, 'the PNG decodes at its size');
      assert.match(img.rendering, /pixelated|crisp-edges/);
    });
  });

  test('tensor-large: images, histogram and notes', async () => {
    const { payload: p } = readFixture<TensorPayload>('tensor-large');
    await renderFixture('tensor-large');
    const dom = await run<{ images: number; notes: string[]; caption: string }>(`return {
      images: el.querySelectorAll('.bmnb-images img').length,
      notes: [...el.querySelectorAll('.bmnb-notes li')].map((li) => li.textContent),
      caption: el.querySelector('.bmnb-tensor-images').textContent,
    };`);
    assert.equal(dom.images, p.images!.shown);
    assert.deepEqual(dom.notes, p.notes ?? []);
    assert.ok(dom.caption.includes(thousands(p.images!.count)), dom.caption);
    const list = await charts();
    assert.equal(list.length, p.histogram ? 1 : 0);
  });

  test('tensor-strings: no statistics, values as text', async () => {
    const { payload: p } = readFixture<TensorPayload>('tensor-strings');
    assert.equal(p.stats, null);
    await renderFixture('tensor-strings');
    const dom = await run<{ stats: string; cells: string[]; markup: number; charts: number }>(`return {
      stats: el.querySelector('.bmnb-stats').textContent,
      cells: [...el.querySelectorAll('.bmnb-tensor-table tbody td')].map((td) => td.title || td.textContent),
      markup: el.querySelectorAll('.bmnb-tensor-table b, .bmnb-tensor-table img, .bmnb-tensor-table script').length,
      charts: el.querySelectorAll('canvas').length,
    };`);
    assert.match(dom.stats, /No statistics/);
    assert.equal(dom.charts, 0);
    assert.equal(dom.markup, 0, 'strings never become elements');
    const values = p.table!.values.flat().filter((v): v is string => typeof v === 'string');
    for (const v of values) assert.ok(dom.cells.some((c) => c === v || c === JSON.stringify(v)), `cell for ${v}`);
  });
});

describe('model renderer', () => {
  const countRows = (layers: LayerRow[]): number => layers.reduce((n, l) => n + 1 + (l.layers ? countRows(l.layers) : 0), 0);

  test('model-cifar-cnn: one row per layer, Keras shapes and totals, no Connected-to column', async () => {
    const { payload: p } = readFixture<ModelSummaryPayload>('model-cifar-cnn');
    await renderFixture('model-cifar-cnn');
    const dom = await run<{ headers: string[]; top: number; all: number; cells: string[][]; totals: string[] }>(`
      const table = el.querySelector('table.bmnb-model-table');
      return {
        headers: [...table.tHead.rows[0].cells].map((c) => c.textContent),
        top: table.querySelectorAll('tbody tr[data-depth="0"]').length,
        all: table.tBodies[0].rows.length,
        cells: [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)),
        totals: [...el.querySelectorAll('.bmnb-totals > div')].map((d) => d.textContent),
      };`);
    assert.equal(dom.top, p.layers.length);
    assert.equal(dom.all, countRows(p.layers));
    assert.ok(!dom.headers.includes('Connected to'));
    assert.deepEqual(dom.headers.slice(0, 3), ['Layer (type)', 'Output Shape', 'Param #']);
    p.layers.forEach((layer, i) => {
      assert.equal(dom.cells[i][0], `${layer.name} (${layer.className})`);
      assert.equal(dom.cells[i][1], layer.outputShapes.map(kerasShape).join('\n'));
      assert.equal(dom.cells[i][2], thousands(layer.params));
    });
    assert.equal(dom.cells[0][1], '(None, 30, 30, 32)');
    assert.equal(dom.totals[0], 'Total params: 122,570 (478.79 KB)');
    assert.equal(dom.totals[1], `Trainable params: ${thousands(p.totals.trainable)} (${kerasBytes(p.totals.trainableBytes)})`);
    assert.equal(dom.totals[2], `Non-trainable params: ${thousands(p.totals.nonTrainable)} (${kerasBytes(p.totals.nonTrainableBytes)})`);
  });

  test('model-functional: Connected-to column, nested model rows indented under their parent', async () => {
    const { payload: p } = readFixture<ModelSummaryPayload>('model-functional');
    assert.equal(p.functional, true);
    await renderFixture('model-functional');
    const dom = await run<{ headers: string[]; rows: { depth: number; name: string; connected: string; indent: number }[] }>(`
      const table = el.querySelector('table.bmnb-model-table');
      const headers = [...table.tHead.rows[0].cells].map((c) => c.textContent);
      const ci = headers.indexOf('Connected to');
      return { headers, rows: [...table.tBodies[0].rows].map((r) => ({
        depth: Number(r.dataset.depth), name: r.cells[0].textContent, connected: ci >= 0 ? r.cells[ci].textContent : '',
        indent: parseFloat(getComputedStyle(r.cells[0]).paddingLeft),
      })) };`);
    assert.ok(dom.headers.includes('Connected to'));
    // Expected order: depth-first, nested rows right after their parent.
    const expected: { depth: number; layer: LayerRow }[] = [];
    const walk = (layers: LayerRow[], depth: number) => layers.forEach((l) => { expected.push({ depth, layer: l }); if (l.layers) walk(l.layers, depth + 1); });
    walk(p.layers, 0);
    assert.equal(dom.rows.length, expected.length);
    assert.ok(expected.some((e) => e.depth > 0), 'the fixture has a nested model');
    expected.forEach((e, i) => {
      assert.equal(dom.rows[i].depth, e.depth);
      assert.ok(dom.rows[i].name.includes(e.layer.name));
      if (e.depth === 0) assert.equal(dom.rows[i].connected, e.layer.inbound.length ? e.layer.inbound.join('\n') : '-');
    });
    const top = dom.rows.find((r) => r.depth === 0)!;
    const nested = dom.rows.find((r) => r.depth === 1)!;
    assert.ok(nested.indent > top.indent, 'nested rows are indented');
  });

  test('kernel strings are text, never HTML; several outputs one per line', async () => {
    const { payload } = readFixture<ModelSummaryPayload>('model-cifar-cnn');
    const p: ModelSummaryPayload = {
      ...payload,
      name: XSS,
      functional: true,
      layers: [
        { name: XSS, className: '<script>window.__xss = 1</script>', outputShapes: [[null, 10], [null, 4]], params: 1234567, trainable: false, inbound: [XSS] },
        ...payload.layers,
      ],
    };
    await renderPayload(MIME.modelSummary, p);
    const dom = await run<{ imgs: number; scripts: number; first: string[]; xss: unknown }>(`
      await new Promise((r) => setTimeout(r, 100));
      const row = el.querySelector('tbody tr');
      return { imgs: el.querySelectorAll('img').length, scripts: el.querySelectorAll('script').length,
        first: [...row.cells].map((c) => c.textContent), xss: window.__xss };`);
    assert.equal(dom.imgs, 0);
    assert.equal(dom.scripts, 0);
    assert.equal(dom.xss, undefined);
    assert.equal(dom.first[0], `${XSS} (<script>window.__xss = 1</script>)`);
    assert.equal(dom.first[1], '(None, 10)\n(None, 4)');
    assert.equal(dom.first[2], '1,234,567');
    assert.equal(dom.first[3], XSS);
    assert.equal(dom.first[4], 'N');
  });
});

describe('training renderer', () => {
  function expectedSeries(p: TrainingPayload, metric: string): number {
    return [p.batches.values[metric], p.epochValues.values[metric], p.epochValues.values[`val_${metric}`]].filter((v) => v && v.length > 0).length;
  }

  /** A later payload of the same run: more batches, one more epoch. */
  function later(p: TrainingPayload): TrainingPayload {
    const step = p.batches.x.length > 1 ? p.batches.x[1] - p.batches.x[0] : 0.01;
    const extra = 50;
    const lastX = p.batches.x[p.batches.x.length - 1] ?? 0;
    const values = (src: Record<string, unknown[]>, n: number) =>
      Object.fromEntries(Object.entries(src).map(([k, v]) => [k, [...v, ...Array.from({ length: n }, () => v[v.length - 1] ?? 0)]]));
    return {
      ...p,
      batch: p.batch + extra,
      epochsDone: p.epochsDone + 1,
      batches: { x: [...p.batches.x, ...Array.from({ length: extra }, (_, i) => lastX + step * (i + 1))], values: values(p.batches.values, extra) as TrainingPayload['batches']['values'] },
      epochValues: { x: [...p.epochValues.x, p.epochValues.x.length + 1], values: values(p.epochValues.values, 1) as TrainingPayload['epochValues']['values'] },
    };
  }

  test('training-running: progress line, one chart per metric, val_ with its metric, accuracy on [0, 1]', async () => {
    const { payload: p } = readFixture<TrainingPayload>('training-running');
    await renderFixture('training-running');
    const progress = await run<string>(`return el.querySelector('.bmnb-progress-line').textContent;`);
    assert.ok(progress.includes(`Epoch ${p.epoch + 1}/${p.epochs}`), progress);
    assert.ok(progress.includes(`batch ${p.batch}/${p.batchesPerEpoch ?? '?'}`), progress);
    assert.ok(progress.includes(p.status), progress);
    const list = await charts();
    assert.equal(list.length, p.metrics.length);
    p.metrics.forEach((metric, i) => {
      const c = list[i];
      assertAccessibleChart(c);
      assert.equal(c.type, 'line');
      assert.equal(c.series, expectedSeries(p, metric));
      assert.equal(c.datasets, c.series);
      assert.equal(c.columns.length, c.series + 1);
      assert.equal(c.columns[0], 'epoch');
      if (p.epochValues.values[`val_${metric}`]?.length) assert.ok(c.columns.includes(`val_${metric}`), `val_${metric} drawn with ${metric}`);
      assert.equal(c.points[0], p.batches.values[metric].length);
    });
    const ranges = await run<{ title: string; min: number; max: number; optMin: unknown; optMax: unknown }[]>(`
      return [...el.querySelectorAll('.bmnb-chart')].map((c) => {
        const chart = bmnb.chart(c.querySelector('canvas'));
        return { title: c.querySelector('.bmnb-chart-title').textContent, min: chart.scales.y.min, max: chart.scales.y.max,
          optMin: chart.options.scales.y.min, optMax: chart.options.scales.y.max };
      });`);
    for (const r of ranges) {
      if (/acc/i.test(r.title)) {
        assert.deepEqual([r.min, r.max, r.optMin, r.optMax], [0, 1, 0, 1], `${r.title} is drawn on [0, 1]`);
      } else {
        assert.equal(r.optMin, undefined, `${r.title} has a free y range`);
      }
    }
    assert.ok(ranges.some((r) => /acc/i.test(r.title)), 'the fixture has an accuracy metric');
  });

  test('updates in place: same canvases and Chart instances, more points; a new element with the same output id reuses them', async () => {
    const { payload: p } = readFixture<TrainingPayload>('training-running');
    const next = later(p);
    await run(`bmnb.clear(); bmnb.setTheme('light');
      window.el = await bmnb.render(${JSON.stringify(MIME.training)}, ${JSON.stringify(p)}, { id: 'fit-1' });
      await bmnb.frames();
      window.canvases = [...el.querySelectorAll('canvas')];
      window.chartIds = canvases.map((c) => bmnb.chart(c).id);
      window.chartCount = Object.keys((await bmnb.load('training')).mod.Chart.instances).length;`);
    const before = await run<number[]>(`return canvases.map((c) => bmnb.chart(c).data.datasets[0].data.length);`);
    await run(`window.mutations = 0;
      const elements = (nodes) => [...nodes].filter((n) => n.nodeType === Node.ELEMENT_NODE).length;
      new MutationObserver((records) => { for (const r of records) window.mutations += elements(r.addedNodes) + elements(r.removedNodes); })
        .observe(el, { childList: true, subtree: true, characterData: false });
      await bmnb.render(${JSON.stringify(MIME.training)}, ${JSON.stringify(next)}, { id: 'fit-1', element: el });
      await bmnb.frames();`);
    const afterUpdate = await run<{ same: boolean; ids: boolean; count: number; lengths: number[]; structural: number; series: string[] }>(`
      const now = [...el.querySelectorAll('canvas')];
      return {
        same: now.length === canvases.length && now.every((c, i) => c === canvases[i]),
        ids: now.every((c, i) => bmnb.chart(c).id === chartIds[i]),
        count: Object.keys((await bmnb.load('training')).mod.Chart.instances).length,
        lengths: now.map((c) => bmnb.chart(c).data.datasets[0].data.length),
        structural: window.mutations,
        series: [...el.querySelectorAll('.bmnb-chart')].map((c) => c.dataset.series),
      };`);
    assert.ok(afterUpdate.same, 'the same canvas elements remain');
    assert.ok(afterUpdate.ids, 'the same Chart.js instances draw them');
    const chartCount = await run<number>(`return window.chartCount;`);
    assert.equal(afterUpdate.count, chartCount, 'no Chart instance created');
    afterUpdate.lengths.forEach((n, i) => assert.ok(n > before[i], `chart ${i}: ${before[i]} -> ${n} points`));
    assert.deepEqual(afterUpdate.lengths, p.metrics.map((m) => next.batches.values[m].length));
    // Only text and attributes changed: no element was added or removed (the data tables are closed).
    assert.equal(afterUpdate.structural, 0, 'no DOM re-created on update');

    // VS Code may hand a new element for the same output id: the view (and its canvases) moves there.
    const moved = await run<{ same: boolean; inNew: boolean; status: string }>(`
      const fresh = bmnb.newElement('fit-1');
      await bmnb.render(${JSON.stringify(MIME.training)}, ${JSON.stringify({ ...next, status: 'done' })}, { id: 'fit-1', element: fresh });
      await bmnb.frames();
      const now = [...fresh.querySelectorAll('canvas')];
      return { same: now.length === canvases.length && now.every((c, i) => c === canvases[i]), inNew: now.length > 0,
        status: fresh.querySelector('.bmnb-status').textContent };`);
    assert.ok(moved.inNew && moved.same, 'same canvases in the new element');
    assert.equal(moved.status, 'done');

    // disposeOutputItem destroys the charts.
    const afterDispose = await run<number>(`const t = await bmnb.load('training'); t.api.disposeOutputItem('fit-1');
      return Object.keys(t.mod.Chart.instances).length;`);
    assert.equal(afterDispose, chartCount - p.metrics.length);
  });

  test('training-done: finished status, all epochs', async () => {
    const { payload: p } = readFixture<TrainingPayload>('training-done');
    await renderFixture('training-done');
    const progress = await run<string>(`return el.querySelector('.bmnb-progress-line').textContent;`);
    assert.ok(progress.includes(p.status), progress);
    assert.ok(progress.includes(`Epoch ${p.epochs}/${p.epochs}`), progress);
    const list = await charts();
    assert.equal(list.length, p.metrics.length);
    p.metrics.forEach((m, i) => assert.equal(list[i].series, expectedSeries(p, m)));
  });

  test('a metric named like markup is text', async () => {
    const { payload } = readFixture<TrainingPayload>('training-running');
    const p: TrainingPayload = { ...payload, metrics: [XSS], batches: { x: [0.1, 0.2], values: { [XSS]: [1, 0.5] } }, epochValues: { x: [], values: {} } };
    await renderPayload(MIME.training, p);
    const dom = await run<{ imgs: number; title: string; xss: unknown }>(`await new Promise((r) => setTimeout(r, 100));
      return { imgs: el.querySelectorAll('img').length, title: el.querySelector('.bmnb-chart-title').textContent, xss: window.__xss };`);
    assert.deepEqual(dom, { imgs: 0, title: XSS, xss: undefined });
  });
});

describe('chart renderer', () => {
  for (const name of ['chart-line', 'chart-scatter', 'chart-bar', 'chart-histogram'] as const) {
    test(`${name}: one dataset and one data-table column per series`, async () => {
      const { payload } = readFixture<ChartPayload>(name);
      const p = payload as Exclude<ChartPayload, { kind: 'heatmap' | 'confusion' }>;
      await renderFixture(name);
      const [c] = await charts();
      assertAccessibleChart(c);
      const series = p.series.length;
      assert.equal(c.series, series);
      assert.equal(c.datasets, series);
      assert.equal(c.columns.length, series + 1);
      assert.deepEqual(c.columns.slice(1), p.series.map((s) => s.name));
      assert.equal(c.type, p.kind === 'bar' || p.kind === 'histogram' ? 'bar' : 'line');
      if (p.kind === 'line' || p.kind === 'scatter') {
        assert.deepEqual(c.points, p.series.map((s) => Math.min(s.x.length, s.y.length)));
        // Every point is inside the x axis (scatter data is not sorted by x).
        const xs = p.series.flatMap((s) => s.x);
        const range = await run<{ min: number; max: number }>(`const x = bmnb.chart(el.querySelector('canvas')).scales.x; return { min: x.min, max: x.max };`);
        assert.ok(range.min <= Math.min(...xs) && range.max >= Math.max(...xs), `x axis ${range.min}..${range.max} holds all points`);
      }
      await openDataTables();
      const rows = await run<number>(`return el.querySelector('.bmnb-chart details tbody').rows.length;`);
      if (p.kind === 'bar') assert.equal(rows, p.categories.length);
      if (p.kind === 'histogram') assert.equal(rows, p.edges.length - 1);
      if (p.kind === 'line' || p.kind === 'scatter') assert.equal(rows, new Set(p.series.flatMap((s) => s.x)).size);
    });
  }

  for (const name of ['chart-heatmap', 'chart-confusion'] as const) {
    test(`${name}: a matrix chart with labeled axes and cell values`, async () => {
      const { payload } = readFixture<ChartPayload>(name);
      const p = payload as Extract<ChartPayload, { kind: 'heatmap' | 'confusion' }>;
      await renderFixture(name);
      const [c] = await charts();
      assertAccessibleChart(c);
      assert.equal(c.type, 'matrix');
      assert.equal(c.series, 1);
      assert.deepEqual(c.points, [p.rows.length * p.cols.length]);
      assert.equal(c.columns.length, p.cols.length + 1);
      const axes = await run<{ x: string; y: string; xLabels: string[]; yLabels: string[]; labelPlugin: boolean }>(`
        const chart = bmnb.chart(el.querySelector('canvas'));
        return { x: chart.options.scales.x.title.text, y: chart.options.scales.y.title.text,
          xLabels: chart.scales.x.getLabels(), yLabels: chart.scales.y.getLabels(),
          labelPlugin: chart.config.plugins.some((pl) => pl.id === 'bmnbCellLabels') };`);
      assert.equal(axes.xLabels.length, p.cols.length);
      const rowPixels = await run<number[]>(`const y = bmnb.chart(el.querySelector('canvas')).scales.y; return [y.getPixelForValue(0), y.getPixelForValue(y.getLabels().length - 1)];`);
      assert.ok(rowPixels[0] < rowPixels[1], 'the first row is drawn on top');
      assert.equal(axes.yLabels.length, p.rows.length);
      if (p.kind === 'confusion') {
        assert.equal(axes.y, p.yLabel ?? 'True');
        assert.equal(axes.x, p.xLabel ?? 'Predicted');
      }
      assert.ok(axes.labelPlugin);
      if (p.rows.length <= 20 && p.cols.length <= 20) {
        // The values are written in the cells: the canvas has pixels of the foreground color in the
        // middle of the lightest cell.
        const written = await run<boolean>(`
          const chart = bmnb.chart(el.querySelector('canvas'));
          const meta = chart.getDatasetMeta(0);
          const data = chart.data.datasets[0].data;
          let lightest = 0;
          data.forEach((d, i) => { if (d.v < data[lightest].v) lightest = i; });
          const { x, y } = meta.data[lightest].getCenterPoint();
          const ratio = chart.currentDevicePixelRatio;
          const px = chart.ctx.getImageData(Math.round((x - 6) * ratio), Math.round((y - 5) * ratio), Math.round(12 * ratio), Math.round(10 * ratio)).data;
          let dark = 0;
          for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 200 && px[i + 3] > 128) dark++;
          return dark > 3;`);
        assert.ok(written, 'a value is drawn in the cell');
      }
    });
  }

  test('chart titles and series names are text', async () => {
    const p: ChartPayload = { version: 1, kind: 'line', title: XSS, xLabel: XSS, series: [{ name: XSS, x: [0, 1], y: [0, 1] }] };
    await renderPayload(MIME.chart, p);
    const dom = await run<{ imgs: number; title: string; column: string; xss: unknown }>(`await new Promise((r) => setTimeout(r, 100));
      return { imgs: el.querySelectorAll('img').length, title: el.querySelector('.bmnb-chart-title').textContent,
        column: el.querySelectorAll('details thead th')[1].textContent, xss: window.__xss };`);
    assert.deepEqual(dom, { imgs: 0, title: XSS, column: XSS, xss: undefined });
  });
});

describe('all renderers', () => {
  test('theme switch recolors the charts (light → dark → high contrast) and the HTML', async () => {
    await renderFixture('chart-line', 'light');
    const read = () =>
      run<{ ticks: string; legend: string; grid: string; text: string }>(`const chart = bmnb.chart(el.querySelector('canvas'));
        return { ticks: chart.options.scales.x.ticks.color, legend: chart.options.plugins.legend.labels.color,
          grid: chart.options.scales.x.grid.color, text: getComputedStyle(el.querySelector('.bmnb')).color };`);
    const light = await read();
    assert.equal(light.ticks, THEMES.light['editor-foreground']);
    await run(`bmnb.setTheme('dark'); await bmnb.frames();`);
    const dark = await read();
    assert.equal(dark.ticks, THEMES.dark['editor-foreground']);
    assert.equal(dark.legend, THEMES.dark['editor-foreground']);
    assert.notEqual(dark.text, light.text, 'HTML text follows the theme too');
    await run(`bmnb.setTheme('high-contrast'); await bmnb.frames();`);
    const hc = await read();
    assert.equal(hc.ticks, THEMES['high-contrast']['editor-foreground']);
    assert.equal(hc.grid, THEMES['high-contrast'].contrastBorder, 'high contrast draws grid lines in the contrast border color');
  });

  test('a payload of an unknown version says what to do instead of drawing', async () => {
    await renderPayload(MIME.tensor, { version: 2, dtype: 'float32' });
    const text = await run<string>(`return el.querySelector('[role="alert"]').textContent;`);
    assert.match(text, /version 2.*Update the extension/);
  });

  test('screenshots of every fixture in light and dark', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const name of FIXTURE_NAMES) {
      for (const theme of ['light', 'dark'] as const) {
        await renderFixture(name, theme);
        await run(`await Promise.all([...el.querySelectorAll('img')].map((i) => i.decode().catch(() => undefined))); await bmnb.frames();`);
        await page.page.screenshot({ path: join(SCREENSHOTS, `${name}-${theme}.png`), fullPage: true });
      }
    }
  });
});

/** Draws a tensor payload: header, statistics, image grid, value table, histogram, notes. */
import type { TensorPayload, TensorStats, TensorTable, TensorImages } from '../../protocol/outputs';
import type { ChartFigure } from '../common/chart';
import { h } from '../common/dom';
import { formatShape, formatValue, kerasBytes, thousands } from '../common/format';
import { histogramFigure } from '../common/histogram';
import { buildTable, type Cell } from '../common/table';

export const TENSOR_CSS = `
.bmnb-tensor-header .bmnb-name { font-weight: 600; }
.bmnb-tensor-header code { font-size: .95em; }
.bmnb-stats { font-size: .92em; }
.bmnb-stat code { margin-left: 3px; background: none; padding: 0; }
.bmnb-table .bmnb-elided { opacity: .6; text-align: center; }
.bmnb-images { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 6px; }
.bmnb-image { margin: 0; text-align: center; }
.bmnb-image img { display: block; image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid var(--vscode-charts-lines, rgba(128, 128, 128, .35)); }
.bmnb-image figcaption { font-size: .75em; opacity: .7; }
.bmnb-tensor .bmnb-chart { max-width: 760px; }
`;

/** Something drawn that holds resources (charts). */
export interface Drawn {
  dispose(): void;
}

function header(p: TensorPayload): HTMLElement {
  const part = (label: string, value: string, code = false): HTMLElement =>
    h('span', {}, [h('span', { class: 'bmnb-muted', text: `${label} ` }), code ? h('code', { text: value }) : value]);
  return h('div', { class: 'bmnb-row bmnb-tensor-header' }, [
    p.name ? h('span', { class: 'bmnb-name', text: p.name }) : h('span', { class: 'bmnb-name', text: 'Tensor' }),
    part('dtype', p.dtype, true),
    part('shape', formatShape(p.shape), true),
    part('size', thousands(p.size)),
    part('bytes', kerasBytes(p.bytes)),
    part('backend', p.backend),
  ]);
}

function stats(s: TensorStats | null): HTMLElement {
  if (!s) return h('div', { class: 'bmnb-row bmnb-stats bmnb-muted bmnb-small', text: 'No statistics: the values are not numbers.' });
  const item = (label: string, value: string, cls = '', title?: string): HTMLElement =>
    h('span', { class: ['bmnb-stat', cls].filter(Boolean).join(' '), title, attrs: { role: 'listitem' } }, [
      h('span', { class: cls ? '' : 'bmnb-muted', text: label }),
      h('code', { text: value }),
    ]);
  const num = (v: number | null): string => (v === null ? '—' : formatValue(v));
  return h('div', { class: 'bmnb-row bmnb-stats', attrs: { role: 'list', 'aria-label': 'statistics' } }, [
    item('min', num(s.min)),
    item('max', num(s.max)),
    item('mean', num(s.mean)),
    item('std', num(s.std)),
    item('zeros', thousands(s.zeros)),
    s.nan > 0
      ? item('⚠ NaN', thousands(s.nan), 'bmnb-nan', `${thousands(s.nan)} value${s.nan === 1 ? ' is' : 's are'} NaN (left out of min, max, mean and std)`)
      : item('NaN', '0'),
    s.inf > 0
      ? item('⚠ Inf', thousands(s.inf), 'bmnb-inf', `${thousands(s.inf)} value${s.inf === 1 ? ' is' : 's are'} ±Infinity (left out of min, max, mean and std)`)
      : item('Inf', '0'),
  ]);
}

const MAX_STRING = 60;

function valueCell(v: TensorTable['values'][number][number], isString: boolean): Cell {
  if (v === null) return { text: '…', class: 'bmnb-elided' };
  if (isString) {
    const s = String(v);
    return s.length > MAX_STRING ? { text: JSON.stringify(s.slice(0, MAX_STRING)) + '…', title: s } : { text: JSON.stringify(s) };
  }
  if (v === 'NaN') return { text: 'NaN', class: 'bmnb-nan', title: 'not a number' };
  if (v === 'Infinity' || v === '-Infinity') return { text: v === 'Infinity' ? 'Inf' : '-Inf', class: 'bmnb-inf', title: v };
  return formatValue(v);
}

function table(t: TensorTable, isString: boolean): HTMLElement {
  const index = (i: number | null): Cell => (i === null ? { text: '…', class: 'bmnb-elided' } : String(i));
  return h('div', { class: 'bmnb-scroll bmnb-tensor-table' }, [
    buildTable({
      caption: t.label,
      columns: ['', ...t.colIndex.map(index)],
      rows: t.values.map((row, r) => [index(t.rowIndex[r] ?? null), ...row.map((v) => valueCell(v, isString))]),
      rowHeaders: true,
      numeric: !isString,
    }),
  ]);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function images(img: TensorImages): HTMLElement {
  const scale = Math.max(1, Math.floor(96 / Math.max(img.width, img.height, 1)));
  const channels = img.channels === 1 ? 'grayscale' : img.channels === 3 ? 'RGB' : 'RGBA';
  const size = `${img.sourceWidth}×${img.sourceHeight}` + (img.sourceWidth !== img.width || img.sourceHeight !== img.height ? ` (shown at ${img.width}×${img.height})` : '');
  const caption = `${img.shown < img.count ? `first ${thousands(img.shown)} of ${thousands(img.count)}` : thousands(img.count)} image${img.count === 1 ? '' : 's'} · ${size} · ${channels} · ${img.scaling}`;
  const figures = img.png.map((png, i) => {
    const el = h('img', { attrs: { alt: `image ${i + 1} of ${img.count}`, width: String(img.width * scale), height: String(img.height * scale) } });
    if (BASE64.test(png)) el.src = `data:image/png;base64,${png}`;
    return h('figure', { class: 'bmnb-image' }, [el, h('figcaption', { text: String(i) })]);
  });
  return h('div', { class: 'bmnb-tensor-images' }, [
    h('div', { class: 'bmnb-small bmnb-muted', text: caption }),
    h('div', { class: 'bmnb-images' }, figures),
  ]);
}

/** Draws `payload` into `element` (replacing what was there). */
export function render(element: HTMLElement, payload: TensorPayload): Drawn {
  const isString = payload.dtype === 'string';
  const histogramBox = h('div', { class: 'bmnb-tensor-histogram' });
  const hasHistogram = !!payload.histogram && payload.histogram.counts.length > 0;
  element.replaceChildren(
    ...[
      header(payload),
      stats(payload.stats),
      payload.images && payload.images.png.length > 0 ? images(payload.images) : null,
      payload.table ? table(payload.table, isString) : null,
      hasHistogram ? histogramBox : null,
      payload.notes && payload.notes.length > 0 ? h('ul', { class: 'bmnb-notes' }, payload.notes.map((n) => h('li', { text: n }))) : null,
    ].filter((x): x is HTMLElement => x !== null),
  );
  let histogram: ChartFigure<'bar'> | undefined;
  if (hasHistogram && payload.histogram) {
    histogram = histogramFigure(
      {
        edges: payload.histogram.edges,
        series: [{ name: 'count', counts: payload.histogram.counts }],
        title: 'Histogram',
        subject: `the finite values of ${payload.name ?? 'the tensor'}`,
      },
      histogramBox,
    );
  }
  return { dispose: () => histogram?.destroy() };
}

/** Draws a model summary as Keras 3 prints it: one table row per layer, then the totals. */
import type { LayerRow, ModelSummaryPayload } from '../../protocol/outputs';
import { h } from '../common/dom';
import { kerasBytes, kerasShape, thousands } from '../common/format';

export const MODEL_CSS = `
.bmnb-model-title { font-weight: 600; }
.bmnb-model-table { margin-top: 4px; }
.bmnb-model-table td, .bmnb-model-table th { white-space: pre; }
.bmnb-model-table .bmnb-layer-type { opacity: .75; }
.bmnb-model-table tr.bmnb-nested td:first-child { border-left: 2px solid var(--vscode-charts-lines, rgba(128, 128, 128, .35)); }
.bmnb-model-table tr.bmnb-frozen td { opacity: .7; }
.bmnb-totals { margin-top: 6px; font-family: var(--vscode-editor-font-family, monospace); }
.bmnb-totals-label { font-weight: 600; }
`;

function shapes(list: (number | null)[][]): string {
  return list.length === 0 ? '?' : list.map(kerasShape).join('\n');
}

function rows(layers: LayerRow[], functional: boolean, depth: number, out: HTMLTableRowElement[]): void {
  for (const layer of layers) {
    const nameCell = h('td', { class: 'bmnb-layer-name' }, [
      depth > 0 ? h('span', { class: 'bmnb-muted', text: '└ ' }) : null,
      layer.name,
      h('span', { class: 'bmnb-layer-type', text: ` (${layer.className})` }),
    ]);
    nameCell.style.paddingLeft = `${8 + depth * 20}px`;
    const cells = [
      nameCell,
      h('td', { text: shapes(layer.outputShapes) }),
      h('td', { class: 'bmnb-num', text: thousands(layer.params) }),
      functional ? h('td', { text: layer.inbound.length > 0 ? layer.inbound.join('\n') : '-' }) : null,
      h('td', { text: layer.trainable ? 'Y' : 'N', title: layer.trainable ? 'trainable' : 'not trainable (frozen)' }),
    ];
    const cls = [depth > 0 ? 'bmnb-nested' : '', layer.trainable ? '' : 'bmnb-frozen'].filter(Boolean).join(' ');
    out.push(h('tr', { class: cls, attrs: { 'data-depth': String(depth) } }, cells));
    if (layer.layers && layer.layers.length > 0) rows(layer.layers, functional, depth + 1, out);
  }
}

function total(label: string, params: number, bytes: number): HTMLElement {
  return h('div', {}, [h('span', { class: 'bmnb-totals-label', text: label }), ` ${thousands(params)} (${kerasBytes(bytes)})`]);
}

/** Draws `payload` into `element` (replacing what was there). */
export function render(element: HTMLElement, payload: ModelSummaryPayload): void {
  const columns = ['Layer (type)', 'Output Shape', 'Param #', ...(payload.functional ? ['Connected to'] : []), 'Trainable'];
  const head = h('tr', {}, columns.map((c) => h('th', { text: c, class: c === 'Param #' ? 'bmnb-num' : '', attrs: { scope: 'col' } })));
  const body: HTMLTableRowElement[] = [];
  rows(payload.layers, payload.functional, 0, body);
  const t = payload.totals;
  element.replaceChildren(
    h('div', { class: 'bmnb-row' }, [
      h('span', { class: 'bmnb-model-title', text: `Model: "${payload.name}"` }),
      h('span', { class: 'bmnb-muted', text: payload.className }),
      h('span', { class: 'bmnb-muted bmnb-small', text: `input ${shapes(payload.inputShapes).replace(/\n/g, ', ')} → output ${shapes(payload.outputShapes).replace(/\n/g, ', ')}` }),
    ]),
    h('div', { class: 'bmnb-scroll' }, [
      h('table', { class: 'bmnb-table bmnb-model-table', attrs: { 'aria-label': `Layers of ${payload.name}` } }, [h('thead', {}, [head]), h('tbody', {}, body)]),
    ]),
    h('div', { class: 'bmnb-totals' }, [
      total('Total params:', t.params, t.paramBytes),
      total('Trainable params:', t.trainable, t.trainableBytes),
      total('Non-trainable params:', t.nonTrainable, t.nonTrainableBytes),
    ]),
  );
}

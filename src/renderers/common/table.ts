/** HTML tables: the visible ones (tensor preview, model summary) and every chart's data-table alternative. */
import { h } from './dom';

export type Cell = string | { text: string; class?: string; title?: string };

export interface TableSpec {
  /** Column headings; the first column is a row header (`<th scope="row">`) when `rowHeaders` is set. */
  columns: Cell[];
  rows: Cell[][];
  rowHeaders?: boolean;
  /** Right-align every column but the first (numbers). */
  numeric?: boolean;
  caption?: string;
  class?: string;
}

function cell(tag: 'td' | 'th', c: Cell, extraClass: string): HTMLTableCellElement {
  const spec = typeof c === 'string' ? { text: c } : c;
  const el = h(tag, { class: [extraClass, spec.class].filter(Boolean).join(' '), text: spec.text, title: spec.title });
  return el;
}

export function buildTable(spec: TableSpec): HTMLTableElement {
  const table = h('table', { class: ['bmnb-table', spec.class].filter(Boolean).join(' ') });
  if (spec.caption) table.appendChild(h('caption', { class: 'bmnb-small bmnb-muted', text: spec.caption }));
  const head = h('tr', {}, spec.columns.map((c, i) => cell('th', c, spec.numeric && i > 0 ? 'bmnb-num' : '')));
  for (const th of head.children) th.setAttribute('scope', 'col');
  table.appendChild(h('thead', {}, [head]));
  table.appendChild(buildBody(spec.rows, !!spec.rowHeaders, !!spec.numeric));
  return table;
}

function buildBody(rows: Cell[][], rowHeaders: boolean, numeric: boolean): HTMLTableSectionElement {
  const body = document.createElement('tbody');
  for (const row of rows) {
    const tr = document.createElement('tr');
    row.forEach((c, i) => {
      const el = cell(rowHeaders && i === 0 ? 'th' : 'td', c, numeric && i > 0 ? 'bmnb-num' : '');
      if (rowHeaders && i === 0) el.setAttribute('scope', 'row');
      tr.appendChild(el);
    });
    body.appendChild(tr);
  }
  return body;
}

/**
 * `<details><summary>Data table</summary><table>…</table></details>`: the readable alternative of a
 * chart, one column per series plus the x column. The header is always there; the body is built
 * when the details are open (or opened), so charts updated ten times a second don't rebuild a
 * hidden table each time.
 */
export class DataTableDetails {
  readonly element: HTMLDetailsElement;
  private readonly table: HTMLTableElement;
  private columnsKey = '';
  private rows: () => string[][] = () => [];
  private dirty = true;

  constructor(summary = 'Data table') {
    this.table = h('table', { class: 'bmnb-table' }, [h('thead'), h('tbody')]);
    this.element = h('details', { class: 'bmnb-details' }, [h('summary', { text: summary }), h('div', { class: 'bmnb-scroll' }, [this.table])]);
    this.element.addEventListener('toggle', () => {
      if (this.element.open && this.dirty) this.fill();
    });
  }

  /** Sets the columns and (lazily) the rows: `rows` is called when the table is shown. */
  set(columns: string[], rows: () => string[][]): void {
    const key = JSON.stringify(columns);
    if (key !== this.columnsKey) {
      this.columnsKey = key;
      const tr = h('tr', {}, columns.map((c, i) => h('th', { class: i > 0 ? 'bmnb-num' : '', text: c, attrs: { scope: 'col' } })));
      this.table.tHead!.replaceChildren(tr);
    }
    this.rows = rows;
    this.dirty = true;
    if (this.element.open) this.fill();
  }

  private fill(): void {
    this.dirty = false;
    this.table.tBodies[0].replaceWith(buildBody(this.rows(), true, true));
  }
}

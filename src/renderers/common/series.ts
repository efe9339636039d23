/** Series on different x grids as one data table: the union of their x values, one column per series. */
import type { JsonNumber } from '../../protocol/outputs';
import { formatValue } from './format';

export interface TableSeries {
  x: number[];
  y: (JsonNumber | null)[];
}

export function unionRows(series: TableSeries[], formatX: (x: number) => string = formatValue): string[][] {
  const byX = new Map<number, string[]>();
  series.forEach((s, col) => {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      let row = byX.get(s.x[i]);
      if (!row) byX.set(s.x[i], (row = new Array<string>(series.length).fill('')));
      row[col] = formatValue(s.y[i]);
    }
  });
  return [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([x, row]) => [formatX(x), ...row]);
}

/**
 * Draws a generic chart payload: line, scatter, bar, histogram, heatmap and confusion matrix
 * (the last two with chartjs-chart-matrix, values written in the cells when the matrix is small).
 */
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type Plugin, type ScriptableContext,
} from 'chart.js';
import { MatrixController, MatrixElement, type MatrixDataPoint } from 'chartjs-chart-matrix';
import type { BarChart, ChartPayload, HeatmapChart, LineChart } from '../../protocol/outputs';
import { axis, baseOptions, chartFontSize, ChartFigure, chartOptions, lineWidth } from '../common/chart';
import { formatValue, plotValue, thousands, toNumber } from '../common/format';
import { histogramFigure } from '../common/histogram';
import { unionRows } from '../common/series';
import { readTheme, withAlpha, type Theme } from '../common/theme';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, Legend, Tooltip, MatrixController, MatrixElement);

export const CHART_CSS = `
.bmnb-chart-figure .bmnb-chart { max-width: 900px; }
`;

export interface Drawn {
  dispose(): void;
}

/** Matrices up to this size get their values written in the cells. */
export const LABELED_MATRIX_MAX = 20;

function list(names: string[]): string {
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')}, …`;
}

function lineFigure(p: LineChart, parent: HTMLElement): ChartFigure<'line'> {
  const scatter = p.kind === 'scatter';
  const xs = p.series.flatMap((s) => s.x);
  const range = xs.length > 0 ? ` x from ${formatValue(Math.min(...xs))} to ${formatValue(Math.max(...xs))}` : '';
  const figure = new ChartFigure<'line'>(
    {
      type: 'line',
      title: p.title,
      height: 260,
      series: p.series.length,
      ariaLabel: `${scatter ? 'Scatter plot' : 'Line chart'}${p.title ? ` "${p.title}"` : ''} of ${p.series.length} series (${list(p.series.map((s) => s.name))});${range}` +
        `${p.xLabel ? ` (${p.xLabel})` : ''}${p.yLabel ? `, y is ${p.yLabel}` : ''}.`,
      data: {
        datasets: p.series.map((s) => {
          const n = Math.min(s.x.length, s.y.length);
          return {
            label: s.name,
            data: Array.from({ length: n }, (_, i) => ({ x: s.x[i], y: plotValue(s.y[i]) ?? NaN })),
            showLine: !scatter,
            pointRadius: scatter ? 3 : n > 60 ? 0 : 2,
            tension: 0,
          };
        }),
      },
      colorize: (data, theme) =>
        data.datasets.forEach((ds, i) => {
          const color = theme.palette[i % theme.palette.length];
          ds.borderColor = color;
          ds.backgroundColor = scatter ? withAlpha(color, 0.6) : color;
          ds.borderWidth = lineWidth(theme, scatter ? 1 : 2);
        }),
      options: (theme) =>
        chartOptions<'line'>({
          // Parsed (no `parsing: false`): Chart.js would then assume x sorted, which scatter data is not.
          ...baseOptions(theme, true, scatter),
          interaction: scatter ? { mode: 'nearest', intersect: true } : { mode: 'nearest', axis: 'x', intersect: false },
          scales: { x: axis(theme, { title: p.xLabel }), y: axis(theme, { title: p.yLabel }) },
        }),
    },
    parent,
  );
  figure.table.set([p.xLabel || 'x', ...p.series.map((s) => s.name)], () => unionRows(p.series));
  return figure;
}

function barFigure(p: BarChart, parent: HTMLElement): ChartFigure<'bar'> {
  const figure = new ChartFigure<'bar'>(
    {
      type: 'bar',
      title: p.title,
      height: 260,
      series: p.series.length,
      ariaLabel: `Bar chart${p.title ? ` "${p.title}"` : ''} of ${p.categories.length} categories (${list(p.categories)}), ${p.series.length} series (${list(p.series.map((s) => s.name))}).`,
      data: {
        labels: p.categories,
        datasets: p.series.map((s) => ({ label: s.name, data: s.values.map((v) => plotValue(v)), borderWidth: 1 })),
      },
      colorize: (data, theme) =>
        data.datasets.forEach((ds, i) => {
          const color = theme.palette[i % theme.palette.length];
          ds.backgroundColor = withAlpha(color, 0.75);
          ds.borderColor = color;
        }),
      options: (theme) =>
        chartOptions<'bar'>({
          ...baseOptions(theme, p.series.length > 1),
          scales: { x: axis(theme, { type: 'category', title: p.xLabel, grid: false }), y: axis(theme, { title: p.yLabel, beginAtZero: true }) },
        }),
    },
    parent,
  );
  figure.table.set([p.xLabel || 'category', ...p.series.map((s) => s.name)], () =>
    p.categories.map((c, i) => [c, ...p.series.map((s) => formatValue(s.values[i] ?? null))]),
  );
  return figure;
}

/** Category labels must be unique for the matrix axes: repeated names get their index. */
function uniqueLabels(labels: string[]): string[] {
  const seen = new Map<string, number>();
  for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
  return labels.map((l, i) => (seen.get(l)! > 1 ? `${l} #${i}` : l));
}

interface Cell extends MatrixDataPoint {
  x: string;
  y: string;
  v: number;
}

function heatmapFigure(p: HeatmapChart, parent: HTMLElement): ChartFigure<'matrix'> {
  const confusion = p.kind === 'confusion';
  const rows = uniqueLabels(p.rows);
  const cols = uniqueLabels(p.cols);
  const rowTitle = p.yLabel ?? (confusion ? 'True' : 'row');
  const colTitle = p.xLabel ?? (confusion ? 'Predicted' : 'column');
  const cells: Cell[] = [];
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  let diagonal = 0;
  rows.forEach((r, i) =>
    cols.forEach((c, j) => {
      const v = toNumber(p.values[i]?.[j] ?? 'NaN');
      cells.push({ x: c, y: r, v });
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
        total += v;
        if (i === j) diagonal += v;
      }
    }),
  );
  if (confusion) min = Math.min(0, min);
  const span = max > min ? max - min : 1;
  // Confusion matrices use a square-root scale so that the off-diagonal mistakes stay visible.
  const level = (v: number): number => (Number.isFinite(v) ? (confusion ? Math.sqrt((v - min) / span) : (v - min) / span) : 0);
  const labeled = rows.length <= LABELED_MATRIX_MAX && cols.length <= LABELED_MATRIX_MAX;
  const cellText = (v: number): string => (Number.isFinite(v) ? (confusion ? thousands(v) : formatValue(Number(v.toPrecision(3)))) : String(v));
  let theme: Theme = readTheme();

  const labels: Plugin<'matrix'> = {
    id: 'bmnbCellLabels',
    afterDatasetsDraw(chart) {
      if (!labeled) return;
      const meta = chart.getDatasetMeta(0);
      const ctx = chart.ctx;
      ctx.save();
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      meta.data.forEach((element, i) => {
        const cell = cells[i];
        const { width, height } = element.getProps(['width', 'height'], true) as { width: number; height: number };
        const size = Math.min(chartFontSize(theme), Math.floor(height * 0.5), Math.floor(width / Math.max(2, cellText(cell.v).length) * 1.6));
        if (size < 7) return;
        const center = (element as unknown as { getCenterPoint(final: boolean): { x: number; y: number } }).getCenterPoint(true);
        ctx.font = `${size}px ${theme.fontFamily}`;
        ctx.fillStyle = level(cell.v) > 0.55 ? theme.background : theme.foreground;
        ctx.fillText(cellText(cell.v), center.x, center.y);
      });
      ctx.restore();
    },
  };

  const diag = confusion && total > 0 ? ` ${thousands(diagonal)} of ${thousands(total)} (${((100 * diagonal) / total).toFixed(1)}%) on the diagonal.` : '';
  const aria = confusion
    ? `Confusion matrix${p.title ? ` "${p.title}"` : ''} of ${rows.length} classes: rows are the true class, columns the predicted class.${diag}`
    : `Heatmap${p.title ? ` "${p.title}"` : ''} of ${rows.length} rows (${rowTitle}) by ${cols.length} columns (${colTitle}), values from ${formatValue(min)} to ${formatValue(max)}.`;

  const figure = new ChartFigure<'matrix'>(
    {
      type: 'matrix',
      title: p.title,
      height: Math.min(620, Math.max(220, 30 * rows.length + 90)),
      series: 1,
      ariaLabel: aria,
      data: {
        datasets: [
          {
            label: p.title ?? (confusion ? 'count' : 'value'),
            data: cells,
            borderWidth: 0,
            width: ({ chart }: ScriptableContext<'matrix'>) => (chart.chartArea?.width ?? 0) / cols.length - 1,
            height: ({ chart }: ScriptableContext<'matrix'>) => (chart.chartArea?.height ?? 0) / rows.length - 1,
          },
        ],
      },
      colorize: (data, t) => {
        theme = t;
        const ds = data.datasets[0];
        ds.backgroundColor = (ctx: ScriptableContext<'matrix'>) => {
          const v = cells[ctx.dataIndex]?.v ?? NaN;
          return Number.isFinite(v) ? withAlpha(t.blue, 0.06 + 0.94 * level(v)) : withAlpha(t.red, 0.35);
        };
        ds.hoverBackgroundColor = ds.backgroundColor;
      },
      options: (t) =>
        chartOptions<'matrix'>({
          ...baseOptions(t, false),
          scales: {
            x: axis(t, { type: 'category', labels: cols, offset: true, grid: false, title: colTitle }),
            y: axis(t, { type: 'category', labels: rows, offset: true, grid: false, title: rowTitle, reverse: false }), // first row on top (the matrix controller's default is reversed)
          },
          plugins: {
            ...baseOptions(t, false).plugins,
            tooltip: {
              ...baseOptions(t).plugins?.tooltip,
              callbacks: {
                title: (items: { dataIndex: number }[]) => {
                  const c = items[0] ? cells[items[0].dataIndex] : undefined;
                  return c ? `${rowTitle}: ${c.y} · ${colTitle}: ${c.x}` : '';
                },
                label: (item: { dataIndex: number }) => cellText(cells[item.dataIndex]?.v ?? NaN),
              },
            },
          },
        }),
      plugins: [labels],
    },
    parent,
  );
  figure.element.style.maxWidth = `${Math.max(360, 34 * cols.length + 160)}px`;
  figure.table.set([`${rowTitle} \\ ${colTitle}`, ...p.cols], () => p.rows.map((r, i) => [r, ...p.cols.map((_, j) => formatValue(p.values[i]?.[j] ?? null))]));
  return figure;
}

/** Draws `payload` into `element` (replacing what was there). */
export function render(element: HTMLElement, payload: ChartPayload): Drawn {
  element.replaceChildren();
  let figure: ChartFigure<'line'> | ChartFigure<'bar'> | ChartFigure<'matrix'>;
  switch (payload.kind) {
    case 'line':
    case 'scatter':
      figure = lineFigure(payload, element);
      break;
    case 'bar':
      figure = barFigure(payload, element);
      break;
    case 'histogram':
      figure = histogramFigure(
        { edges: payload.edges, series: payload.series, title: payload.title, xLabel: payload.xLabel, yLabel: payload.yLabel, subject: payload.title ?? 'the values', height: 260 },
        element,
      );
      break;
    case 'heatmap':
    case 'confusion':
      figure = heatmapFigure(payload, element);
      break;
    default:
      throw new Error(`unknown chart kind ${JSON.stringify((payload as { kind: unknown }).kind)}`);
  }
  return { dispose: () => figure.destroy() };
}

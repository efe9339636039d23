/** Histograms (equal-width bins) as a Chart.js bar chart with touching bars, plus their data table. */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { axis, baseOptions, ChartFigure, chartOptions } from './chart';
import { formatValue, thousands } from './format';
import { withAlpha } from './theme';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface HistogramSpec {
  edges: number[];
  series: { name: string; counts: number[] }[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** What is counted, for the aria-label ("values of x"). */
  subject: string;
  height?: number;
}

export function binLabel(edges: number[], i: number): string {
  const last = i === edges.length - 2;
  return `[${formatValue(edges[i])}, ${formatValue(edges[i + 1])}${last ? ']' : ')'}`;
}

export function histogramFigure(spec: HistogramSpec, parent: HTMLElement): ChartFigure<'bar'> {
  const { edges, series } = spec;
  const bins = Math.max(0, edges.length - 1);
  const centers = Array.from({ length: bins }, (_, i) => formatValue(Number(((edges[i] + edges[i + 1]) / 2).toPrecision(3))));
  const tallest = Math.max(0, ...series.flatMap((s) => s.counts));
  const aria = `Histogram of ${spec.subject}: ${bins} bins from ${formatValue(edges[0])} to ${formatValue(edges[bins])}` +
    `${series.length > 1 ? `, ${series.length} series (${series.map((s) => s.name).join(', ')})` : ''}; the tallest bin holds ${thousands(tallest)}.`;
  const figure = new ChartFigure<'bar'>({
    type: 'bar',
    title: spec.title,
    height: spec.height ?? 200,
    ariaLabel: aria,
    series: series.length,
    data: {
      labels: centers,
      datasets: series.map((s) => ({ label: s.name, data: s.counts, categoryPercentage: 1, barPercentage: 1, borderWidth: 1 })),
    },
    colorize: (data, theme) => {
      data.datasets.forEach((ds, i) => {
        const color = theme.palette[i % theme.palette.length];
        ds.backgroundColor = withAlpha(color, series.length > 1 ? 0.45 : 0.7);
        ds.borderColor = color;
      });
    },
    options: (theme) => chartOptions<'bar'>({
      ...baseOptions(theme, series.length > 1),
      scales: {
        x: axis(theme, { type: 'category', title: spec.xLabel ?? 'value', grid: false, maxRotation: 0 }),
        y: axis(theme, { title: spec.yLabel ?? 'count', beginAtZero: true }),
      },
      plugins: {
        ...baseOptions(theme, series.length > 1).plugins,
        tooltip: {
          ...baseOptions(theme).plugins?.tooltip,
          callbacks: { title: (items: { dataIndex: number }[]) => (items[0] ? binLabel(edges, items[0].dataIndex) : '') },
        },
      },
    }),
  }, parent);
  figure.table.set(['bin', ...series.map((s) => s.name)], () =>
    Array.from({ length: bins }, (_, i) => [binLabel(edges, i), ...series.map((s) => thousands(s.counts[i] ?? 0))]),
  );
  return figure;
}

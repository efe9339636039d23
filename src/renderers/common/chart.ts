/**
 * A chart as every renderer shows it: an optional title, a Chart.js canvas (role="img" with an
 * aria-label), and the data-table alternative under it; themed from VS Code's CSS variables and
 * redrawn when the theme changes. Each renderer registers the Chart.js parts it uses (so the
 * bundles only carry those); animations are off everywhere.
 */
import { Chart, type ChartData, type ChartOptions, type ChartType, type Plugin } from 'chart.js';
import { h } from './dom';
import { DataTableDetails } from './table';
import { onThemeChange, readTheme, withAlpha, type Theme } from './theme';

export interface FigureSpec<T extends ChartType> {
  type: T;
  /** Shown above the chart as text. */
  title?: string;
  /** Canvas height in CSS pixels (the width follows the output). */
  height: number;
  ariaLabel: string;
  /** How many series the chart draws (the container's `data-series`). */
  series: number;
  data: ChartData<T>;
  /** Options for a theme: called again on every theme change and refresh. */
  options: (theme: Theme) => ChartOptions<T>;
  /** Sets dataset colors for a theme: called again on every theme change and refresh. */
  colorize?: (data: ChartData<T>, theme: Theme) => void;
  plugins?: Plugin<T>[];
}

export function chartFontSize(theme: Theme): number {
  return Math.max(11, Math.min(14, Math.round(theme.fontSize * 0.92)));
}

/** Line width for a series: one pixel more in high-contrast themes. */
export function lineWidth(theme: Theme, base: number): number {
  return theme.kind.startsWith('high-contrast') ? base + 1 : base;
}

/** Options every chart shares: no animation, theme colors and fonts on text, legend and tooltip. */
export function baseOptions(theme: Theme, legend = true, pointStyleLegend = false): ChartOptions {
  const font = { family: theme.fontFamily, size: chartFontSize(theme) };
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    color: theme.foreground,
    borderColor: theme.grid,
    font,
    plugins: {
      legend: { display: legend, labels: { color: theme.foreground, font, boxWidth: 12, boxHeight: pointStyleLegend ? 8 : 12, usePointStyle: pointStyleLegend } },
      tooltip: {
        backgroundColor: withAlpha(theme.background, 0.95),
        titleColor: theme.foreground,
        bodyColor: theme.foreground,
        borderColor: theme.contrastBorder || theme.grid,
        borderWidth: 1,
        titleFont: font,
        bodyFont: font,
      },
    },
  };
}

export interface AxisSpec {
  type?: 'linear' | 'category' | 'logarithmic';
  title?: string;
  min?: number;
  max?: number;
  labels?: string[];
  offset?: boolean;
  grid?: boolean;
  reverse?: boolean;
  beginAtZero?: boolean;
  /** Tick formatter. */
  tick?: (value: number | string, index: number) => string;
  stepSize?: number;
  /** Largest tick label rotation in degrees (Chart.js default 50). */
  maxRotation?: number;
}

/** A cartesian axis with theme colors (`chart.options.scales.x.ticks.color` is the foreground). */
export function axis(theme: Theme, spec: AxisSpec): Record<string, unknown> {
  const font = { family: theme.fontFamily, size: chartFontSize(theme) };
  const ticks: Record<string, unknown> = { color: theme.foreground, font };
  if (spec.tick) ticks.callback = spec.tick;
  if (spec.stepSize !== undefined) ticks.stepSize = spec.stepSize;
  if (spec.maxRotation !== undefined) ticks.maxRotation = spec.maxRotation;
  const out: Record<string, unknown> = {
    type: spec.type ?? 'linear',
    title: { display: !!spec.title, text: spec.title ?? '', color: theme.foreground, font },
    ticks,
    grid: { color: theme.grid, display: spec.grid !== false },
    border: { color: theme.contrastBorder || theme.grid },
  };
  for (const key of ['min', 'max', 'labels', 'offset', 'reverse', 'beginAtZero'] as const) {
    if (spec[key] !== undefined) out[key] = spec[key];
  }
  return out;
}

/**
 * Chart.js's option types do not compose well with the spread, per-axis objects built here;
 * this is the one place they are cast (the browser tests check the options that matter).
 */
export function chartOptions<T extends ChartType>(options: unknown): ChartOptions<T> {
  return options as ChartOptions<T>;
}

export class ChartFigure<T extends ChartType = ChartType> {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly chart: Chart<T>;
  readonly table = new DataTableDetails();
  private readonly titleEl: HTMLDivElement;
  private readonly stopTheme: () => void;
  private destroyed = false;

  /** Appends the figure to `parent` (attached first, so Chart.js measures its real size), then draws. */
  constructor(readonly spec: FigureSpec<T>, parent: HTMLElement) {
    this.canvas = h('canvas', { attrs: { role: 'img', 'aria-label': spec.ariaLabel } });
    const frame = h('div', { class: 'bmnb-canvas' }, [this.canvas]);
    frame.style.height = `${spec.height}px`;
    this.titleEl = h('div', { class: 'bmnb-chart-title', text: spec.title ?? '' });
    this.titleEl.hidden = !spec.title;
    this.element = h('div', { class: 'bmnb-chart', attrs: { 'data-series': String(spec.series) } }, [this.titleEl, frame, this.table.element]);
    parent.appendChild(this.element);
    const theme = readTheme();
    spec.colorize?.(spec.data, theme);
    this.chart = new Chart(this.canvas, { type: spec.type, data: spec.data, options: spec.options(theme), plugins: spec.plugins });
    this.stopTheme = onThemeChange((t) => this.refresh(t));
  }

  setTitle(title: string | undefined): void {
    this.titleEl.textContent = title ?? '';
    this.titleEl.hidden = !title;
  }

  setAriaLabel(label: string): void {
    if (this.canvas.getAttribute('aria-label') !== label) this.canvas.setAttribute('aria-label', label);
  }

  setSeriesCount(n: number): void {
    this.element.dataset.series = String(n);
  }

  /** Applies the (current) theme and options again and redraws at once, without animation. */
  refresh(theme: Theme = readTheme()): void {
    this.spec.colorize?.(this.chart.data, theme);
    this.chart.options = this.spec.options(theme);
    this.chart.update('none');
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopTheme();
    this.chart.destroy();
  }
}

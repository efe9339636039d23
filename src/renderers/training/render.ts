/**
 * Draws live training progress: a progress line and one chart per base metric (per-batch line,
 * per-epoch points, and `val_<metric>` in the same chart). The kernel replaces the payload up to
 * ~10 times a second, so a view is updated in place: the DOM and the Chart.js instances stay, only
 * their data changes (`chart.update('none')`: no animation, no flicker).
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { JsonNumber, TrainingPayload } from '../../protocol/outputs';
import { axis, baseOptions, ChartFigure, chartOptions, lineWidth } from '../common/chart';
import { h } from '../common/dom';
import { formatDuration, formatValue, thousands, toNumber } from '../common/format';
import { unionRows } from '../common/series';
import { withAlpha } from '../common/theme';
import type { View } from '../common/view';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export const TRAINING_CSS = `
.bmnb-progress-line { font-variant-numeric: tabular-nums; }
.bmnb-status { font-weight: 600; text-transform: uppercase; font-size: .8em; letter-spacing: .04em; padding: 0 6px; border-radius: 3px; border: 1px solid currentColor; }
.bmnb-status-running { color: var(--vscode-charts-blue, #3794ff); }
.bmnb-status-done { color: var(--vscode-charts-green, #388a34); }
.bmnb-status-stopped { color: var(--vscode-editorWarning-foreground, #bf8803); }
.bmnb-status-error { color: var(--vscode-errorForeground, #f14c4c); }
.bmnb-progress { width: 100%; max-width: 760px; height: 6px; display: block; margin: 4px 0 2px; accent-color: var(--vscode-charts-blue, #3794ff); }
.bmnb-training-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 18px; }
`;

/** Accuracy-like metrics are drawn on a fixed [0, 1] axis. */
export function isAccuracy(metric: string): boolean {
  return /acc/i.test(metric);
}

interface Point {
  x: number;
  y: number;
}

interface Series {
  label: string;
  kind: 'batch' | 'epoch' | 'val';
  points: Point[];
  raw: JsonNumber[];
  x: number[];
}

function points(x: number[], values: JsonNumber[] | undefined): Point[] {
  const n = Math.min(x.length, values?.length ?? 0);
  const out = new Array<Point>(n);
  for (let i = 0; i < n; i++) {
    const y = toNumber(values![i]);
    out[i] = { x: x[i], y: Number.isFinite(y) ? y : NaN }; // NaN: a gap in the line
  }
  return out;
}

function seriesOf(p: TrainingPayload, metric: string): Series[] {
  const out: Series[] = [];
  const batch = p.batches.values[metric];
  if (batch && batch.length > 0) out.push({ label: `${metric} (per batch)`, kind: 'batch', points: points(p.batches.x, batch), raw: batch, x: p.batches.x });
  const epoch = p.epochValues.values[metric];
  if (epoch && epoch.length > 0) out.push({ label: `${metric} (per epoch)`, kind: 'epoch', points: points(p.epochValues.x, epoch), raw: epoch, x: p.epochValues.x });
  const val = p.epochValues.values[`val_${metric}`];
  if (val && val.length > 0) out.push({ label: `val_${metric}`, kind: 'val', points: points(p.epochValues.x, val), raw: val, x: p.epochValues.x });
  return out;
}

function last(s: Series | undefined): string {
  return s && s.raw.length > 0 ? formatValue(s.raw[s.raw.length - 1]) : '';
}

/** One metric's chart, updated in place. */
class MetricChart {
  readonly figure: ChartFigure<'line'>;
  private seriesKey = '';
  private epochs = 1;

  constructor(parent: HTMLElement, readonly metric: string, p: TrainingPayload) {
    const accuracy = isAccuracy(metric);
    this.figure = new ChartFigure<'line'>(
      {
        type: 'line',
        title: metric,
        height: 220,
        ariaLabel: metric,
        series: 0,
        data: { datasets: [] },
        colorize: (data, theme) => {
          for (const ds of data.datasets) {
            const kind = (ds as { bmnbKind?: Series['kind'] }).bmnbKind;
            const color = kind === 'val' ? theme.orange : theme.blue;
            ds.borderColor = kind === 'batch' ? withAlpha(color, 0.55) : color;
            ds.backgroundColor = color;
            ds.borderWidth = lineWidth(theme, kind === 'batch' ? 1 : 2);
          }
        },
        options: (theme) =>
          chartOptions<'line'>({
            ...baseOptions(theme, true, true),
            parsing: false,
            normalized: true,
            interaction: { mode: 'nearest', axis: 'x', intersect: false },
            scales: {
              x: axis(theme, { title: 'epoch', min: 0, max: this.epochs, stepSize: this.epochs <= 20 ? 1 : undefined }),
              y: axis(theme, accuracy ? { title: metric, min: 0, max: 1 } : { title: metric }),
            },
          }),
      },
      parent,
    );
    this.update(p);
  }

  update(p: TrainingPayload): void {
    this.epochs = Math.max(1, p.epochs);
    const series = seriesOf(p, this.metric);
    const key = series.map((s) => s.label).join('\u0000');
    const chart = this.figure.chart;
    if (key === this.seriesKey) {
      series.forEach((s, i) => {
        chart.data.datasets[i].data = s.points;
      });
    } else {
      this.seriesKey = key;
      chart.data.datasets = series.map((s) => ({
        label: s.label,
        data: s.points,
        bmnbKind: s.kind,
        pointRadius: s.kind === 'batch' ? 0 : 3,
        pointHoverRadius: s.kind === 'batch' ? 2 : 5,
        pointStyle: s.kind === 'val' ? 'rectRot' : s.kind === 'batch' ? 'line' : 'circle',
        borderDash: s.kind === 'val' ? [6, 3] : [],
        tension: 0,
        spanGaps: false,
      }));
      this.figure.setSeriesCount(series.length);
    }
    this.figure.refresh();
    const epoch = series.find((s) => s.kind === 'epoch');
    const val = series.find((s) => s.kind === 'val');
    const batch = series.find((s) => s.kind === 'batch');
    this.figure.setAriaLabel(
      `Line chart of ${this.metric} over ${p.epochs} epochs` +
        (batch ? `: ${batch.raw.length} per-batch points, last ${last(batch)}` : '') +
        (epoch ? `; per-epoch ${this.metric} ${epoch.raw.map(formatValue).join(', ')}` : '') +
        (val ? `; val_${this.metric} ${val.raw.map(formatValue).join(', ')}` : '') +
        (isAccuracy(this.metric) ? '; y axis from 0 to 1' : ''),
    );
    this.figure.table.set(['epoch', ...series.map((s) => s.label)], () =>
      unionRows(series.map((s) => ({ x: s.x, y: s.raw })), (x) => formatValue(Number(x.toFixed(4)))),
    );
  }

  destroy(): void {
    this.figure.destroy();
  }
}

function progressText(p: TrainingPayload): string {
  const parts: string[] = [];
  const finished = p.status !== 'running';
  const epochShown = finished ? Math.max(p.epochsDone, Math.min(p.epoch + 1, p.epochs)) : Math.min(p.epoch + 1, p.epochs);
  parts.push(`Epoch ${epochShown}/${p.epochs}`);
  if (!finished || p.status !== 'done') parts.push(`batch ${p.batch}/${p.batchesPerEpoch ?? '?'}`);
  if (p.samplesPerSecond !== null) parts.push(`${thousands(p.samplesPerSecond)} samples/s`);
  if (!finished && p.etaSeconds !== null) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  parts.push(`${finished ? 'took' : 'elapsed'} ${formatDuration(p.elapsedSeconds)}`);
  return parts.join(' · ');
}

function progressFraction(p: TrainingPayload): number {
  if (p.status === 'done') return 1;
  const inEpoch = p.batchesPerEpoch ? Math.min(1, p.batch / p.batchesPerEpoch) : 0;
  return Math.min(1, (p.epoch + inEpoch) / Math.max(1, p.epochs));
}

function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export class TrainingView implements View<TrainingPayload> {
  readonly root = h('div', { class: 'bmnb bmnb-training' });
  private readonly status = h('span', { class: 'bmnb-status', attrs: { role: 'status' } });
  private readonly text = h('span', { class: 'bmnb-progress-text' });
  private readonly bar = h('progress', { class: 'bmnb-progress', attrs: { max: '1', 'aria-label': 'training progress' } });
  private readonly chartsBox = h('div', { class: 'bmnb-training-charts' });
  private readonly charts: MetricChart[] = [];
  private metricsKey: string | undefined;

  constructor() {
    this.root.append(h('div', { class: 'bmnb-row bmnb-progress-line' }, [this.status, this.text]), this.bar, this.chartsBox);
  }

  update(p: TrainingPayload): void {
    setText(this.status, p.status);
    this.status.className = `bmnb-status bmnb-status-${/^[a-z]+$/.test(p.status) ? p.status : 'running'}`;
    setText(this.text, progressText(p));
    this.bar.value = progressFraction(p);
    const key = JSON.stringify(p.metrics);
    if (key !== this.metricsKey) {
      this.metricsKey = key;
      this.disposeCharts();
      this.chartsBox.replaceChildren();
      for (const metric of p.metrics) this.charts.push(new MetricChart(this.chartsBox, metric, p));
    } else {
      for (const chart of this.charts) chart.update(p);
    }
  }

  private disposeCharts(): void {
    for (const chart of this.charts.splice(0)) chart.destroy();
  }

  dispose(): void {
    this.disposeCharts();
    this.metricsKey = undefined;
  }
}

/** Draws `payload` into `element` once; keep the returned view and call `update` for newer payloads. */
export function render(element: HTMLElement, payload: TrainingPayload): TrainingView {
  const view = new TrainingView();
  element.replaceChildren(view.root);
  view.update(payload);
  return view;
}

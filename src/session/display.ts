/**
 * Values to output payloads: a tensor, a model, a training History or a chart get their rich
 * payload (see src/protocol/outputs.ts) followed by text/plain; anything else is text. Also the
 * `display` function of cells, with its chart methods.
 */
import { inspect } from 'node:util';
import type { ChartPayload, OutputItemPayload } from '../protocol';
import { MIME } from '../protocol';
import type { Tfjs } from '../backends/tfjs';
import type { Display } from '../cellLibrary/api';
import { buildTensorOutput, isTensor, tensorInspectText } from './outputs/tensor';
import { buildModelSummary, isModel, modelSummaryText } from './outputs/model';
import { historyPayload, isHistory, trainingText } from './outputs/training';
import { barChart, chartText, confusionChart, heatmapChart, histogramChart, lineChart, scatterChart } from './outputs/charts';

/** A chart built by the display API: shown as a chart, not as the object it is. */
const CHART = Symbol.for('bmnb.chart');
interface ChartValue {
  [CHART]: ChartPayload;
}
function isChartValue(value: unknown): value is ChartValue {
  return typeof value === 'object' && value !== null && CHART in value;
}

/** The backend a tensor's data lives on (the engine's own bookkeeping; falls back to the current backend). */
function backendOf(tf: Tfjs, tensor: { dataId: object }): string {
  const engine = tf.engine() as unknown as { state: { tensorInfo?: WeakMap<object, { backend?: object }> }; registry: Record<string, object> };
  const backend = engine.state.tensorInfo?.get(tensor.dataId)?.backend;
  if (backend) for (const [name, b] of Object.entries(engine.registry)) if (b === backend) return name;
  return tf.getBackend() ?? 'unknown';
}

/** The text a person sees for a plain value (Node's inspect). */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

export class Outputs {
  constructor(private readonly tf: Tfjs) {
    // console.log(tensor) and tensors inside arrays and objects print as tensors, not as their fields.
    Object.defineProperty(tf.Tensor.prototype, inspect.custom, {
      configurable: true,
      value(this: Parameters<typeof tensorInspectText>[0]) {
        return tensorInspectText(this);
      },
    });
  }

  /** The output items for a value, richest first, text/plain last. */
  toOutput(value: unknown, name?: string): OutputItemPayload[] {
    if (isTensor(value)) {
      const { payload, text } = buildTensorOutput(value, value.isDisposed ? this.tf.getBackend() : backendOf(this.tf, value), name);
      return [
        { mime: MIME.tensor, data: payload },
        { mime: MIME.text, data: text },
      ];
    }
    if (isModel(value)) {
      const payload = buildModelSummary(value);
      return [
        { mime: MIME.modelSummary, data: payload },
        { mime: MIME.text, data: modelSummaryText(payload) },
      ];
    }
    if (isHistory(value)) {
      const payload = historyPayload(value);
      return [
        { mime: MIME.training, data: payload },
        { mime: MIME.text, data: trainingText(payload) },
      ];
    }
    if (isChartValue(value)) {
      const payload = value[CHART];
      return [
        { mime: MIME.chart, data: payload },
        { mime: MIME.text, data: chartText(payload) },
      ];
    }
    return [{ mime: MIME.text, data: toText(value) }];
  }
}

/** The `display` of cells: `display(value)` shows one more output; its methods draw charts. */
export function makeDisplay(show: (value: unknown) => void, clear: (wait: boolean) => void = () => undefined): Display {
  const chart = (payload: ChartPayload) => show({ [CHART]: payload } satisfies ChartValue);
  const display = ((value: unknown) => show(value)) as Display;
  display.line = (...args) => chart(lineChart(...args));
  display.scatter = (...args) => chart(scatterChart(...args));
  display.bar = (...args) => chart(barChart(...args));
  display.histogram = (...args) => chart(histogramChart(...args));
  display.heatmap = (...args) => chart(heatmapChart(...args));
  display.confusionMatrix = (...args) => chart(confusionChart(...args));
  display.clear = (options) => clear(Boolean(options?.wait));
  return display;
}

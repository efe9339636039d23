/** Entry of the chart renderer (application/vnd.bmnb.chart+json). */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { ChartPayload } from '../../protocol/outputs';
import { createRenderer, redrawingView } from '../common/view';
import { CHART_CSS, render } from './render';

export { Chart } from 'chart.js';

export const activate: ActivationFunction = () =>
  createRenderer<ChartPayload>({
    what: 'chart',
    styleId: 'bmnb-chart-style',
    css: CHART_CSS,
    createView: () => redrawingView('bmnb-chart-figure', render),
  });

/** Entry of the chart renderer (application/vnd.bmnb.chart+json). */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { ChartPayload } from '../../protocol/outputs';
import { h } from '../common/dom';
import { createRenderer } from '../common/view';
import { CHART_CSS, render, type Drawn } from './render';

export { Chart } from 'chart.js';

export const activate: ActivationFunction = () =>
  createRenderer<ChartPayload>({
    what: 'chart',
    styleId: 'bmnb-chart-style',
    css: CHART_CSS,
    createView() {
      const root = h('div', { class: 'bmnb bmnb-chart-figure' });
      let drawn: Drawn | undefined;
      return {
        root,
        update(payload) {
          drawn?.dispose();
          drawn = render(root, payload);
        },
        dispose() {
          drawn?.dispose();
          drawn = undefined;
        },
      };
    },
  });

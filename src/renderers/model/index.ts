/** Entry of the model summary renderer (application/vnd.bmnb.model-summary+json). */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { ModelSummaryPayload } from '../../protocol/outputs';
import { h } from '../common/dom';
import { createRenderer } from '../common/view';
import { MODEL_CSS, render } from './render';

export const activate: ActivationFunction = () =>
  createRenderer<ModelSummaryPayload>({
    what: 'model summary',
    styleId: 'bmnb-model-style',
    css: MODEL_CSS,
    createView() {
      const root = h('div', { class: 'bmnb bmnb-model' });
      return { root, update: (payload) => render(root, payload), dispose() {} };
    },
  });

/** Entry of the tensor renderer (application/vnd.bmnb.tensor+json): VS Code loads this bundle. */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { TensorPayload } from '../../protocol/outputs';
import { h } from '../common/dom';
import { createRenderer } from '../common/view';
import { render, TENSOR_CSS, type Drawn } from './render';

export { Chart } from 'chart.js';

export const activate: ActivationFunction = () =>
  createRenderer<TensorPayload>({
    what: 'tensor',
    styleId: 'bmnb-tensor-style',
    css: TENSOR_CSS,
    createView() {
      const root = h('div', { class: 'bmnb bmnb-tensor' });
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

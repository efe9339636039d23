/** Entry of the tensor renderer (application/vnd.bmnb.tensor+json): VS Code loads this bundle. */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { TensorPayload } from '../../protocol/outputs';
import { createRenderer, redrawingView } from '../common/view';
import { render, TENSOR_CSS } from './render';

export { Chart } from 'chart.js';

export const activate: ActivationFunction = () =>
  createRenderer<TensorPayload>({
    what: 'tensor',
    styleId: 'bmnb-tensor-style',
    css: TENSOR_CSS,
    createView: () => redrawingView('bmnb-tensor', render),
  });

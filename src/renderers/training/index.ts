/**
 * Entry of the training renderer (application/vnd.bmnb.training+json). VS Code calls
 * renderOutputItem again each time the kernel replaces the output's items; the view of that output
 * (found by element, or by output id when VS Code hands a new element) is updated in place.
 */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { TrainingPayload } from '../../protocol/outputs';
import { createRenderer } from '../common/view';
import { TRAINING_CSS, TrainingView } from './render';

export { Chart } from 'chart.js';

export const activate: ActivationFunction = () =>
  createRenderer<TrainingPayload>({
    what: 'training',
    styleId: 'bmnb-training-style',
    css: TRAINING_CSS,
    createView: () => new TrainingView(),
  });

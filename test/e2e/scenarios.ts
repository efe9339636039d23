/**
 * What the editor tests check, shared by the code-server (Playwright) suite and the
 * @vscode/test-electron suite: the fixtures and what a person must see in each.
 */
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '..', 'fixtures', 'notebooks');

export const E2E_NOTEBOOK = 'e2e.bmnb';
export const INTERRUPT_NOTEBOOK = 'interrupt.bmnb';
export const LIFECYCLE_NOTEBOOK = 'lifecycle.bmnb';
/** training.bmnb: one cell that trains a tiny model for about six seconds (4 epochs × 32 batches). */
export const TRAINING_NOTEBOOK = 'training.bmnb';

export const fixturePath = (name: string) => join(FIXTURES, name);

/** After Run All on e2e.bmnb. */
export const RUN_ALL = {
  /** The first cell's value. */
  text: 'hello from bmnb',
  /** The streamed cell's three lines, in order. */
  streamed: ['streamed line 1', 'streamed line 2', 'streamed line 3'],
  /** The failing cell: its message and the frame naming its line. */
  errorMessage: 'boom from explode',
  errorFrame: 'at explode (cell 4:2:9)',
  /** Run All stops at the failure: the last cell never runs. */
  notRun: 'this cell must not run after a failure',
};

/** interrupt.bmnb: cell 1 sets `kept`, cell 2 spins forever, cell 3 reads `kept + 1`. */
export const INTERRUPT = {
  afterInterrupt: '42',
  afterRestart: 'kept is not defined',
};

/** lifecycle.bmnb: cell 1 prints \r progress, cell 2 calls process.exit(3), cell 3 answers. */
export const LIFECYCLE = {
  progress: 'progress 3 of 3',
  died: 'The kernel died: a cell called process.exit(3).',
  after: 'a new kernel answers',
};

/**
 * What a cell can use without importing it, besides Node's globals (`require`, `__dirname`,
 * `__filename`, `process`, …): the kernel's `display` and `input` (src/session/session.ts, makeBuiltins).
 */
import type { Display } from '../../cellLibrary/api';

declare global {
  /** Shows a value as one more output of the running cell; `display.line(…)`, `display.scatter(…)` and the other charts. */
  const display: Display;
  /**
   * Asks whoever runs the notebook for a line of text: an input box in VS Code, Jupyter's input
   * request (JupyterLab, jupyter console), a line of `bmnb run`'s stdin. `password` hides it.
   */
  function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
}

/**
 * What a cell can use without importing it, besides Node's globals (`require`, `__dirname`,
 * `__filename`, `process`, …): the kernel's `display` (src/session/session.ts, makeBuiltins).
 */
import type { Display } from '../../cellLibrary/api';

declare global {
  /** Shows a value as one more output of the running cell; `display.line(…)`, `display.scatter(…)` and the other charts. */
  const display: Display;
}

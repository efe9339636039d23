/**
 * The one TensorFlow.js type of the code base. Only the backend loader (load.ts) loads tfjs; the
 * session, bmnb's ops and the cells' library are handed its one instance and use these types
 * (`import type` only).
 */
import type * as TF from '@tensorflow/tfjs';

/** The `@tensorflow/tfjs` module: the session's one tfjs instance. */
export type Tfjs = typeof TF;
export type { TF };

/**
 * Types of the `.bmnb` notebook file format, version 1 (see docs/architecture.md, "`.bmnb` file format").
 *
 * Every object allows unknown fields: they are kept on read and written back unchanged.
 */

/** A whole `.bmnb` file. */
export interface NotebookFile {
  /** Format version; this build reads and writes version 1 only. */
  bmnb: 1;
  metadata: NotebookMetadata;
  cells: NotebookCell[];
  [key: string]: unknown;
}

/** Notebook-level metadata. */
export interface NotebookMetadata {
  title?: string;
  /** Preferred TensorFlow.js backend, e.g. `"auto"`, `"wasm"`, `"cpu"`. */
  backend?: string;
  [key: string]: unknown;
}

export type CellKind = 'code' | 'markdown';
export type CellLanguage = 'typescript' | 'javascript' | 'markdown';

/** One cell. `source` holds the lines, each ending in `\n` except the last (see `sourceToLines`). */
export interface NotebookCell {
  id: string;
  kind: CellKind;
  language: CellLanguage;
  source: string[];
  metadata?: CellMetadata;
  outputs?: CellOutput[];
  execution?: CellExecution;
  [key: string]: unknown;
}

/** Cell metadata; the `parameters` tag marks the cell whose assignments `--param` overrides. */
export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}

/** One output of a cell: the same result in one or more MIME types. */
export interface CellOutput {
  items: OutputItem[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * One representation of an output.
 * `data` is a string for text MIME types, a JSON value for `application/json` and `*+json`,
 * and a base64 string for binary types such as `image/png`.
 */
export interface OutputItem {
  mime: string;
  data: unknown;
  [key: string]: unknown;
}

/** Summary of the cell's last run. */
export interface CellExecution {
  /** Execution counter; `null` (never run in this session) is accepted and kept. */
  order?: number | null;
  success?: boolean;
  durationMs?: number;
  /** How the run changed tf.memory(): tensors and bytes added (negative when freed). */
  memory?: { tensors: number; bytes: number };
  [key: string]: unknown;
}

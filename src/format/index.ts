/** The `.bmnb` v1 file format: types, parse, validate, serialize, and source-line helpers. */
export type {
  CellExecution,
  CellKind,
  CellLanguage,
  CellMetadata,
  CellOutput,
  NotebookCell,
  NotebookFile,
  NotebookMetadata,
  OutputItem,
} from './types.js';
export { type FormatProblem, NotebookFormatError } from './errors.js';
export { emptyNotebook, newCellId, parseNotebook } from './notebook.js';
export { FORMAT_VERSION, validateNotebook } from './validate.js';
export { serializeNotebook } from './serialize.js';
export { linesToSource, sourceToLines } from './source.js';
export { NOTEBOOK_SCHEMA } from './schema.js';

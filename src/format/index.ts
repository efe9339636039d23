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
} from './types';
export { type FormatProblem, NotebookFormatError } from './errors';
export { emptyNotebook, newCellId, parseNotebook } from './notebook';
export { FORMAT_VERSION, validateNotebook } from './validate';
export { serializeNotebook } from './serialize';
export { linesToSource, sourceToLines } from './source';
export { NOTEBOOK_SCHEMA } from './schema';
export { bytesToItemData, itemDataToBytes, mimeStorage, type MimeStorage } from './mimeData';
export { fromIpynb, toIpynb, type IpynbImport, type IpynbOrigin } from './ipynb';

/**
 * The language server's messages (dist/languageServer.js, src/language/main.ts): one process per
 * open notebook, started by src/host/languageClient.ts, JSON-RPC over the fork's IPC channel.
 * Positions are 0-based lines and characters within a cell's own text; cells are numbered among
 * the notebook's code cells, in order.
 */
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';

export interface LanguageCell {
  id: string;
  language: 'typescript' | 'javascript';
  source: string;
  tags?: string[];
}

export interface CellPosition {
  cellIndex: number;
  line: number;
  character: number;
}

export interface CellRange extends CellPosition {
  endLine: number;
  endCharacter: number;
}

export interface LanguageDiagnostic extends CellRange {
  cellId: string;
  message: string;
  code: number;
  category: 'error' | 'warning' | 'suggestion' | 'message';
}

/** A place outside the cells (a declaration in tfjs's types): a file and 0-based position. */
export interface FileLocation {
  file: string;
  line: number;
  character: number;
}

export interface LanguageCompletion {
  name: string;
  kind: string;
  sortText: string;
  /** Set when the entry is for a member of an object (`model.` → `fit`). */
  insertText?: string;
}

export interface CompletionDetails {
  detail: string;
  documentation: string;
}

export interface SignatureHelpResult {
  signatures: { label: string; documentation: string; parameters: { label: string; documentation: string }[] }[];
  activeSignature: number;
  activeParameter: number;
}

export interface LanguageHover {
  /** The static type, as TypeScript prints it (`const xs: tf.Tensor<tf.Rank>`). */
  type: string;
  documentation: string;
  range?: CellRange;
}

export interface RenameResult {
  /** Why it cannot be renamed, when it cannot. */
  error?: string;
  edits: (CellRange & { newText: string })[];
}

/** A tensor a cell's run left in a top-level binding, as the kernel saw it. */
export interface KernelTensor {
  name: string;
  rank: number;
}

export interface KernelTensorsParams {
  cellId: string;
  /** The cell's text that ran: the types hold while the cell has this text. */
  source: string;
  tensors: KernelTensor[];
}

export interface InitializeLanguageParams {
  notebookDir: string;
}

/** Must come first: where the notebook is (relative imports and node_modules resolve from there). */
export namespace LanguageInitializeRequest {
  export const type = new RequestType<InitializeLanguageParams, { typescriptVersion: string }, void>('language/initialize');
}

/** The notebook's code cells now, all of them (after each edit). */
export namespace LanguageUpdateNotification {
  export const type = new NotificationType<{ cells: LanguageCell[] }>('language/update');
}

/** A cell ran: its bindings typed as a tensor of any rank are read as the rank the kernel saw (`tf.Tensor2D`). */
export namespace LanguageKernelTensorsNotification {
  export const type = new NotificationType<KernelTensorsParams>('language/kernelTensors');
}

/** The kernel restarted or ended: what it saw no longer types anything. */
export namespace LanguageKernelGoneNotification {
  export const type = new NotificationType0('language/kernelGone');
}

export namespace LanguageDiagnosticsRequest {
  export const type = new RequestType0<LanguageDiagnostic[], void>('language/diagnostics');
}

export namespace LanguageCompletionsRequest {
  export const type = new RequestType<CellPosition, LanguageCompletion[], void>('language/completions');
}

export namespace LanguageCompletionDetailsRequest {
  export const type = new RequestType<CellPosition & { name: string }, CompletionDetails | null, void>('language/completionDetails');
}

export namespace LanguageSignatureHelpRequest {
  export const type = new RequestType<CellPosition, SignatureHelpResult | null, void>('language/signatureHelp');
}

export namespace LanguageHoverRequest {
  export const type = new RequestType<CellPosition, LanguageHover | null, void>('language/hover');
}

/** Declarations of the name at a position: in cells, or in files (tfjs's types). */
export namespace LanguageDefinitionRequest {
  export const type = new RequestType<CellPosition, { cells: CellRange[]; files: FileLocation[] }, void>('language/definition');
}

export namespace LanguageReferencesRequest {
  export const type = new RequestType<CellPosition, CellRange[], void>('language/references');
}

export namespace LanguageHighlightsRequest {
  export const type = new RequestType<CellPosition, (CellRange & { write: boolean })[], void>('language/highlights');
}

export namespace LanguageRenameRequest {
  export const type = new RequestType<CellPosition & { newName: string }, RenameResult, void>('language/rename');
}

/**
 * The `.bmnb` notebook serializer: a thin adapter between VS Code's NotebookData and the pure
 * format functions of src/format. Everything VS Code has no place for (cell ids, unknown fields,
 * the stored execution record) travels in metadata under `bmnb`, so open → save without edits
 * gives the same bytes.
 */
import * as vscode from 'vscode';
import {
  bytesToItemData,
  itemDataToBytes,
  newCellId,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  sourceToLines,
  linesToSource,
  type CellExecution,
  type CellOutput,
  type NotebookCell,
  type NotebookFile,
} from '../format';

/** What a cell keeps in VS Code's cell metadata. */
interface CellKeep {
  id: string;
  /** The cell's own `metadata` (tags and the rest). */
  metadata?: NotebookCell['metadata'];
  /** Fields of the cell this version does not know. */
  extra: Record<string, unknown>;
  /** The execution record as read, written back unchanged while VS Code's summary agrees. */
  execution?: CellExecution;
  /** Whether the file had an `outputs` list for the cell (even an empty one). */
  hadOutputs: boolean;
}

/** What the notebook keeps in VS Code's notebook metadata. */
interface NotebookKeep {
  metadata: NotebookFile['metadata'];
  extra: Record<string, unknown>;
}

const KNOWN_CELL_KEYS = new Set(['id', 'kind', 'language', 'source', 'metadata', 'outputs', 'execution']);
const KNOWN_ROOT_KEYS = new Set(['bmnb', 'metadata', 'cells']);

function pickExtra(obj: Record<string, unknown>, known: Set<string>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!known.has(k)) extra[k] = v;
  return extra;
}

/** `.bmnb` output → VS Code output. Unknown fields of outputs and items ride in the output's metadata. */
export function toCellOutput(output: CellOutput): vscode.NotebookCellOutput {
  const items = output.items.map((item) => new vscode.NotebookCellOutputItem(itemDataToBytes(item.mime, item.data), item.mime));
  const itemExtras = output.items.map((item) => pickExtra(item, new Set(['mime', 'data'])));
  const extra = pickExtra(output, new Set(['items', 'metadata']));
  const metadata: Record<string, unknown> = { ...(output.metadata ?? {}) };
  if (Object.keys(extra).length || itemExtras.some((e) => Object.keys(e).length)) {
    metadata.bmnb = { extra, itemExtras, hadMetadata: output.metadata !== undefined };
  }
  return new vscode.NotebookCellOutput(items, Object.keys(metadata).length ? metadata : undefined);
}

/** VS Code output → `.bmnb` output. */
export function fromCellOutput(output: vscode.NotebookCellOutput): CellOutput {
  const { bmnb, ...rest } = (output.metadata ?? {}) as { bmnb?: { extra: Record<string, unknown>; itemExtras: Record<string, unknown>[]; hadMetadata: boolean } } & Record<string, unknown>;
  const items = output.items.map((item, i) => ({ mime: item.mime, data: bytesToItemData(item.mime, item.data), ...(bmnb?.itemExtras[i] ?? {}) }));
  const out: CellOutput = { items };
  if (Object.keys(rest).length || bmnb?.hadMetadata) out.metadata = rest;
  return { ...out, ...(bmnb?.extra ?? {}) };
}

/** Reads a `.bmnb` file. Throws the format's error (path and problem named) for a bad file. */
export function toNotebookData(text: string): vscode.NotebookData {
  const file = parseNotebook(text);
  const cells = file.cells.map((cell) => {
    const kind = cell.kind === 'markdown' ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code;
    const data = new vscode.NotebookCellData(kind, linesToSource(cell.source), cell.kind === 'markdown' ? 'markdown' : cell.language);
    const keep: CellKeep = {
      id: cell.id,
      metadata: cell.metadata,
      extra: pickExtra(cell, KNOWN_CELL_KEYS),
      execution: cell.execution,
      hadOutputs: cell.outputs !== undefined,
    };
    data.metadata = { bmnb: keep };
    if (cell.outputs) data.outputs = cell.outputs.map(toCellOutput);
    if (cell.execution && (cell.execution.order != null || cell.execution.success !== undefined)) {
      data.executionSummary = {
        executionOrder: cell.execution.order ?? undefined,
        success: cell.execution.success,
      };
    }
    return data;
  });
  const data = new vscode.NotebookData(cells);
  const keep: NotebookKeep = { metadata: file.metadata, extra: pickExtra(file, KNOWN_ROOT_KEYS) };
  data.metadata = { bmnb: keep };
  return data;
}

function executionRecord(cell: vscode.NotebookCellData, kept: CellExecution | undefined): CellExecution | undefined {
  const summary = cell.executionSummary;
  if (!summary || (summary.executionOrder === undefined && summary.success === undefined)) return kept;
  const sameAsKept = kept && (kept.order ?? undefined) === summary.executionOrder && kept.success === summary.success && !summary.timing;
  if (sameAsKept) return kept;
  const record: CellExecution = { ...(kept ?? {}) };
  record.order = summary.executionOrder ?? null;
  if (summary.success !== undefined) record.success = summary.success;
  else delete record.success;
  if (summary.timing) record.durationMs = Math.max(0, Math.round(summary.timing.endTime - summary.timing.startTime));
  return record;
}

/** Writes NotebookData as `.bmnb` text. */
export function fromNotebookData(data: vscode.NotebookData): string {
  const keep = (data.metadata?.bmnb ?? { metadata: {}, extra: {} }) as NotebookKeep;
  const ids = new Set<string>();
  const cells: NotebookCell[] = data.cells.map((cell) => {
    const kept = cell.metadata?.bmnb as CellKeep | undefined;
    let id = kept?.id;
    if (!id || ids.has(id)) id = newCellId(ids); // new cells, and copies of a cell
    ids.add(id);
    const isCode = cell.kind === vscode.NotebookCellKind.Code;
    const out: NotebookCell = {
      id,
      kind: isCode ? 'code' : 'markdown',
      language: isCode ? (cell.languageId === 'javascript' ? 'javascript' : 'typescript') : 'markdown',
      source: sourceToLines(cell.value),
    };
    if (kept?.metadata !== undefined) out.metadata = kept.metadata;
    if (isCode && (cell.outputs?.length || kept?.hadOutputs)) out.outputs = (cell.outputs ?? []).map(fromCellOutput);
    if (isCode) {
      const execution = executionRecord(cell, kept?.execution);
      if (execution) out.execution = execution;
    }
    return { ...out, ...(kept?.extra ?? {}) };
  });
  return serializeNotebook({ bmnb: 1, metadata: keep.metadata ?? {}, cells, ...keep.extra });
}

/** The serializer VS Code calls. */
export class BmnbSerializer implements vscode.NotebookSerializer {
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const text = this.decoder.decode(content);
    // A new, empty file opens as an empty notebook with one TypeScript cell.
    if (text.trim() === '') return new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Code, '', 'typescript')]);
    try {
      return toNotebookData(text);
    } catch (err) {
      // VS Code shows only "could not be opened" in the editor: say what is wrong where it is seen.
      if (err instanceof NotebookFormatError) {
        void vscode.window.showErrorMessage(`This .bmnb notebook cannot be opened. ${err.message}`, { modal: false });
      }
      throw err;
    }
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return this.encoder.encode(fromNotebookData(data));
  }
}

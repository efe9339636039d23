/**
 * `.bmnb` text ⇄ VS Code's NotebookData, as pure functions over plain data of NotebookData's shape
 * (serializer.ts turns that into VS Code's classes and back). Everything VS Code has no place for
 * travels in metadata under `bmnb` (metadata.ts), so open → save without edits gives the same
 * bytes; cells and outputs of any kind bmnb does not know are kept.
 */
import {
  bytesToItemData,
  itemDataToBytes,
  linesToSource,
  newCellId,
  parseNotebook,
  serializeNotebook,
  sourceToLines,
  type CellExecution,
  type CellOutput,
  type NotebookCell,
} from '../format';
import { cellKeep, KEY, notebookKeep, outputKeep, type CellKeep, type NotebookKeep, type OutputKeep } from './metadata';

/** An output item as VS Code holds it: bytes. */
export interface PlainOutputItem {
  mime: string;
  data: Uint8Array;
}

export interface PlainOutput {
  items: PlainOutputItem[];
  metadata?: Record<string, unknown>;
}

/** VS Code's NotebookCellExecutionSummary. */
export interface PlainExecutionSummary {
  executionOrder?: number;
  success?: boolean;
  timing?: { startTime: number; endTime: number };
}

/** A cell as VS Code's NotebookCellData holds it (`kind` named, not numbered). */
export interface PlainCell {
  kind: 'code' | 'markup';
  value: string;
  languageId: string;
  metadata?: Record<string, unknown>;
  outputs?: PlainOutput[];
  executionSummary?: PlainExecutionSummary;
}

export interface PlainNotebook {
  cells: PlainCell[];
  metadata?: Record<string, unknown>;
}

const KNOWN_CELL_KEYS = new Set(['id', 'kind', 'language', 'source', 'metadata', 'outputs', 'execution']);
const KNOWN_ROOT_KEYS = new Set(['bmnb', 'metadata', 'cells']);
const KNOWN_OUTPUT_KEYS = new Set(['items', 'metadata']);
const KNOWN_ITEM_KEYS = new Set(['mime', 'data']);

function pickExtra(obj: Record<string, unknown>, known: Set<string>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!known.has(k)) extra[k] = v;
  return extra;
}

/** `.bmnb` output → VS Code output. Unknown fields of outputs and items ride in the output's metadata. */
export function toCellOutput(output: CellOutput): PlainOutput {
  const items = output.items.map((item) => ({ mime: item.mime, data: itemDataToBytes(item.mime, item.data) }));
  const itemExtras = output.items.map((item) => pickExtra(item, KNOWN_ITEM_KEYS));
  const extra = pickExtra(output, KNOWN_OUTPUT_KEYS);
  const metadata: Record<string, unknown> = { ...(output.metadata ?? {}) };
  // An empty `metadata` object would vanish in VS Code's hands: remember that it was there.
  const emptyMetadata = output.metadata !== undefined && Object.keys(output.metadata).length === 0;
  if (Object.keys(extra).length || itemExtras.some((e) => Object.keys(e).length) || emptyMetadata) {
    metadata[KEY] = { extra, itemExtras, hadMetadata: output.metadata !== undefined } satisfies OutputKeep;
  }
  return Object.keys(metadata).length ? { items, metadata } : { items };
}

/** VS Code output → `.bmnb` output. */
export function fromCellOutput(output: PlainOutput): CellOutput {
  const keep = outputKeep(output.metadata);
  const rest = { ...(output.metadata ?? {}) };
  delete rest[KEY];
  const items = output.items.map((item, i) => ({ mime: item.mime, data: bytesToItemData(item.mime, item.data), ...(keep?.itemExtras[i] ?? {}) }));
  const out: CellOutput = { items };
  if (Object.keys(rest).length || keep?.hadMetadata) out.metadata = rest;
  return { ...out, ...(keep?.extra ?? {}) };
}

/** Reads a `.bmnb` file. Throws the format's error (path and problem named) for a bad file. */
export function toNotebookData(text: string): PlainNotebook {
  const file = parseNotebook(text);
  const cells = file.cells.map((cell): PlainCell => {
    const keep: CellKeep = {
      id: cell.id,
      metadata: cell.metadata,
      extra: pickExtra(cell, KNOWN_CELL_KEYS),
      execution: cell.execution,
      hadOutputs: cell.outputs !== undefined,
    };
    const data: PlainCell = {
      kind: cell.kind === 'markdown' ? 'markup' : 'code',
      value: linesToSource(cell.source),
      languageId: cell.kind === 'markdown' ? 'markdown' : cell.language,
      metadata: { [KEY]: keep },
    };
    if (cell.outputs) data.outputs = cell.outputs.map(toCellOutput);
    if (cell.execution && (cell.execution.order != null || cell.execution.success !== undefined)) {
      data.executionSummary = { executionOrder: cell.execution.order ?? undefined, success: cell.execution.success };
    }
    return data;
  });
  const keep: NotebookKeep = { metadata: file.metadata, extra: pickExtra(file, KNOWN_ROOT_KEYS) };
  return { cells, metadata: { [KEY]: keep } };
}

/**
 * The execution record to write: the one read, while VS Code's summary agrees with it (so a
 * notebook opened and saved keeps its record, `memory` included); else one from the summary.
 */
export function executionRecord(summary: PlainExecutionSummary | undefined, kept: CellExecution | undefined): CellExecution | undefined {
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

/** Writes NotebookData as `.bmnb` text. New cells (and copies of a cell) get a new id. */
export function fromNotebookData(data: PlainNotebook): string {
  const keep = notebookKeep(data.metadata);
  const ids = new Set<string>();
  const cells: NotebookCell[] = data.cells.map((cell) => {
    const kept = cellKeep(cell.metadata);
    let id = kept?.id;
    if (!id || ids.has(id)) id = newCellId(ids);
    ids.add(id);
    const isCode = cell.kind === 'code';
    const out: NotebookCell = {
      id,
      kind: isCode ? 'code' : 'markdown',
      language: isCode ? (cell.languageId === 'javascript' ? 'javascript' : 'typescript') : 'markdown',
      source: sourceToLines(cell.value),
    };
    if (kept?.metadata !== undefined) out.metadata = kept.metadata;
    if (isCode && (cell.outputs?.length || kept?.hadOutputs)) out.outputs = (cell.outputs ?? []).map(fromCellOutput);
    if (isCode) {
      const execution = executionRecord(cell.executionSummary, kept?.execution);
      if (execution) out.execution = execution;
    }
    return { ...out, ...(kept?.extra ?? {}) };
  });
  return serializeNotebook({ bmnb: 1, metadata: keep.metadata ?? {}, cells, ...keep.extra });
}

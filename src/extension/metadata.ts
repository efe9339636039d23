/**
 * What a `.bmnb` notebook keeps in VS Code's metadata, under the key `bmnb`: everything VS Code
 * has no place for, so that open → save without edits gives the same bytes. This is the one module
 * that knows that layout; the serializer writes it and every other part reads or changes it
 * through these functions. Pure (no `vscode`): the metadata are plain objects.
 *
 * - notebook metadata `bmnb`: {@link NotebookKeep} (the file's `metadata`, e.g. `backend`, and
 *   unknown top-level fields);
 * - cell metadata `bmnb`: {@link CellKeep} (the cell's id, its own `metadata`, unknown fields, the
 *   execution record as read, e.g. `execution.memory`, and whether it had an `outputs` list);
 * - output metadata `bmnb`: {@link OutputKeep} (unknown fields of the output and its items).
 */
import type { BackendName } from '../protocol';
import type { CellExecution, NotebookCell, NotebookFile } from '../format';

/** The key under which bmnb keeps its part of VS Code's metadata. */
export const KEY = 'bmnb';

type Metadata = { readonly [key: string]: unknown } | undefined;

/** What a cell keeps in VS Code's cell metadata. */
export interface CellKeep {
  id: string;
  /** The cell's own `metadata` (tags and the rest). */
  metadata?: NotebookCell['metadata'];
  /** Fields of the cell this version does not know. */
  extra: Record<string, unknown>;
  /** The execution record as read (and as changed since, e.g. its `memory`), written back unchanged while VS Code's summary agrees. */
  execution?: CellExecution;
  /** Whether the file had an `outputs` list for the cell (even an empty one). */
  hadOutputs: boolean;
}

/** What the notebook keeps in VS Code's notebook metadata. */
export interface NotebookKeep {
  metadata: NotebookFile['metadata'];
  extra: Record<string, unknown>;
}

/** What an output keeps in its metadata, besides its own. */
export interface OutputKeep {
  /** Fields of the output this version does not know. */
  extra: Record<string, unknown>;
  /** The same for each item. */
  itemExtras: Record<string, unknown>[];
  /** Whether the output had a `metadata` object in the file (even an empty one). */
  hadMetadata: boolean;
}

export function cellKeep(metadata: Metadata): CellKeep | undefined {
  return metadata?.[KEY] as CellKeep | undefined;
}

export function notebookKeep(metadata: Metadata): NotebookKeep {
  return (metadata?.[KEY] as NotebookKeep | undefined) ?? { metadata: {}, extra: {} };
}

export function outputKeep(metadata: Metadata): OutputKeep | undefined {
  return metadata?.[KEY] as OutputKeep | undefined;
}

/** The cell's id in the file (stable across edits), if it has one yet. */
export function cellId(metadata: Metadata): string | undefined {
  return cellKeep(metadata)?.id;
}

/** The notebook's own backend (`metadata.backend` in the file), if it names one other than `auto`. */
export function notebookBackend(metadata: Metadata): BackendName | undefined {
  const own = notebookKeep(metadata).metadata?.backend;
  return own && own !== 'auto' ? (own as BackendName) : undefined;
}

/** Notebook metadata with `backend` stored as the notebook's own (saved in the file). */
export function withNotebookBackend(metadata: Metadata, backend: BackendName | 'auto'): Record<string, unknown> {
  const keep = notebookKeep(metadata);
  return { ...metadata, [KEY]: { ...keep, metadata: { ...keep.metadata, backend } } };
}

/** A cell's tensor memory change as its execution record stores it (`execution.memory`): tensors and bytes its run left allocated (negative when freed). */
export type MemoryRecord = NonNullable<CellExecution['memory']>;

/** The memory record of the cell's last run (`execution.memory` in the file), if it has one. */
export function storedMemory(metadata: Metadata): MemoryRecord | undefined {
  const m = cellKeep(metadata)?.execution?.memory as Partial<MemoryRecord> | undefined;
  return m && typeof m.tensors === 'number' && typeof m.bytes === 'number' ? { tensors: m.tensors, bytes: m.bytes } : undefined;
}

/** Cell metadata with the execution record's `memory` set (or removed, for undefined). */
export function withStoredMemory(metadata: Metadata, memory: MemoryRecord | undefined): Record<string, unknown> {
  const keep = (cellKeep(metadata) ?? {}) as Partial<CellKeep>;
  const execution: CellExecution = { ...(keep.execution ?? {}) };
  if (memory) execution.memory = memory;
  else delete execution.memory;
  return { ...metadata, [KEY]: { ...keep, execution } };
}

/** The cell's tags (`parameters`), from its own metadata. */
export function cellTags(metadata: Metadata): string[] {
  const tags = cellKeep(metadata)?.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

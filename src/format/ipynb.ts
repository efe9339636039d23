/**
 * `.bmnb` ⇄ Jupyter `.ipynb` (nbformat 4.5), as pure functions over text.
 *
 * Export (`toIpynb`) writes what Jupyter itself would write (nbformat's `json.dumps` with sorted
 * keys, one-space indent, text split into lines) and keeps everything nbformat has no place for
 * under a `bmnb` key of the notebook's, each cell's and each output's metadata, so that
 * `fromIpynb(toIpynb(nb))` serializes to the very bytes of `nb`. Import (`fromIpynb`) also reads
 * notebooks of other tools (tslab, Deno, IJavascript, Python kernels) and says in `notes` what did
 * not carry over.
 *
 * How round-trip exactness is reached without special cases everywhere:
 * - each output is written natively (stream, error, display_data) and read back at once; where
 *   the reading differs from the original (duplicate MIME types, values nbformat cannot hold,
 *   unknown item fields), the output's items are kept whole under `metadata.bmnb.items`;
 * - Jupyter sorts every object's keys, but `.bmnb` keeps unknown keys in their own order: the
 *   notebook is rebuilt from the exported text, and every object whose key order came back
 *   different is listed in `metadata.bmnb.keyOrder` (one entry per set of keys, plus exceptions
 *   by path), which `fromIpynb` applies.
 */
import { JUPYTER_KERNELSPEC, JUPYTER_LANGUAGE_INFO, MIME } from '../protocol';
import { FIX_IN_EDITOR, type FormatProblem, NotebookFormatError } from './errors';
import { jsonSyntaxProblem } from './jsonError';
import { mimeStorage } from './mimeData';
import { serializeNotebook } from './serialize';
import { linesToSource, sourceToLines } from './source';
import type { CellLanguage, CellOutput, NotebookCell, NotebookFile, NotebookMetadata, OutputItem } from './types';
import { describe, validateNotebook } from './validate';

/** Which tool wrote an imported `.ipynb` (from its metadata and kernelspec). */
export type IpynbOrigin = 'bmnb' | 'tslab' | 'deno' | 'ijavascript' | 'python' | 'other';

/** The result of {@link fromIpynb}. */
export interface IpynbImport {
  notebook: NotebookFile;
  origin: IpynbOrigin;
  /** What the user should know about the conversion, one sentence each (empty when nothing was lost). */
  notes: string[];
}

type JsonObject = Record<string, unknown>;

/** The key under which bmnb keeps, in Jupyter's metadata, what nbformat has no place for. */
const KEY = 'bmnb';

/** What the notebook keeps under `metadata.bmnb`. Its presence marks a notebook bmnb exported. */
interface NotebookSection {
  /** The `.bmnb` file's own `metadata` (title, backend, …). */
  metadata?: NotebookMetadata;
  /** Top-level fields of the `.bmnb` file that this version does not know. */
  extra?: JsonObject;
  keyOrder?: KeyOrderRecord;
}

/** What a cell keeps under its `metadata.bmnb`; each field only where needed. */
interface CellSection {
  /** The `.bmnb` id, where it is not a valid nbformat id (`^[a-zA-Z0-9-_]+$`, 1–64 characters). */
  id?: string;
  /** The language, where the cell's kind and its metadata would not give it back. */
  language?: CellLanguage;
  /** The stored lines, where they are not the usual split of the text (each ending in `\n`). */
  source?: string[];
  /** Entries of the cell's metadata that nbformat rejects (a tag with a comma) or Jupyter drops. */
  metadata?: JsonObject;
  /** The cell had an empty `metadata` object (Jupyter always has one; `.bmnb` usually none). */
  emptyMetadata?: true;
  /** The execution record but for `order`, which is the cell's `execution_count` where it is a number. */
  execution?: JsonObject;
  /** A markdown cell's outputs (Jupyter's markdown cells have none). */
  outputs?: CellOutput[];
  /** The cell had an empty `outputs` list (Jupyter always has one; `.bmnb` usually none). */
  emptyOutputs?: true;
  /** Fields of the cell that this version does not know. */
  extra?: JsonObject;
}

/** What an output keeps under its `metadata.bmnb`; each field only where needed. */
interface OutputSection {
  /** The MIME types of the items in their order (a MIME bundle is a dict), where not the default. */
  order?: string[];
  /** MIME types added to `data` for other viewers only (`toIpynb`'s fallbacks): dropped on import. */
  fallbacks?: string[];
  /** The items whole, where `data` cannot say them (duplicate MIME types, unknown item fields, …). */
  items?: OutputItem[];
  /** Entries of the output's metadata that would clash with bmnb's own (a `bmnb` key). */
  metadata?: JsonObject;
  /** The output had an empty `metadata` object. */
  emptyMetadata?: true;
  /** Fields of the output that this version does not know. */
  extra?: JsonObject;
}

/**
 * The key order of objects whose order Jupyter's sorting changed: for each set of keys the order
 * most objects with those keys had, and, by JSON path, the objects that had another.
 */
interface KeyOrderRecord {
  orders?: string[][];
  at?: Record<string, string[]>;
}

const CELL_KEYS = new Set(['id', 'kind', 'language', 'source', 'metadata', 'outputs', 'execution']);
const ROOT_KEYS = new Set(['bmnb', 'metadata', 'cells']);
const OUTPUT_KEYS = new Set(['items', 'metadata']);
const ITEM_KEYS = new Set(['mime', 'data']);

// ───────────────────────────── export ─────────────────────────────

/**
 * Writes a notebook as nbformat 4.5 JSON text, as Jupyter writes it: one-space indent, keys sorted
 * as Python's `json.dumps(sort_keys=True)` sorts them, text values as lists of lines, a trailing
 * newline. `metadata.kernelspec`/`language_info` name bmnb's Jupyter kernel.
 *
 * Outputs: a lone stdout/stderr item becomes a `stream`, a lone error item an `error` (traceback:
 * the stack's lines), everything else `display_data`. Never `execute_result`: a `.bmnb` file does
 * not record which output was the cell's value (displays and the value are collected alike), and
 * the only thing `execute_result` changes in Jupyter is an `Out[n]` prompt, which a guess would
 * put on the wrong output of a cell that ends with a display call.
 *
 * `options.fallbacks[cell][output]` are items for other viewers (an HTML table, a PNG a kernel
 * drew from a bmnb payload): added to that `display_data` output's `data` unless it has the MIME
 * type already, and listed in its `metadata.bmnb.fallbacks` so that {@link fromIpynb} drops them.
 * Stream and error outputs take none (Jupyter shows them itself).
 *
 * @example
 * const text = toIpynb(parseNotebook(readFileSync('demo.bmnb', 'utf8')));
 * serializeNotebook(fromIpynb(text).notebook);   // → the .bmnb text, byte for byte
 */
export function toIpynb(nb: NotebookFile, options: { fallbacks?: (OutputItem[] | undefined)[][] } = {}): string {
  const ipynb = buildIpynb(nb, options.fallbacks);
  let text = writeJupyterJson(ipynb);
  const rebuilt = importParsed(JSON.parse(text) as JsonObject, { restoreKeyOrder: false }).notebook;
  const keyOrder = keyOrderRecord(nb, rebuilt);
  if (keyOrder) {
    (ipynb.metadata as { [KEY]: NotebookSection })[KEY].keyOrder = keyOrder;
    text = writeJupyterJson(ipynb);
  }
  return text;
}

function buildIpynb(nb: NotebookFile, fallbacks: (OutputItem[] | undefined)[][] | undefined): JsonObject {
  const section: NotebookSection = {};
  if (nb.metadata !== undefined) section.metadata = nb.metadata;
  const extra = unknownFields(nb, ROOT_KEYS);
  if (extra) section.extra = extra;
  const ids = nbformatIds(nb.cells.map((c) => c.id));
  return {
    cells: nb.cells.map((cell, i) => cellToIpynb(cell, ids[i]!, fallbacks?.[i])),
    metadata: { [KEY]: section, kernelspec: JUPYTER_KERNELSPEC, language_info: JUPYTER_LANGUAGE_INFO },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** nbformat 4.5's cell id rule. */
const NBFORMAT_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * An nbformat id for each cell: its own where valid, else one made from it (other characters as
 * `-`, cut to 64, a number added where taken), so that an export is the same every time.
 */
function nbformatIds(ids: string[]): string[] {
  const taken = new Set(ids.filter((id) => NBFORMAT_ID.test(id)));
  return ids.map((id) => {
    if (NBFORMAT_ID.test(id)) return id;
    const base = id.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 56) || 'cell';
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
    taken.add(candidate);
    return candidate;
  });
}

function cellToIpynb(cell: NotebookCell, id: string, fallbacks: (OutputItem[] | undefined)[] | undefined): JsonObject {
  const section: CellSection = {};
  if (id !== cell.id) section.id = cell.id;
  const defaultLanguage = cell.kind === 'markdown' ? 'markdown' : codeCellLanguage(undefined, cell.metadata, JUPYTER_LANGUAGE_INFO.name);
  if (cell.language !== defaultLanguage) section.language = cell.language;
  const text = linesToSource(cell.source);
  if (!sameStrings(sourceToLines(text), cell.source)) section.source = cell.source;
  const { native, moved } = splitCellMetadata(cell.metadata, cell.kind);
  if (moved) section.metadata = moved;
  if (cell.metadata !== undefined && Object.keys(cell.metadata).length === 0) section.emptyMetadata = true;
  const extra = unknownFields(cell, CELL_KEYS);
  if (extra) section.extra = extra;

  const out: JsonObject = { cell_type: cell.kind === 'markdown' ? 'markdown' : 'code', id, metadata: native, source: text };
  if (cell.kind === 'markdown') {
    if (cell.execution !== undefined) section.execution = cell.execution;
    if (cell.outputs !== undefined) section.outputs = cell.outputs;
  } else {
    const order = cell.execution?.order;
    out.execution_count = typeof order === 'number' ? order : null;
    if (cell.execution !== undefined) {
      const rest: JsonObject = { ...cell.execution };
      if (typeof order === 'number') delete rest.order;
      if (Object.keys(rest).length > 0 || typeof order !== 'number') section.execution = rest;
    }
    out.outputs = (cell.outputs ?? []).map((o, j) => outputToIpynb(o, fallbacks?.[j]));
    if (cell.outputs?.length === 0) section.emptyOutputs = true;
  }
  if (Object.keys(section).length > 0) native[KEY] = section;
  return out;
}

/**
 * The cell metadata Jupyter keeps as it is, and the entries it would not (kept under `bmnb`):
 * values nbformat's schema rejects for the keys it defines, `trusted` (Jupyter drops it on save)
 * and a `bmnb` key of the cell's own.
 */
function splitCellMetadata(metadata: JsonObject | undefined, kind: NotebookCell['kind']): { native: JsonObject; moved?: JsonObject } {
  const native: JsonObject = {};
  const moved: JsonObject = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (nativeCellMetadataOk(key, value, kind)) native[key] = value;
    else moved[key] = value;
  }
  return Object.keys(moved).length > 0 ? { native, moved } : { native };
}

function nativeCellMetadataOk(key: string, value: unknown, kind: NotebookCell['kind']): boolean {
  switch (key) {
    case KEY:
    case 'trusted':
      return false;
    case 'name':
      return typeof value === 'string' && value !== '' && !value.includes('\n');
    case 'tags':
      return Array.isArray(value) && value.every((t) => typeof t === 'string' && t !== '' && !t.includes(',')) && new Set(value).size === value.length;
    case 'jupyter':
      return isObject(value);
  }
  if (kind === 'markdown') return true;
  switch (key) {
    case 'execution':
      return isObject(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'collapsed':
      return typeof value === 'boolean';
    case 'scrolled':
      return value === true || value === false || value === 'auto';
    default:
      return true;
  }
}

/** One output in nbformat's shape, with what it cannot say under `metadata.bmnb`. */
function outputToIpynb(output: CellOutput, fallbacks: OutputItem[] | undefined): JsonObject {
  const plain = streamOrError(output);
  if (plain) return plain;
  const native = displayData(output, fallbacks, false);
  return sameJson(importOutput(native), output) ? native : displayData(output, fallbacks, true);
}

/** A `stream` or `error` output, for an output that is exactly one such item and nothing else. */
function streamOrError(output: CellOutput): JsonObject | undefined {
  if (Object.keys(output).some((k) => k !== 'items' && output[k] !== undefined) || output.items.length !== 1) return undefined;
  const item = output.items[0]!;
  if (Object.keys(item).some((k) => !ITEM_KEYS.has(k)) || typeof item.data !== 'string') return undefined;
  if (item.mime === MIME.stdout || item.mime === MIME.stderr) {
    return { name: item.mime === MIME.stdout ? 'stdout' : 'stderr', output_type: 'stream', text: item.data };
  }
  if (item.mime !== MIME.error) return undefined;
  const error = parseJson(item.data);
  if (!isObject(error) || typeof error.name !== 'string' || typeof error.message !== 'string') return undefined;
  if (error.stack !== undefined && typeof error.stack !== 'string') return undefined;
  const traceback = error.stack === undefined ? [] : error.stack.split('\n');
  if (errorItemData(error.name, error.message, traceback) !== item.data) return undefined;
  return { ename: error.name, evalue: error.message, output_type: 'error', traceback };
}

/**
 * A `display_data` output. Its `data` holds each item nbformat can hold (the first of each MIME
 * type) and the fallbacks; with `whole`, `metadata.bmnb.items` holds the items as they are.
 */
function displayData(output: CellOutput, fallbacks: OutputItem[] | undefined, whole: boolean): JsonObject {
  const section: OutputSection = {};
  const data: JsonObject = {};
  for (const item of output.items) {
    if (!Object.prototype.hasOwnProperty.call(data, item.mime) && nbformatHolds(item.mime, item.data)) setOwn(data, item.mime, item.data);
  }
  const mimes = output.items.map((i) => i.mime);
  if (whole) section.items = output.items;
  else if (!sameStrings(mimes, defaultItemOrder(mimes))) section.order = mimes;
  const added: string[] = [];
  for (const item of fallbacks ?? []) {
    if (mimes.includes(item.mime) || added.includes(item.mime) || !nbformatHolds(item.mime, item.data)) continue;
    setOwn(data, item.mime, item.data);
    added.push(item.mime);
  }
  if (added.length > 0) section.fallbacks = added;
  const metadata: JsonObject = { ...(output.metadata ?? {}) };
  if (Object.prototype.hasOwnProperty.call(metadata, KEY)) {
    section.metadata = { [KEY]: metadata[KEY] };
    delete metadata[KEY];
  }
  if (output.metadata !== undefined && Object.keys(output.metadata).length === 0) section.emptyMetadata = true;
  const extra = unknownFields(output, OUTPUT_KEYS);
  if (extra) section.extra = extra;
  if (Object.keys(section).length > 0) metadata[KEY] = section;
  return { data, metadata, output_type: 'display_data' };
}

/** nbformat's MIME bundle takes any JSON for `application/json` and `application/…+json`, else text. */
function nbformatHolds(mime: string, value: unknown): boolean {
  return isNbformatJsonMime(mime) || typeof value === 'string';
}

/** nbformat's `_is_json_mime`: the values it leaves as they are (not split into lines, not joined). */
function isNbformatJsonMime(mime: string): boolean {
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

// ───────────────────────────── Jupyter's JSON ─────────────────────────────

/**
 * nbformat's writer: `json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False,
 * separators=(',', ': '))` after `split_lines` (sources, stream texts and text MIME values as
 * lists of lines), and the newline `nbformat.write` adds.
 */
function writeJupyterJson(nb: JsonObject): string {
  return `${pythonJson(splitLines(nb), '')}\n`;
}

/** A copy with nbformat's `split_lines` applied. */
function splitLines(nb: JsonObject): JsonObject {
  const cells = (nb.cells as JsonObject[]).map((cell) => {
    const copy: JsonObject = { ...cell, source: splitText(cell.source) };
    if (Array.isArray(cell.outputs)) copy.outputs = (cell.outputs as JsonObject[]).map(splitOutput);
    return copy;
  });
  return { ...nb, cells };
}

function splitOutput(output: JsonObject): JsonObject {
  if (output.output_type === 'stream') return { ...output, text: splitText(output.text) };
  if (!isObject(output.data)) return output;
  const data: JsonObject = {};
  for (const [mime, value] of Object.entries(output.data)) {
    const split = mime.startsWith('text/') || mime === 'application/javascript' || mime === 'image/svg+xml';
    setOwn(data, mime, split ? splitText(value) : value);
  }
  return { ...output, data };
}

function splitText(value: unknown): unknown {
  return typeof value === 'string' ? pythonSplitLines(value) : value;
}

/** Python's `str.splitlines(True)`: every line boundary Python knows, each kept with its line. */
function pythonSplitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const boundary = (c >= 0x0a && c <= 0x0d) || (c >= 0x1c && c <= 0x1e) || c === 0x85 || c === 0x2028 || c === 0x2029;
    if (!boundary) continue;
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** `json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False)`, `indent` being the current one. */
function pythonJson(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'boolean') return String(value);
  const inner = `${indent} `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const object = value as JsonObject;
  const keys = Object.keys(object)
    .filter((k) => object[k] !== undefined)
    .sort(compareCodePoints);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pythonJson(object[k], inner)}`).join(',\n')}\n${indent}}`;
}

/**
 * A number as Python writes the float or int that JSON text reads as: the same shortest digits
 * as JavaScript, but an exponent below 1e-4 (`1e-05`, not `0.00001`) with at least two digits.
 */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : String(n);
  if (Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Python's string order (by code point; JavaScript's `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a.charCodeAt(i) !== b.charCodeAt(i)) return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

// ───────────────────────────── import ─────────────────────────────

/**
 * Reads `.ipynb` text (nbformat 4.0–4.5; a leading byte order mark is accepted) as a `.bmnb`
 * notebook, which passes `validateNotebook`.
 *
 * - A notebook bmnb exported comes back as it was (`origin` `bmnb`), with whatever was changed
 *   in Jupyter: new cells, new outputs, edited sources.
 * - TypeScript and JavaScript notebooks (tslab, Deno, IJavascript) become code cells of that
 *   language (a cell's `metadata.vscode.languageId` wins over the notebook's language), with
 *   their outputs: streams as stdout/stderr items, errors as error items (`ename`, `evalue`,
 *   traceback → name, message, stack without ANSI colour codes), MIME bundles as items with
 *   `text/plain` last; `execution_count` becomes `execution.order`.
 * - Code in any other language (a Python notebook) cannot run in bmnb, and a markdown cell has
 *   no outputs: each such cell becomes a markdown cell with its code in a fenced block of its
 *   language (```` ```python ````), and its outputs are left out; `notes` says how many.
 *   Converting the code is left to the user: a markdown cell keeps it readable and in place.
 * - In outputs a Jupyter session of bmnb's kernel made, the `text/html` and `image/png` copies it
 *   adds to bmnb payloads are dropped: a `.bmnb` keeps the payload, which bmnb draws itself.
 * - Raw cells become markdown cells with their text in a fenced block; cells without an id
 *   (nbformat before 4.5) get `cell-N` ids.
 *
 * @throws NotebookFormatError naming the JSON path of each problem: text that is not JSON, not a
 *   notebook, nbformat 3 or older, a cell of an unknown type, a source that is not text, …
 *
 * @example
 * const { notebook, origin, notes } = fromIpynb(readFileSync('analysis.ipynb', 'utf8'));
 * // origin 'python', notes ['12 Python code cells became markdown cells …']
 */
export function fromIpynb(text: string): IpynbImport {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw importError([jsonSyntaxProblem(body, error)]);
  }
  checkIpynb(value);
  const result = importParsed(value as JsonObject, { restoreKeyOrder: true });
  const problems = validateNotebook(result.notebook);
  if (problems.length > 0) throw importError(problems, BAD_SECTION_ADVICE);
  return result;
}

/** The error for `.ipynb` text: NotebookFormatError, with a heading that names what was read. */
function importError(problems: FormatProblem[], advice: string = FIX_IN_EDITOR): NotebookFormatError {
  const error = new NotebookFormatError(problems, advice);
  error.message = error.message.replace(/^This is not a valid bmnb notebook/, 'This is not a Jupyter notebook bmnb can import');
  return error;
}

/** What the import has to remember while it goes through the cells. */
interface ImportContext {
  origin: IpynbOrigin;
  /** The notebook's language (lowercase), from `language_info` or the kernelspec. */
  language: string | undefined;
  ids: Set<string>;
  /** Counts for the notes: of foreign-language cells by language, and of other happenings. */
  foreign: Map<string, number>;
  counts: { droppedOutputs: number; raw: number; newIds: number; replacedIds: number; unknownOutputs: number; attachments: number; toolApi: number };
  minor: number;
}

function importParsed(ipynb: JsonObject, options: { restoreKeyOrder: boolean }): IpynbImport {
  const metadata = isObject(ipynb.metadata) ? ipynb.metadata : {};
  const section = isObject(metadata[KEY]) ? (metadata[KEY] as NotebookSection) : undefined;
  const ctx: ImportContext = {
    origin: originOf(metadata),
    language: notebookLanguage(metadata),
    ids: new Set(),
    foreign: new Map(),
    counts: { droppedOutputs: 0, raw: 0, newIds: 0, replacedIds: 0, unknownOutputs: 0, attachments: 0, toolApi: 0 },
    minor: typeof ipynb.nbformat_minor === 'number' ? ipynb.nbformat_minor : 0,
  };
  const cells = ipynb.cells as JsonObject[];
  // Ids the cells name go first, so that a cell given a new id never takes a later cell's own.
  for (const cell of cells) {
    const id = ownId(cell);
    if (id !== undefined) ctx.ids.add(id);
  }
  const claimed = new Set<string>();
  const notebook: NotebookFile = {
    bmnb: 1,
    metadata: isObject(section?.metadata) ? section.metadata : foreignNotebookMetadata(metadata),
    cells: cells.map((cell, i) => importCell(cell, i, ctx, claimed)),
    ...withoutKeys(section?.extra, ROOT_KEYS),
  };
  if (options.restoreKeyOrder && isObject(section?.keyOrder)) restoreKeyOrder(notebook, section.keyOrder);
  return { notebook, origin: ctx.origin, notes: importNotes(ctx) };
}

/** Each tool's own API in cells, which runs only under that tool's kernel: cells using it are counted in the notes. */
const TOOL_APIS: Partial<Record<IpynbOrigin, { pattern: RegExp; what: string; advice: string }>> = {
  deno: {
    pattern: /\bDeno\.|["'](?:npm|jsr):/,
    what: 'Deno APIs or npm:/jsr: imports',
    advice: 'import packages by their plain names and use Node.js APIs instead.',
  },
  tslab: {
    pattern: /\btslab\./,
    what: "tslab's API (tslab.display)",
    advice: 'a value on the last line of a cell is shown without it.',
  },
  ijavascript: {
    pattern: /\$\$(?:\.|html\$\$|svg\$\$|png\$\$|jpeg\$\$|mime\$\$|async\$\$|done\$\$)/,
    what: "IJavascript's $$ output API",
    advice: 'a value on the last line of a cell is shown without it, and cells may await promises.',
  },
};

function originOf(metadata: JsonObject): IpynbOrigin {
  if (isObject(metadata[KEY])) return 'bmnb';
  const kernel = lower((metadata.kernelspec as JsonObject | undefined)?.name) ?? '';
  if (kernel === 'bmnb') return 'bmnb';
  if (kernel === 'tslab' || kernel === 'jslab') return 'tslab';
  if (kernel === 'deno') return 'deno';
  if (kernel === 'javascript' || kernel === 'ijavascript') return 'ijavascript';
  if (notebookLanguage(metadata) === 'python' || kernel.startsWith('python')) return 'python';
  return 'other';
}

function notebookLanguage(metadata: JsonObject): string | undefined {
  const info = isObject(metadata.language_info) ? metadata.language_info : {};
  const spec = isObject(metadata.kernelspec) ? metadata.kernelspec : {};
  return lower(info.name) ?? lower(spec.language);
}

/** A bmnb language for a language name, or undefined for one bmnb cannot run. */
function runnableLanguage(language: string | undefined): 'typescript' | 'javascript' | undefined {
  switch (language) {
    case 'typescript':
    case 'ts':
      return 'typescript';
    case 'javascript':
    case 'js':
    case 'node':
    case 'nodejs':
      return 'javascript';
    default:
      return undefined;
  }
}

/** The language VS Code recorded for the cell (`metadata.vscode.languageId`), if any. */
function metadataLanguage(metadata: JsonObject | undefined): string | undefined {
  const vscode = metadata?.vscode;
  return isObject(vscode) ? lower(vscode.languageId) : undefined;
}

function foreignNotebookMetadata(metadata: JsonObject): NotebookMetadata {
  return typeof metadata.title === 'string' ? { title: metadata.title } : {};
}

function ownId(cell: JsonObject): string | undefined {
  const section = cellSection(cell);
  if (typeof section?.id === 'string' && section.id !== '') return section.id;
  return typeof cell.id === 'string' && cell.id !== '' ? cell.id : undefined;
}

function cellSection(cell: JsonObject): CellSection | undefined {
  const metadata = cell.metadata;
  return isObject(metadata) && isObject(metadata[KEY]) ? (metadata[KEY] as CellSection) : undefined;
}

/** The cell's id: its own, unless a cell before it has it; else `cell-N`, counted in the notes. */
function importId(cell: JsonObject, index: number, ctx: ImportContext, claimed: Set<string>): string {
  const own = ownId(cell);
  if (own !== undefined && !claimed.has(own)) {
    claimed.add(own);
    return own;
  }
  if (own === undefined) ctx.counts.newIds++;
  else ctx.counts.replacedIds++;
  let id = `cell-${index + 1}`;
  for (let n = 2; ctx.ids.has(id) || claimed.has(id); n++) id = `cell-${index + 1}-${n}`;
  claimed.add(id);
  return id;
}

function importCell(cell: JsonObject, index: number, ctx: ImportContext, claimed: Set<string>): NotebookCell {
  const section = cellSection(cell);
  const id = importId(cell, index, ctx, claimed);
  let text = joinText(cell.source);
  const metadata = importCellMetadata(cell, section);
  if (cell.cell_type === 'markdown') {
    if (isObject(cell.attachments)) text = inlineAttachments(text, cell.attachments, ctx);
    const out: NotebookCell = { id, kind: 'markdown', language: cellLanguage(section?.language) ?? 'markdown', source: importSource(text, section) };
    if (metadata) out.metadata = metadata;
    if (Array.isArray(section?.outputs)) out.outputs = section.outputs;
    if (isObject(section?.execution)) out.execution = section.execution;
    return { ...out, ...withoutKeys(section?.extra, CELL_KEYS) };
  }
  if (cell.cell_type === 'raw') {
    ctx.counts.raw++;
    return withMetadata({ id, kind: 'markdown', language: 'markdown', source: sourceToLines(fenced(text, rawFenceLanguage(cell))) }, metadata);
  }
  const language = codeCellLanguage(section, metadata, ctx.language);
  if (language === undefined) return foreignCodeCell(cell, id, text, metadata, ctx);
  if (ctx.origin !== 'bmnb' && TOOL_APIS[ctx.origin]?.pattern.test(text)) ctx.counts.toolApi++;
  const out: NotebookCell = { id, kind: 'code', language, source: importSource(text, section) };
  if (metadata) out.metadata = metadata;
  const outputs = importOutputs(cell.outputs, ctx);
  if (outputs.length > 0 || section?.emptyOutputs) out.outputs = outputs;
  const execution = importExecution(cell.execution_count, section);
  if (execution) out.execution = execution;
  return { ...out, ...withoutKeys(section?.extra, CELL_KEYS) };
}

/**
 * A code cell's language: bmnb's own where kept, else VS Code's `languageId`, else the notebook's;
 * undefined for a language bmnb cannot run. Export uses it too, to see where bmnb must keep it.
 */
function codeCellLanguage(section: CellSection | undefined, metadata: JsonObject | undefined, notebook: string | undefined): CellLanguage | undefined {
  return cellLanguage(section?.language) ?? runnableLanguage(metadataLanguage(metadata) ?? notebook);
}

function cellLanguage(value: unknown): CellLanguage | undefined {
  return value === 'typescript' || value === 'javascript' || value === 'markdown' ? value : undefined;
}

function withMetadata(cell: NotebookCell, metadata: JsonObject | undefined): NotebookCell {
  return metadata ? { ...cell, metadata } : cell;
}

/** The stored lines where bmnb kept them and they still join to the cell's text; else the usual split. */
function importSource(text: string, section: CellSection | undefined): string[] {
  const kept = section?.source;
  if (Array.isArray(kept) && kept.every((l) => typeof l === 'string') && linesToSource(kept) === text) return kept;
  return sourceToLines(text);
}

/** Jupyter's cell metadata without bmnb's section, plus the entries bmnb kept aside. */
function importCellMetadata(cell: JsonObject, section: CellSection | undefined): JsonObject | undefined {
  const own = isObject(cell.metadata) ? cell.metadata : {};
  const metadata: JsonObject = {};
  for (const [key, value] of Object.entries(own)) if (key !== KEY) setOwn(metadata, key, value);
  if (isObject(section?.metadata)) for (const [key, value] of Object.entries(section.metadata)) setOwn(metadata, key, value);
  return Object.keys(metadata).length > 0 || section?.emptyMetadata ? metadata : undefined;
}

/** The execution record: bmnb's where kept (its `order` from `execution_count`), else `{ order }`. */
function importExecution(count: unknown, section: CellSection | undefined): NotebookCell['execution'] {
  const order = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : undefined;
  if (isObject(section?.execution)) {
    const kept: JsonObject = { ...section.execution };
    if (!Object.prototype.hasOwnProperty.call(kept, 'order') && order !== undefined) kept.order = order;
    return kept;
  }
  return order === undefined ? undefined : { order };
}

/** A code cell bmnb cannot run, as a markdown cell showing the code; its outputs are counted, not kept. */
function foreignCodeCell(cell: JsonObject, id: string, text: string, metadata: JsonObject | undefined, ctx: ImportContext): NotebookCell {
  const language = metadataLanguage(metadata) ?? ctx.language ?? '';
  ctx.foreign.set(language, (ctx.foreign.get(language) ?? 0) + 1);
  if (Array.isArray(cell.outputs)) ctx.counts.droppedOutputs += cell.outputs.length;
  return withMetadata({ id, kind: 'markdown', language: 'markdown', source: sourceToLines(fenced(text, fenceTag(language))) }, metadata);
}

/** A language name as a fence's info string (`c++` stays, spaces and quotes go). */
function fenceTag(language: string): string {
  return language.replace(/[^\w+#.-]/g, '');
}

/** Text in a fenced code block, with a fence longer than any run of backticks in it. */
function fenced(text: string, language: string): string {
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  const body = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

/** The language tag of a raw cell's fence, from nbconvert's `raw_mimetype` (`text/latex` → `latex`). */
function rawFenceLanguage(cell: JsonObject): string {
  const metadata = isObject(cell.metadata) ? cell.metadata : {};
  const mime = lower(metadata.raw_mimetype) ?? lower(metadata.format) ?? '';
  return (mime.split('/').pop() ?? '').replace(/^x-/, '').replace(/[^\w+#.-]/g, '');
}

/**
 * Markdown attachments (`![](attachment:plot.png)`) as data URLs in the text: bmnb has no
 * attachments, and VS Code's markdown shows data URLs.
 */
function inlineAttachments(text: string, attachments: JsonObject, ctx: ImportContext): string {
  let out = text;
  for (const [name, bundle] of Object.entries(attachments)) {
    if (!isObject(bundle)) continue;
    const mime = Object.keys(bundle).find((m) => m.startsWith('image/'));
    if (mime === undefined) continue;
    const data = joinText(bundle[mime]).replace(/\s+/g, '');
    const reference = `attachment:${name}`;
    if (!out.includes(reference)) continue;
    out = out.split(reference).join(`data:${mime};base64,${data}`);
    ctx.counts.attachments++;
  }
  return out;
}

function importOutputs(outputs: unknown, ctx: ImportContext): CellOutput[] {
  if (!Array.isArray(outputs)) return [];
  const result: CellOutput[] = [];
  for (const output of outputs as JsonObject[]) {
    const converted = importOutput(output);
    if (converted) result.push(converted);
    else ctx.counts.unknownOutputs++;
  }
  return result;
}

/** One nbformat output as a bmnb output; undefined for an output type nbformat 4.5 does not define. */
function importOutput(output: JsonObject): CellOutput | undefined {
  switch (output.output_type) {
    case 'stream':
      return { items: [{ mime: output.name === 'stderr' ? MIME.stderr : MIME.stdout, data: joinText(output.text) }] };
    case 'error':
      return { items: [{ mime: MIME.error, data: errorItemData(String(output.ename ?? ''), String(output.evalue ?? ''), stringList(output.traceback)) }] };
    case 'display_data':
    case 'execute_result':
      return importBundle(output);
    default:
      return undefined;
  }
}

/** bmnb's error item (src/host/outputs.ts): `{ name, message, stack }`, the stack without ANSI codes. */
function errorItemData(ename: string, evalue: string, traceback: string[]): string {
  const stack = traceback.length > 0 ? stripAnsi(traceback.join('\n')) : undefined;
  return JSON.stringify({ name: ename, message: evalue, stack });
}

/** Removes terminal colour and cursor codes (IPython colours its tracebacks). */
function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

/** A MIME bundle output as items: bmnb's own where kept, else the bundle's without fallbacks. */
function importBundle(output: JsonObject): CellOutput {
  const data = isObject(output.data) ? output.data : {};
  const own = isObject(output.metadata) ? output.metadata : {};
  const section = isObject(own[KEY]) ? (own[KEY] as OutputSection) : undefined;
  let items: OutputItem[];
  if (Array.isArray(section?.items) && section.items.every((i) => isObject(i) && typeof i.mime === 'string')) {
    items = section.items;
  } else {
    const fallbacks = new Set(section ? stringList(section.fallbacks) : kernelFallbacks(Object.keys(data)));
    const mimes = Object.keys(data).filter((m) => m !== '' && !fallbacks.has(m));
    const order = stringList(section?.order);
    const ordered = order.length === mimes.length && sameStrings([...order].sort(), [...mimes].sort()) ? order : defaultItemOrder(mimes);
    items = ordered.map((mime) => ({ mime, data: importItemData(mime, data[mime], section !== undefined) }));
  }
  const metadata: JsonObject = {};
  for (const [key, value] of Object.entries(own)) if (key !== KEY) setOwn(metadata, key, value);
  if (isObject(section?.metadata)) for (const [key, value] of Object.entries(section.metadata)) setOwn(metadata, key, value);
  const out: CellOutput = { items };
  if (Object.keys(metadata).length > 0 || section?.emptyMetadata) out.metadata = metadata;
  return { ...out, ...withoutKeys(section?.extra, OUTPUT_KEYS) };
}

/**
 * The copies bmnb's Jupyter kernel adds to its payloads for Jupyter's sake (an HTML table, a PNG)
 * in an output a Jupyter session made: a `.bmnb` keeps the payload, which bmnb draws itself.
 */
function kernelFallbacks(mimes: string[]): string[] {
  return mimes.some((m) => m.startsWith('application/vnd.bmnb.')) ? mimes.filter((m) => m === 'text/html' || m === 'image/png') : [];
}

/** Python's sorted order of the MIME types, `text/plain` last (the plainest comes last, as bmnb's kernel sends). */
function defaultItemOrder(mimes: string[]): string[] {
  const sorted = [...mimes].sort(compareCodePoints);
  const plain = sorted.filter((m) => m === MIME.text);
  return [...sorted.filter((m) => m !== MIME.text), ...plain];
}

/**
 * A bundle value as bmnb stores it: text joined from its lines (nbformat's `rejoin_lines`), JSON
 * as it is; base64 without the line breaks other tools put in it (never in bmnb's own outputs).
 */
function importItemData(mime: string, value: unknown, fromBmnb: boolean): unknown {
  if (isNbformatJsonMime(mime)) return value;
  const text = Array.isArray(value) && value.every((l) => typeof l === 'string') ? value.join('') : value;
  if (!fromBmnb && typeof text === 'string' && mimeStorage(mime) === 'base64') return text.replace(/\s+/g, '');
  return text;
}

/** The notes a user should read after an import. */
function importNotes(ctx: ImportContext): string[] {
  const notes: string[] = [];
  const { counts } = ctx;
  for (const [language, n] of ctx.foreign) {
    const what = language === '' ? 'code cell in an unnamed language' : `${languageName(language)} code cell`;
    const fence = language === '' ? 'a fenced block' : `a \`\`\`${fenceTag(language)} block`;
    const became = n === 1 ? 'became a markdown cell' : 'became markdown cells';
    notes.push(`${plural(n, what, what.replace(' cell', ' cells'))} ${became} showing the code in ${fence}: bmnb runs TypeScript and JavaScript only.`);
  }
  if (counts.droppedOutputs > 0) {
    notes.push(`${plural(counts.droppedOutputs, 'output of those cells was', 'outputs of those cells were')} left out: markdown cells have no outputs.`);
  }
  if (counts.raw > 0) {
    const became = counts.raw === 1 ? 'became a markdown cell with its' : 'became markdown cells with their';
    notes.push(`${plural(counts.raw, 'raw cell', 'raw cells')} ${became} text in a fenced block.`);
  }
  const api = TOOL_APIS[ctx.origin];
  if (api && counts.toolApi > 0) notes.push(`${plural(counts.toolApi, 'cell uses', 'cells use')} ${api.what}, which bmnb's kernel does not provide: ${api.advice}`);
  if (counts.newIds > 0) {
    const why = ctx.minor < 5 ? ` (nbformat 4.${ctx.minor} has no cell ids)` : '';
    notes.push(`${plural(counts.newIds, 'cell', 'cells')} had no id${why} and got a new one.`);
  }
  if (counts.replacedIds > 0) notes.push(`${plural(counts.replacedIds, 'cell', 'cells')} repeated an earlier cell's id and got a new one.`);
  if (counts.unknownOutputs > 0) {
    notes.push(`${plural(counts.unknownOutputs, 'output of a type nbformat 4.5 does not define was', 'outputs of a type nbformat 4.5 does not define were')} left out.`);
  }
  if (counts.attachments > 0) {
    const became = counts.attachments === 1 ? "became a data URL in its cell's text" : "became data URLs in their cells' text";
    notes.push(`${plural(counts.attachments, 'markdown attachment', 'markdown attachments')} ${became}.`);
  }
  return notes;
}

function languageName(language: string): string {
  const known: Record<string, string> = { python: 'Python', r: 'R', julia: 'Julia', scala: 'Scala', 'c++': 'C++', csharp: 'C#', rust: 'Rust', go: 'Go', java: 'Java' };
  return known[language] ?? language;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ───────────────────────────── checks on the .ipynb ─────────────────────────────

const BAD_SECTION_ADVICE =
  'What bmnb kept in the metadata ("bmnb" keys) does not make a valid notebook: remove those keys to import the notebook as Jupyter has it. The file was not changed.';

const NBFORMAT_4_ADVICE =
  'Convert it with `jupyter nbconvert --to notebook --nbformat 4 <file>` first; the file was not changed.';

/**
 * Checks what the import relies on and throws NotebookFormatError listing every problem: a
 * notebook object of nbformat 4, cells of a known type with text sources, outputs that are
 * objects with an `output_type`. Everything else is taken as it comes.
 */
function checkIpynb(value: unknown): void {
  if (!isObject(value)) {
    throw importError([{ path: '$', message: `must be a JSON object with "nbformat" and "cells" (got ${describe(value)}); this is not a Jupyter notebook` }]);
  }
  if (!('nbformat' in value)) {
    const bmnb = 'bmnb' in value ? ': it is a bmnb notebook (.bmnb), which bmnb opens as it is' : '; this is not a Jupyter notebook';
    throw importError([{ path: '$', message: `missing required field "nbformat"${bmnb}` }]);
  }
  const version = value.nbformat;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw importError([{ path: '$.nbformat', message: `must be a whole number (got ${describe(version)})` }]);
  }
  if (version < 4) {
    throw importError([{ path: '$.nbformat', message: `nbformat ${version} is older than bmnb reads (nbformat 4)` }], NBFORMAT_4_ADVICE);
  }
  if (version > 4) {
    throw importError([{ path: '$.nbformat', message: `nbformat ${version} is newer than bmnb reads (nbformat 4)` }], 'Update bmnb, or save the notebook as nbformat 4 in Jupyter; the file was not changed.');
  }
  const problems: FormatProblem[] = [];
  if (value.metadata !== undefined && !isObject(value.metadata)) problems.push({ path: '$.metadata', message: `must be an object (got ${describe(value.metadata)})` });
  if (!('cells' in value)) problems.push({ path: '$', message: 'missing required field "cells"; this is not a Jupyter notebook' });
  else if (!Array.isArray(value.cells)) problems.push({ path: '$.cells', message: `must be an array of cells (got ${describe(value.cells)})` });
  else value.cells.forEach((cell: unknown, i: number) => problems.push(...cellProblems(cell, `$.cells[${i}]`)));
  if (problems.length > 0) throw importError(problems);
}

function cellProblems(cell: unknown, path: string): FormatProblem[] {
  if (!isObject(cell)) return [{ path, message: `must be a cell object with "cell_type" and "source" (got ${describe(cell)})` }];
  const problems: FormatProblem[] = [];
  if (!('cell_type' in cell)) problems.push({ path, message: 'missing required field "cell_type"' });
  else if (cell.cell_type !== 'code' && cell.cell_type !== 'markdown' && cell.cell_type !== 'raw') {
    problems.push({ path: `${path}.cell_type`, message: `must be one of "code", "markdown", "raw" (got ${describe(cell.cell_type)})` });
  }
  problems.push(...textProblems(cell.source, `${path}.source`, 'source'));
  if (cell.metadata !== undefined && !isObject(cell.metadata)) problems.push({ path: `${path}.metadata`, message: `must be an object (got ${describe(cell.metadata)})` });
  const tags = isObject(cell.metadata) ? cell.metadata.tags : undefined;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    problems.push({ path: `${path}.metadata.tags`, message: `must be an array of strings (got ${describe(tags)})` });
  }
  if (cell.cell_type === 'code') {
    const count = cell.execution_count;
    if (count !== undefined && count !== null && !(typeof count === 'number' && Number.isInteger(count) && count >= 0)) {
      problems.push({ path: `${path}.execution_count`, message: `must be a whole number ≥ 0 or null (got ${describe(count)})` });
    }
    if (cell.outputs !== undefined && !Array.isArray(cell.outputs)) problems.push({ path: `${path}.outputs`, message: `must be an array of outputs (got ${describe(cell.outputs)})` });
    if (Array.isArray(cell.outputs)) cell.outputs.forEach((o: unknown, j: number) => problems.push(...outputProblems(o, `${path}.outputs[${j}]`)));
  }
  return problems;
}

function outputProblems(output: unknown, path: string): FormatProblem[] {
  if (!isObject(output)) return [{ path, message: `must be an output object with "output_type" (got ${describe(output)})` }];
  if (typeof output.output_type !== 'string') return [{ path: `${path}.output_type`, message: `must be a string (got ${describe(output.output_type)})` }];
  switch (output.output_type) {
    case 'stream':
      return textProblems(output.text, `${path}.text`, 'text');
    case 'error': {
      const problems: FormatProblem[] = [];
      for (const key of ['ename', 'evalue']) {
        if (typeof output[key] !== 'string') problems.push({ path: `${path}.${key}`, message: `must be a string (got ${describe(output[key])})` });
      }
      if (!Array.isArray(output.traceback) || !output.traceback.every((l) => typeof l === 'string')) {
        problems.push({ path: `${path}.traceback`, message: `must be an array of strings (got ${describe(output.traceback)})` });
      }
      return problems;
    }
    case 'display_data':
    case 'execute_result':
      if (!isObject(output.data)) return [{ path: `${path}.data`, message: `must be an object of MIME types (got ${describe(output.data)})` }];
      if (output.metadata !== undefined && !isObject(output.metadata)) return [{ path: `${path}.metadata`, message: `must be an object (got ${describe(output.metadata)})` }];
      return [];
    default:
      return [];
  }
}

/** nbformat's multiline string: a string or an array of strings (the lines). */
function textProblems(value: unknown, path: string, field: string): FormatProblem[] {
  if (value === undefined) return [{ path: path.slice(0, path.lastIndexOf('.')), message: `missing required field "${field}"` }];
  if (typeof value === 'string') return [];
  if (!Array.isArray(value)) return [{ path, message: `must be a string or an array of strings, one per line (got ${describe(value)})` }];
  const problems: FormatProblem[] = [];
  value.forEach((line: unknown, i: number) => {
    if (typeof line !== 'string') problems.push({ path: `${path}[${i}]`, message: `must be a string (got ${describe(line)})` });
  });
  return problems;
}

// ───────────────────────────── key order ─────────────────────────────

/**
 * Where Jupyter's sorting changed the key order of `original` (as rebuilt from the exported
 * text): compared on the serialized form, so only orders the `.bmnb` file shows count.
 */
function keyOrderRecord(original: NotebookFile, rebuilt: NotebookFile): KeyOrderRecord | undefined {
  const seen = new Map<string, { path: string; want: string[]; have: string[] }[]>();
  const visit = (want: unknown, have: unknown, path: string): void => {
    if (Array.isArray(want) && Array.isArray(have)) {
      want.forEach((v, i) => visit(v, have[i], elementPath(path, i, v)));
    } else if (isObject(want) && isObject(have)) {
      const wantKeys = Object.keys(want);
      const haveKeys = Object.keys(have);
      if (wantKeys.length > 1 && sameStrings([...wantKeys].sort(), [...haveKeys].sort())) {
        const signature = keySignature(wantKeys);
        const list = seen.get(signature) ?? [];
        list.push({ path, want: wantKeys, have: haveKeys });
        seen.set(signature, list);
      }
      for (const key of wantKeys) if (Object.prototype.hasOwnProperty.call(have, key)) visit(want[key], have[key], keyPath(path, key));
    }
  };
  visit(JSON.parse(serializeNotebook(original)), JSON.parse(serializeNotebook(rebuilt)), '$');
  const orders: string[][] = [];
  const at: Record<string, string[]> = {};
  for (const list of seen.values()) {
    if (list.every((o) => sameStrings(o.want, o.have))) continue;
    const order = mostCommon(list.map((o) => o.want));
    orders.push(order);
    for (const o of list) if (!sameStrings(o.want, order)) at[o.path] = o.want;
  }
  if (orders.length === 0) return undefined;
  return Object.keys(at).length > 0 ? { orders, at } : { orders };
}

/** Puts each object's keys back in the order `record` gives for its path or its set of keys. */
function restoreKeyOrder(nb: NotebookFile, record: KeyOrderRecord): void {
  const table = new Map<string, string[]>();
  for (const order of Array.isArray(record.orders) ? record.orders : []) {
    if (Array.isArray(order) && order.every((k) => typeof k === 'string')) table.set(keySignature(order), order);
  }
  const at = isObject(record.at) ? record.at : {};
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, elementPath(path, i, v)));
      return;
    }
    if (!isObject(value)) return;
    const keys = Object.keys(value);
    if (keys.length > 1) {
      const signature = keySignature(keys);
      const own = at[path];
      const order = Array.isArray(own) && own.every((k) => typeof k === 'string') && keySignature(own) === signature ? own : table.get(signature);
      if (order && !sameStrings(order, keys)) reorder(value, order);
    }
    for (const key of Object.keys(value)) visit(value[key], keyPath(path, key));
  };
  visit(nb, '$');
}

/** Moves each key to the end in `order`'s order (integer-like keys stay first, as JSON.parse has them). */
function reorder(object: JsonObject, order: string[]): void {
  for (const key of order) {
    const value = object[key];
    delete object[key];
    setOwn(object, key, value);
  }
}

function keySignature(keys: string[]): string {
  return JSON.stringify([...keys].sort());
}

/** A cell's path names it by id (`$.cells["k3f9"]`), so that a record still fits after cells move in Jupyter. */
function elementPath(path: string, index: number, element: unknown): string {
  if (path === '$.cells' && isObject(element) && typeof element.id === 'string') return `${path}[${JSON.stringify(element.id)}]`;
  return `${path}[${index}]`;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function mostCommon(orders: string[][]): string[] {
  const counts = new Map<string, { order: string[]; n: number }>();
  for (const order of orders) {
    const key = JSON.stringify(order);
    const entry = counts.get(key) ?? { order, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  let best = { order: orders[0]!, n: 0 };
  for (const entry of counts.values()) if (entry.n > best.n) best = entry;
  return best.order;
}

// ───────────────────────────── small helpers ─────────────────────────────

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lower(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];
}

/** nbformat's multiline string as one string. */
function joinText(value: unknown): string {
  if (typeof value === 'string') return value;
  return Array.isArray(value) ? value.filter((l) => typeof l === 'string').join('') : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The fields of `object` not in `known`, or undefined when there are none. */
function unknownFields(object: JsonObject, known: Set<string>): JsonObject | undefined {
  const extra: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (!known.has(key) && value !== undefined) setOwn(extra, key, value);
  return Object.keys(extra).length > 0 ? extra : undefined;
}

/** `extra` without the keys in `known` (a hand-edited section cannot replace a cell's own fields). */
function withoutKeys(extra: unknown, known: Set<string>): JsonObject {
  return isObject(extra) ? (unknownFields(extra, known) ?? {}) : {};
}

/** Sets an own property, even one named `__proto__`. */
function setOwn(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deep equality of JSON values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

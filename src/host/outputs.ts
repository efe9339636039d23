/**
 * A cell's outputs as they arrive, in the .bmnb shape: the one reducer behind `bmnb run`'s saved
 * notebook and the editor's live view (src/extension/outputView.ts).
 *
 * - Consecutive chunks of one stream join one output; `\r` moves back to the start of the line and
 *   what follows overwrites it, as in a terminal. Each chunk costs time in its own length (plus the
 *   current line when a `\r` overwrites it): nothing before is re-joined or re-scanned.
 * - Displays and the result follow in order; a live output (training curves) changes in place.
 * - A cell keeps at most `maxBytes` of output and {@link MAX_OUTPUTS} outputs. Past either, it
 *   keeps the head and the tail, with one note between them saying how much was left out and how
 *   to raise the limit; memory stays bounded whatever the cell prints.
 */
import { MIME, type ErrorPayload, type OutputItemPayload } from '../protocol';

export interface CollectedOutput {
  items: OutputItemPayload[];
}

/** The default of `bmnb.output.maxMegabytesPerCell` and `bmnb run --max-output`. */
export const DEFAULT_MAX_OUTPUT_MB = 10;
/** The most outputs (stream runs and displays) a cell keeps: half at the head, half at the tail. */
export const MAX_OUTPUTS = 1000;

/**
 * How the editor takes a cell's output (src/extension/outputView.ts and controller.ts; also the
 * output bench, which plays the editor's part):
 * - it reads at most `readBytesPerSecond` from the kernel (a cell printing more waits), more than a
 *   person can read and less than it takes to keep a core busy taking it in;
 * - it updates a cell's outputs at most every `minUpdateMs`, and for a big output less often:
 *   VS Code joins and redraws a whole stream output on every update, so at most
 *   `redrawBytesPerSecond` of the cell's output per second (10 MB: twice a second).
 */
export const EDITOR_PACING = {
  readBytesPerSecond: 8 * 1024 * 1024,
  minUpdateMs: 100,
  redrawBytesPerSecond: 20 * 1024 * 1024,
} as const;

/** Milliseconds until the editor's next update of a cell that keeps `size` bytes of output now. */
export function editorUpdateDelay(size: number, lastUpdateMs = 0): number {
  return Math.max(EDITOR_PACING.minUpdateMs, 3 * lastUpdateMs, (1000 * size) / EDITOR_PACING.redrawBytesPerSecond);
}

export interface OutputLimits {
  /** The most bytes (UTF-8) of output a cell keeps. */
  maxBytes: number;
  /** How the note names the limit's settings, e.g. "the setting bmnb.output.maxMegabytesPerCell". */
  raiseHint: string;
}

export const DEFAULT_LIMITS: OutputLimits = {
  maxBytes: DEFAULT_MAX_OUTPUT_MB * 1024 * 1024,
  raiseHint: 'the setting bmnb.output.maxMegabytesPerCell, or bmnb run --max-output <MB>',
};

/** The note's first words: how a person (or a test) recognizes the place where output was cut. */
export const OMITTED_NOTE_PREFIX = '[bmnb] output left out here:';

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The text of one stream output with a terminal's `\r`: committed chunks (ending at a newline) and
 * the current line with its cursor. `version` changes when text already there changes (a `\r`
 * overwrite, or text dropped from the front); otherwise text only grows at the end.
 */
export class StreamText {
  private chunks: string[] = [];
  private chunkBytes: number[] = [];
  private first = 0;
  private line = '';
  private cursor = 0;
  private lineBytes = 0;
  private committedBytes = 0;
  private committedChars = 0;
  version = 0;

  get bytes(): number {
    return this.committedBytes + this.lineBytes;
  }

  /** Characters (UTF-16 code units) of text. */
  get length(): number {
    return this.committedChars + this.line.length;
  }

  /** Appends printed text; returns how many bytes the text grew (or shrank) by. */
  write(text: string): number {
    const before = this.bytes;
    if (this.cursor === this.line.length && !text.includes('\r')) {
      // The common case: no carriage return, writing at the end of the line.
      const lastNewline = text.lastIndexOf('\n');
      if (lastNewline < 0) this.put(text);
      else {
        this.commit(this.line + text.slice(0, lastNewline + 1));
        this.setLine(text.slice(lastNewline + 1));
      }
      return this.bytes - before;
    }
    let start = 0;
    const re = /[\r\n]/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m.index > start) this.put(text.slice(start, m.index));
      if (text[m.index] === '\n') {
        this.commit(`${this.line}\n`);
        this.setLine('');
      } else this.cursor = 0;
      start = m.index + 1;
    }
    if (start < text.length) this.put(text.slice(start));
    return this.bytes - before;
  }

  private put(segment: string): void {
    if (this.cursor === this.line.length) {
      this.line += segment;
      this.lineBytes += utf8Bytes(segment);
    } else {
      // A carriage return earlier: this text overwrites the line from the cursor on.
      this.line = this.line.slice(0, this.cursor) + segment + this.line.slice(this.cursor + segment.length);
      this.lineBytes = utf8Bytes(this.line);
      this.version++;
    }
    this.cursor += segment.length;
  }

  private setLine(text: string): void {
    this.line = text;
    this.cursor = text.length;
    this.lineBytes = utf8Bytes(text);
  }

  private commit(text: string): void {
    const bytes = utf8Bytes(text);
    this.chunks.push(text);
    this.chunkBytes.push(bytes);
    this.committedBytes += bytes;
    this.committedChars += text.length;
  }

  /** The whole text. */
  text(): string {
    return this.chunks.slice(this.first).join('') + this.line;
  }

  /** The text after the first `from` characters (valid while `version` is what it was then). */
  textAfter(from: number): string {
    if (from >= this.committedChars) return this.line.slice(from - this.committedChars);
    const parts: string[] = [this.line];
    let start = this.committedChars;
    for (let i = this.chunks.length - 1; i >= this.first && start > from; i--) {
      const chunk = this.chunks[i]!;
      start -= chunk.length;
      parts.push(start >= from ? chunk : chunk.slice(from - start));
    }
    return parts.reverse().join('');
  }

  /**
   * Drops about `bytes` from the front, ending at a line break where one is near; returns what went.
   * The current line loses its front only when there is nothing else left to drop.
   */
  dropFront(bytes: number): { bytes: number; lines: number } {
    let dropped = 0;
    let lines = 0;
    while (dropped < bytes && this.first < this.chunks.length) {
      const chunk = this.chunks[this.first]!;
      const size = this.chunkBytes[this.first]!;
      if (dropped + size <= bytes || size === 0) {
        dropped += size;
        lines += countLines(chunk);
        this.committedChars -= chunk.length;
        this.chunks[this.first++] = '';
        continue;
      }
      // Cut inside this chunk, at the end of a line past the bytes wanted when there is one.
      const want = bytes - dropped;
      let at = Math.min(chunk.length - 1, Math.ceil((want * chunk.length) / size));
      const newline = chunk.indexOf('\n', at);
      at = newline >= 0 ? newline + 1 : at;
      const head = chunk.slice(0, at);
      const headBytes = utf8Bytes(head);
      dropped += headBytes;
      lines += countLines(head);
      this.committedChars -= head.length;
      this.chunks[this.first] = chunk.slice(at);
      this.chunkBytes[this.first] = size - headBytes;
      break;
    }
    this.committedBytes -= dropped;
    if (dropped < bytes && this.first >= this.chunks.length && this.line.length > 1) {
      // One enormous line with no line break: its front goes too.
      const at = Math.min(this.line.length - 1, Math.ceil(((bytes - dropped) * this.line.length) / Math.max(1, this.lineBytes)));
      const gone = this.line.slice(0, at);
      dropped += utf8Bytes(gone);
      this.line = this.line.slice(at);
      this.cursor = Math.max(0, this.cursor - at);
      this.lineBytes = utf8Bytes(this.line);
    }
    if (this.first > 1024 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.chunkBytes = this.chunkBytes.slice(this.first);
      this.first = 0;
    }
    if (dropped > 0) this.version++;
    return { bytes: dropped, lines };
  }

  /** Splits off the text after about `bytes` (at a line end when one is near) into a new StreamText. */
  splitAfter(bytes: number): StreamText {
    const text = this.text();
    let at = Math.min(text.length, Math.ceil((bytes * text.length) / Math.max(1, this.bytes)));
    const lineEnd = text.lastIndexOf('\n', at - 1);
    if (lineEnd >= 0) at = lineEnd + 1;
    const rest = new StreamText();
    rest.write(text.slice(at));
    // The current line (and where a `\r` left its cursor) goes on in the new part.
    const lineStart = text.length - this.line.length;
    rest.cursor = Math.min(rest.line.length, Math.max(0, this.cursor - Math.max(0, at - lineStart)));
    const kept = text.slice(0, at);
    this.chunks = kept ? [kept] : [];
    this.chunkBytes = kept ? [utf8Bytes(kept)] : [];
    this.first = 0;
    this.committedBytes = this.chunkBytes[0] ?? 0;
    this.committedChars = kept.length;
    this.setLine('');
    this.version++;
    return rest;
  }
}

/** One output of the cell: a run of one stream, a display, the error, or the note where output was cut. */
export interface OutputEntry {
  /** Unique within the cell, in order of creation. */
  readonly id: number;
  readonly kind: 'stream' | 'display' | 'note';
  /** For a stream: which. */
  readonly name?: 'stdout' | 'stderr';
  readonly text?: StreamText;
  /** For a display or the note: its items. */
  items?: OutputItemPayload[];
  /** Changes when a display's items are replaced. */
  version: number;
  bytes: number;
}

function itemsBytes(items: OutputItemPayload[]): number {
  let n = 0;
  for (const it of items) n += typeof it.data === 'string' ? utf8Bytes(it.data) : utf8Bytes(JSON.stringify(it.data) ?? '');
  return n;
}

export class CellOutputs {
  private list: OutputEntry[] = [];
  private nextId = 1;
  private bytes = 0;
  /** The note entry once output has been cut (it separates the head from the tail). */
  private note?: OutputEntry;
  /** Stream runs of the head may not grow once the cut is made. */
  private frozen?: OutputEntry;
  private readonly live = new Map<string, OutputEntry>();
  private clearPending = false;
  private readonly omitted = { bytes: 0, lines: 0, outputs: 0 };
  private readonly limits: OutputLimits;

  constructor(limits: Partial<OutputLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** The outputs now, in order (the editor's view reads these; do not change them). */
  get entries(): readonly OutputEntry[] {
    return this.list;
  }

  /** Bytes of output the cell keeps now. */
  get size(): number {
    return this.bytes;
  }

  /** Whether something was left out. */
  get cut(): boolean {
    return this.note !== undefined;
  }

  /** Jupyter's clear_output: every output so far goes (with `wait`, when the next one comes). */
  clear(wait = false): void {
    if (wait) {
      this.clearPending = true;
      return;
    }
    this.clearPending = false;
    this.list = [];
    this.bytes = 0;
    this.note = undefined;
    this.frozen = undefined;
    this.live.clear();
    Object.assign(this.omitted, { bytes: 0, lines: 0, outputs: 0 });
  }

  /** A clear that waited for this output. */
  private clearIfPending(): void {
    if (this.clearPending) this.clear();
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    this.clearIfPending();
    const last = this.list[this.list.length - 1];
    let entry = last?.kind === 'stream' && last.name === name && last !== this.frozen ? last : undefined;
    if (!entry) {
      entry = { id: this.nextId++, kind: 'stream', name, text: new StreamText(), version: 0, bytes: 0 };
      this.list.push(entry);
    }
    const grew = entry.text!.write(text);
    entry.bytes += grew;
    this.bytes += grew;
    this.enforce();
  }

  /** One more output; with a displayId seen before and `update`, new items for that output instead. */
  display(items: OutputItemPayload[], displayId?: string, update?: boolean): void {
    this.clearIfPending();
    const existing = displayId ? this.live.get(displayId) : undefined;
    if (existing && update) {
      // (An output already left out stays out.)
      if (!this.list.includes(existing)) return;
      const size = itemsBytes(items);
      this.bytes += size - existing.bytes;
      existing.bytes = size;
      existing.items = items;
      existing.version++;
      this.enforce();
      return;
    }
    const entry: OutputEntry = { id: this.nextId++, kind: 'display', items, version: 0, bytes: itemsBytes(items) };
    this.list.push(entry);
    this.bytes += entry.bytes;
    if (displayId) this.live.set(displayId, entry);
    this.enforce();
  }

  error(error: Pick<ErrorPayload, 'name' | 'message' | 'stack'>): void {
    this.display([{ mime: MIME.error, data: JSON.stringify({ name: error.name, message: error.message, stack: error.stack }) }]);
  }

  /** The outputs as a .bmnb cell keeps them. */
  get outputs(): CollectedOutput[] {
    return this.list.map((e) => ({ items: e.kind === 'stream' ? [{ mime: e.name === 'stdout' ? MIME.stdout : MIME.stderr, data: e.text!.text() }] : e.items! }));
  }

  /** Keeps the cell within its limits: the first time, cuts the list in a head and a tail; then trims the tail's front. */
  private enforce(): void {
    const { maxBytes } = this.limits;
    if (this.bytes <= maxBytes && this.list.length <= MAX_OUTPUTS) return;
    if (!this.note) this.makeCut();
    const noteIndex = this.list.indexOf(this.note!);
    const tailBudget = maxBytes / 2;
    const tailOutputs = MAX_OUTPUTS / 2 - 1;
    let tailBytes = 0;
    for (let i = noteIndex + 1; i < this.list.length; i++) tailBytes += this.list[i]!.bytes;
    let tailCount = this.list.length - noteIndex - 1;
    if (tailBytes <= tailBudget && tailCount <= tailOutputs) return;
    // Trim to half the budget, so that the next trim is a while away: the editor sends the whole
    // tail again after each, and this way that costs about what was printed meanwhile.
    const bytesTarget = tailBudget * 0.5;
    const countTarget = Math.floor(tailOutputs * 0.5);
    const removeFrom = noteIndex + 1;
    let removeTo = removeFrom;
    while (removeTo < this.list.length - 1 && (tailBytes > bytesTarget || tailCount > countTarget)) {
      const entry = this.list[removeTo]!;
      if (entry.kind === 'stream' && tailCount <= countTarget && entry.bytes > tailBytes - bytesTarget) {
        const gone = entry.text!.dropFront(tailBytes - bytesTarget);
        entry.bytes -= gone.bytes;
        tailBytes -= gone.bytes;
        this.bytes -= gone.bytes;
        this.omitted.bytes += gone.bytes;
        this.omitted.lines += gone.lines;
        break;
      }
      tailBytes -= entry.bytes;
      tailCount--;
      this.bytes -= entry.bytes;
      this.omitted.bytes += entry.bytes;
      if (entry.kind === 'stream') this.omitted.lines += countLines(entry.text!.text());
      else this.omitted.outputs++;
      removeTo++;
    }
    // The last output is never dropped whole (it may be the one growing); its front is, when it alone is too big.
    const last = this.list[this.list.length - 1]!;
    if (removeTo === this.list.length - 1 && last.kind === 'stream' && last.bytes > bytesTarget) {
      const gone = last.text!.dropFront(last.bytes - bytesTarget);
      last.bytes -= gone.bytes;
      this.bytes -= gone.bytes;
      this.omitted.bytes += gone.bytes;
      this.omitted.lines += gone.lines;
    }
    if (removeTo > removeFrom) this.list.splice(removeFrom, removeTo - removeFrom);
    this.updateNote();
  }

  /** Splits the outputs at half the limits: what is before stays for good (the head), then the note. */
  private makeCut(): void {
    const headBudget = this.limits.maxBytes / 2;
    const headOutputs = MAX_OUTPUTS / 2;
    let used = 0;
    let index = 0;
    for (; index < this.list.length && index < headOutputs; index++) {
      const entry = this.list[index]!;
      if (used + entry.bytes <= headBudget) {
        used += entry.bytes;
        continue;
      }
      if (entry.kind === 'stream' && headBudget - used > 0) {
        // Split this stream run: its first part ends the head, the rest starts the tail.
        const rest = entry.text!.splitAfter(headBudget - used);
        const restEntry: OutputEntry = { id: this.nextId++, kind: 'stream', name: entry.name, text: rest, version: 0, bytes: rest.bytes };
        entry.bytes = entry.text!.bytes;
        entry.version++;
        this.list.splice(index + 1, 0, restEntry);
        index++;
      }
      break;
    }
    this.note = { id: this.nextId++, kind: 'note', items: [], version: 0, bytes: 0 };
    this.list.splice(index, 0, this.note);
    const before = this.list[index - 1];
    if (before?.kind === 'stream') this.frozen = before;
    this.updateNote();
  }

  private updateNote(): void {
    const note = this.note!;
    const { bytes, lines, outputs } = this.omitted;
    const what = [lines ? `${lines.toLocaleString('en-US')} lines` : '', outputs ? `${outputs.toLocaleString('en-US')} outputs` : ''].filter(Boolean).join(' and ');
    const text =
      `${OMITTED_NOTE_PREFIX} ${what || 'output'} (${formatBytes(bytes)}). This cell keeps up to ` +
      `${formatBytes(this.limits.maxBytes)} and ${MAX_OUTPUTS.toLocaleString('en-US')} outputs, the first and the last half; ` +
      `raise it with ${this.limits.raiseHint}.`;
    note.items = [{ mime: MIME.text, data: text }];
    note.version++;
  }
}

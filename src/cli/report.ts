/**
 * What `bmnb run` shows in a terminal while a notebook runs: one progress line per cell on stderr
 * (`[3/12] cell 5 … ✓ 1.2 s`), the cells' own output on stdout/stderr as it is printed, the
 * finished lines of a live output (training curves: each epoch as it ends, the progress line once
 * the cell is done), the cell's value, and how each cell ended.
 */
import { MIME, type InitializeResult, type OutputItemPayload } from '../protocol';
import type { CellOutcome, CellWatcher } from './runCell';

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function plainText(items: OutputItemPayload[]): string | undefined {
  const text = items.find((it) => it.mime === MIME.text)?.data;
  return typeof text === 'string' ? text : undefined;
}

export class TerminalReport implements CellWatcher {
  /** The progress line of the running cell, e.g. `[3/12] cell 5`. */
  private progress = '';
  /** Whether anything was printed since the progress line (then its ✓ goes on a line of its own). */
  private printedSince = false;
  /** Live outputs of the running cell: how many of their lines are printed, and the last one. */
  private readonly live = new Map<string, { printed: number; last: string }>();

  constructor(
    private readonly stdout: NodeJS.WritableStream,
    private readonly stderr: NodeJS.WritableStream,
  ) {}

  kernelStarted(file: string, info: InitializeResult): void {
    this.stderr.write(`bmnb: ${file} on ${info.backend} (${info.detail}), tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}\n`);
    for (const s of info.skipped) this.stderr.write(`bmnb:   skipped ${s.name}: ${s.detail}\n`);
  }

  cellStarted(position: number, total: number, label: string): void {
    this.progress = `[${position}/${total}] ${label}`;
    this.printedSince = false;
    this.live.clear();
    this.stderr.write(`${this.progress} …`);
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    this.breakLine();
    (name === 'stdout' ? this.stdout : this.stderr).write(text);
  }

  /** A display: printed now; a live one (with a displayId) line by line as its lines become final. */
  display(items: OutputItemPayload[], displayId?: string): void {
    const text = plainText(items);
    if (!displayId) {
      this.breakLine();
      if (text !== undefined) this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    const lines = text?.split('\n') ?? [];
    const printed = this.live.get(displayId)?.printed ?? 0;
    const done = lines.slice(printed, -1);
    if (done.length) {
      this.breakLine();
      this.stdout.write(`${done.join('\n')}\n`);
    }
    this.live.set(displayId, { printed: printed + done.length, last: lines[lines.length - 1] ?? '' });
  }

  /** The end of a cell: live outputs' last lines, its value, then ✓ or ✗ with the error. */
  cellEnded(label: string, outcome: CellOutcome, kernelLog: string): void {
    for (const { last } of this.live.values()) {
      this.breakLine();
      this.stdout.write(`${last}\n`);
    }
    const value = outcome.result?.result ? plainText(outcome.result.result) : undefined;
    if (outcome.result?.result) this.breakLine();
    if (value !== undefined) this.stdout.write(value.endsWith('\n') ? value : `${value}\n`);
    const duration = formatDuration(outcome.durationMs);
    if (outcome.error) {
      const { error } = outcome;
      this.breakLine();
      const where = error.location ? `, line ${error.location.line}, column ${error.location.column}` : '';
      this.stderr.write(`${this.progress} ✗ failed after ${duration} (${label}${where})\n${error.stack}\n`);
      // A kernel that died by itself: its last words say why. (One the host stopped did not crash.)
      if (outcome.died && outcome.died.reason !== 'stopped') {
        const tail = kernelLog.trim().split('\n').slice(-5).join('\n');
        if (tail) this.stderr.write(`bmnb: last lines of the kernel log:\n${tail}\n`);
      }
    } else if (this.printedSince) {
      this.stderr.write(`${this.progress} ✓ ${duration}\n`);
    } else {
      this.stderr.write(` ✓ ${duration}\n`);
    }
  }

  interrupting(): void {
    this.stderr.write('\nbmnb: interrupting the running cell (Ctrl-C again to stop the kernel)\n');
  }

  stoppedAt(label: string, notRun: number): void {
    if (notRun > 0) this.stderr.write(`bmnb: stopped at ${label}; ${notRun} later cell(s) not run\n`);
  }

  finished(outFile: string | undefined, allRan: number | undefined): void {
    if (outFile) this.stderr.write(`bmnb: wrote ${outFile}\n`);
    if (allRan !== undefined) this.stderr.write(`bmnb: all ${allRan} code cells ran\n`);
  }

  /** Ends the progress line before the first thing a cell prints. */
  private breakLine(): void {
    if (!this.printedSince) this.stderr.write('\n');
    this.printedSince = true;
  }
}

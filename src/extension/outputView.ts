/**
 * A running cell's outputs in the editor. Everything the kernel sends goes into the shared reducer
 * (src/host/outputs.ts: `\r`, live outputs, the per-cell limit); the editor is brought up to date
 * from it at most every 100 ms, further apart when VS Code takes long to apply the edits or the
 * output is big (VS Code redraws a whole output on each update; EDITOR_PACING in host/outputs.ts): a cell
 * that floods its output never floods the editor.
 *
 * Each update sends only what changed: text appended to a stream output is appended; an output
 * whose text was rewritten (`\r`, or its front dropped past the limit) or whose items changed (live
 * training curves) is replaced; new outputs are appended; when the list itself changed (output
 * was cut and the note went in) the whole list is replaced.
 */
import * as vscode from 'vscode';
import { itemDataToBytes } from '../format';
import { CellOutputs, editorUpdateDelay, type OutputEntry, type OutputLimits } from '../host/outputs';
import type { ErrorPayload, OutputItemPayload } from '../protocol';


/** An output of the kernel's payload items as VS Code holds it. */
export function toOutput(items: OutputItemPayload[]): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(toItems(items));
}

function toItems(items: OutputItemPayload[]): vscode.NotebookCellOutputItem[] {
  return items.map((item) => new vscode.NotebookCellOutputItem(itemDataToBytes(item.mime, item.data), item.mime));
}

function streamItem(entry: OutputEntry, text: string): vscode.NotebookCellOutputItem {
  return entry.name === 'stderr' ? vscode.NotebookCellOutputItem.stderr(text) : vscode.NotebookCellOutputItem.stdout(text);
}

function entryItems(entry: OutputEntry): vscode.NotebookCellOutputItem[] {
  return entry.kind === 'stream' ? [streamItem(entry, entry.text!.text())] : toItems(entry.items!);
}

/** What the editor shows of one entry, as of the last update. */
interface Shown {
  entry: OutputEntry;
  output: vscode.NotebookCellOutput;
  version: number;
  textVersion: number;
  length: number;
}

export class CellOutputView {
  readonly model: CellOutputs;
  private shown: Shown[] = [];
  private timer?: NodeJS.Timeout;
  private updating?: Promise<void>;
  /** How long VS Code took to apply the last update. */
  private lastUpdateMs = 0;

  constructor(
    private execution: vscode.NotebookCellExecution,
    limits?: Partial<OutputLimits>,
  ) {
    this.model = new CellOutputs(limits);
  }

  /**
   * Goes on in another execution of the same cell: output printed after the cell ended (a timer)
   * is added to what the cell already shows.
   */
  async attach(execution: vscode.NotebookCellExecution): Promise<void> {
    await this.flush();
    this.execution = execution;
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    this.model.stream(name, text);
    this.schedule();
  }

  /** `display.clear()`: the cell's outputs so far go (with `wait`, when the next output comes). */
  clear(wait: boolean): void {
    this.model.clear(wait);
    this.schedule();
  }

  /** A display: appended, or for a live output (training curves) seen before, its items replaced. */
  display(items: OutputItemPayload[], displayId?: string, update?: boolean): void {
    this.model.display(items, displayId, update);
    this.schedule();
  }

  error(error: Pick<ErrorPayload, 'name' | 'message' | 'stack'>): void {
    this.model.error(error);
    this.schedule();
  }

  /** Brings the editor fully up to date (at the end of the run). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.updating) await this.updating;
    await this.run();
  }

  private schedule(): void {
    if (this.timer || this.updating) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, editorUpdateDelay(this.model.size, this.lastUpdateMs));
  }

  private run(): Promise<void> {
    const started = Date.now();
    // (An edit fails when the cell is gone or its outputs were cleared: nothing to show it in then.)
    const p = this.update().catch(() => undefined).finally(() => {
      this.lastUpdateMs = Date.now() - started;
      this.updating = undefined;
    });
    this.updating = p;
    // Output that came during the update goes in the next one.
    void p.then(() => this.dirty() && this.schedule(), () => undefined);
    return p;
  }

  /** Whether the model has changed since the editor was last brought up to date. */
  private dirty(): boolean {
    const entries = this.model.entries;
    if (entries.length !== this.shown.length) return true;
    return this.shown.some((s, i) => {
      const e = entries[i]!;
      return s.entry !== e || s.version !== e.version || (e.text !== undefined && (s.textVersion !== e.text.version || s.length !== e.text.length));
    });
  }

  private snapshot(entry: OutputEntry, output: vscode.NotebookCellOutput): Shown {
    return { entry, output, version: entry.version, textVersion: entry.text?.version ?? 0, length: entry.text?.length ?? 0 };
  }

  /** Sends the edits that bring the editor to the model as it is now (all computed before any is applied). */
  private async update(): Promise<void> {
    const entries = this.model.entries;
    const sameList = this.shown.length <= entries.length && this.shown.every((s, i) => s.entry === entries[i]);
    if (!sameList) {
      // Output was cut: the list itself changed.
      const shown = entries.map((e) => this.snapshot(e, new vscode.NotebookCellOutput(entryItems(e))));
      this.shown = shown;
      await this.execution.replaceOutput(shown.map((s) => s.output));
      return;
    }
    const edits: Thenable<void>[] = [];
    for (const [i, s] of this.shown.entries()) {
      const e = entries[i]!;
      if (e.text) {
        if (e.text.version !== s.textVersion) edits.push(this.execution.replaceOutputItems(streamItem(e, e.text.text()), s.output));
        else if (e.text.length !== s.length) edits.push(this.execution.appendOutputItems(streamItem(e, e.text.textAfter(s.length)), s.output));
      } else if (e.version !== s.version) {
        edits.push(this.execution.replaceOutputItems(toItems(e.items!), s.output));
      }
      this.shown[i] = this.snapshot(e, s.output);
    }
    const added = entries.slice(this.shown.length).map((e) => this.snapshot(e, new vscode.NotebookCellOutput(entryItems(e))));
    if (added.length) {
      this.shown.push(...added);
      edits.push(this.execution.appendOutput(added.map((s) => s.output)));
    }
    await Promise.all(edits);
  }
}

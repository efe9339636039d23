/**
 * A cell's outputs as they arrive during its run: stream text appended chunk by chunk (a carriage
 * return rewrites its line, as in a terminal), displays appended, and live outputs (training
 * curves) replaced in place, every edit in order.
 */
import * as vscode from 'vscode';
import { itemDataToBytes } from '../format';
import { applyCarriageReturns } from '../host/outputs';
import type { OutputItemPayload } from '../protocol';

/** An output of the kernel's payload items as VS Code holds it. */
export function toOutput(items: OutputItemPayload[]): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(items.map((item) => new vscode.NotebookCellOutputItem(itemDataToBytes(item.mime, item.data), item.mime)));
}

/** Appends a running cell's outputs to its execution as they arrive. */
export class StreamWriter {
  private current?: { name: 'stdout' | 'stderr'; output: vscode.NotebookCellOutput; text: string };
  /** Serializes edits: each append waits for the one before it. */
  private chain: Thenable<void> = Promise.resolve();

  constructor(private readonly execution: vscode.NotebookCellExecution) {}

  write(name: 'stdout' | 'stderr', text: string): void {
    const item = (t: string) => (name === 'stdout' ? vscode.NotebookCellOutputItem.stdout(t) : vscode.NotebookCellOutputItem.stderr(t));
    const cur = this.current;
    if (cur && cur.name === name) {
      cur.text += text;
      // A carriage return rewrites its line: replace this output's text with what a terminal shows.
      if (/\r(?!\n)/.test(text)) {
        const full = applyCarriageReturns(cur.text);
        cur.text = full;
        this.enqueue(() => this.execution.replaceOutputItems(item(full), cur.output));
      } else {
        this.enqueue(() => this.execution.appendOutputItems(item(text), cur.output));
      }
      return;
    }
    const clean = applyCarriageReturns(text);
    const output = new vscode.NotebookCellOutput([item(clean)]);
    this.current = { name, output, text: clean };
    this.enqueue(() => this.execution.appendOutput(output));
  }

  /** Any other output ends the current stream run. */
  append(output: vscode.NotebookCellOutput): Thenable<void> {
    this.current = undefined;
    return this.enqueue(() => this.execution.appendOutput(output));
  }

  private readonly live = new Map<string, vscode.NotebookCellOutput>();
  private readonly pendingLive = new Map<string, OutputItemPayload[]>();

  /** A display: appended, or for a live output (training curves) seen before, its items replaced in place. */
  display(items: OutputItemPayload[], displayId?: string, update?: boolean): Thenable<void> {
    const existing = displayId ? this.live.get(displayId) : undefined;
    if (existing && displayId && update) {
      // Updates that arrive while an edit is in flight collapse into the latest one.
      const queued = this.pendingLive.has(displayId);
      this.pendingLive.set(displayId, items);
      if (queued) return this.chain;
      return this.enqueue(() => {
        const latest = this.pendingLive.get(displayId) ?? items;
        this.pendingLive.delete(displayId);
        return this.execution.replaceOutputItems(toOutput(latest).items, existing);
      });
    }
    const output = toOutput(items);
    if (displayId) this.live.set(displayId, output);
    return this.append(output);
  }

  flush(): Thenable<void> {
    return this.chain;
  }

  private enqueue(edit: () => Thenable<void>): Thenable<void> {
    this.chain = this.chain.then(edit, edit);
    return this.chain;
  }
}


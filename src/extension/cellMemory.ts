/**
 * Tensor memory per cell. Each run's change in tf.memory() (ExecuteResult.memory) is written into
 * the cell's execution record (`execution.memory: { tensors, bytes }`, saved in the .bmnb file)
 * and shown in the cell's status bar: `+3 tensors · +4.1 MB`, or `no new tensors`. A cell whose
 * runs leave more tensors behind three times in a row (in one kernel) gets a warning that names
 * the cure, tf.tidy and dispose: in its status bar while it keeps growing, and once as a
 * notification.
 */
import * as vscode from 'vscode';
import type { KernelClient } from '../host/kernelClient';
import { NOTEBOOK_TYPE } from './bmnbNotebooks';
import type { BmnbController, CellRun } from './controller';
import { memoryRecord, memoryText, formatBytes } from './inspectFormat';
import { storedMemory, withStoredMemory, type MemoryRecord } from './metadata';

/** Runs in a row that each leave tensors behind before a cell is called leaky. */
export const LEAK_RUNS = 3;

interface Streak {
  kernel: KernelClient;
  /** Consecutive runs of the cell, in this kernel, that each left tensors behind. */
  runs: number;
  last: MemoryRecord;
}

export class CellMemory implements vscode.NotebookCellStatusBarItemProvider, vscode.Disposable {
  private readonly streaks = new Map<string, Streak>();
  /** Cells already warned about with a notification (once per cell per window). */
  private readonly notified = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(controller: BmnbController) {
    this.disposables.push(
      this.changed,
      vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, this),
      controller.onDidExecuteCell((run) => void this.record(run)),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        for (const cell of notebook.getCells()) {
          this.streaks.delete(cell.document.uri.toString());
          this.notified.delete(cell.document.uri.toString());
        }
      }),
    );
  }

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    if (cell.kind !== vscode.NotebookCellKind.Code) return [];
    const items: vscode.NotebookCellStatusBarItem[] = [];
    const memory = storedMemory(cell.metadata);
    if (memory) {
      const item = new vscode.NotebookCellStatusBarItem(memoryText(memory), vscode.NotebookCellStatusBarAlignment.Left);
      item.tooltip =
        memory.tensors > 0
          ? `The last run of this cell left ${memory.tensors} more tensor${memory.tensors === 1 ? '' : 's'} (${formatBytes(memory.bytes)}) allocated in the kernel. Tensors are freed only by dispose() or tf.tidy.`
          : memory.tensors < 0
            ? `The last run of this cell freed ${-memory.tensors} tensor${memory.tensors === -1 ? '' : 's'} (${formatBytes(-memory.bytes)}).`
            : 'The last run of this cell left no new tensors allocated in the kernel.';
      items.push(item);
    }
    const streak = this.streaks.get(cell.document.uri.toString());
    if (streak && streak.runs >= LEAK_RUNS && streak.kernel.alive) {
      const warning = new vscode.NotebookCellStatusBarItem('$(warning) tensors grow every run: tf.tidy / dispose', vscode.NotebookCellStatusBarAlignment.Left);
      warning.tooltip = leakMessage('This cell', streak);
      items.push(warning);
    }
    return items;
  }

  private async record({ notebook, cell, result, kernel }: CellRun): Promise<void> {
    const key = cell.document.uri.toString();
    const memory = result.memory ? memoryRecord(result.memory) : undefined;
    const previous = this.streaks.get(key);
    if (memory && memory.tensors > 0) {
      const runs = previous && previous.kernel === kernel ? previous.runs + 1 : 1;
      const streak = { kernel, runs, last: memory };
      this.streaks.set(key, streak);
      if (runs >= LEAK_RUNS && !this.notified.has(key)) {
        this.notified.add(key);
        void vscode.window.showWarningMessage(leakMessage(`Cell ${cell.index + 1}`, streak));
      }
    } else {
      this.streaks.delete(key);
    }

    // The execution record travels in the cell's metadata (metadata.ts) and is saved with it.
    const stored = storedMemory(cell.metadata);
    const same = stored && memory ? stored.tensors === memory.tensors && stored.bytes === memory.bytes : stored === memory;
    if (!same && cell.index >= 0 && !notebook.isClosed) {
      const edit = new vscode.WorkspaceEdit();
      edit.set(notebook.uri, [vscode.NotebookEdit.updateCellMetadata(cell.index, withStoredMemory(cell.metadata, memory))]);
      await Promise.resolve(vscode.workspace.applyEdit(edit)).catch(() => false);
    }
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function leakMessage(subject: string, streak: Streak): string {
  const { tensors, bytes } = streak.last;
  return (
    `${subject} leaks tensors: each of its last ${streak.runs} runs left more in memory (+${tensors} tensor${tensors === 1 ? '' : 's'}, +${formatBytes(bytes)} this time). ` +
    'Wrap temporary work in tf.tidy(() => …) and call dispose() (or tf.dispose(x)) on tensors you replace or no longer need.'
  );
}

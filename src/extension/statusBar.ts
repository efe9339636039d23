/** The status bar item of the active bmnb notebook: its backend and tensor memory. */
import * as vscode from 'vscode';
import { isBmnbNotebook } from './bmnbNotebooks';
import type { BmnbController } from './controller';
import { formatBytes } from './inspectFormat';

export class KernelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('bmnb.kernel', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly controller: BmnbController) {
    this.item.name = 'Big Model Notebooks kernel';
    this.item.command = 'bmnb.selectBackend';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveNotebookEditor(() => void this.update()),
      controller.onDidChangeKernel((nb) => {
        if (vscode.window.activeNotebookEditor?.notebook === nb) void this.update();
      }),
    );
    void this.update();
  }

  async update(): Promise<void> {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    if (!isBmnbNotebook(notebook)) {
      this.item.hide();
      return;
    }
    const kernel = this.controller.runningKernel(notebook);
    if (!kernel) {
      this.item.text = '$(circle-outline) bmnb: no kernel';
      this.item.tooltip = 'The kernel starts when a cell runs. Click to choose the backend.';
      this.item.show();
      return;
    }
    const memory = await Promise.race([kernel.memory(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000))]).catch(() => undefined);
    // webgpu names its GPU (the adapter), hardware or software.
    const adapter = kernel.info.adapter;
    const backend = adapter ? `${kernel.info.backend} · ${adapter.name}${adapter.software ? ' (software)' : ''}` : kernel.info.backend;
    this.item.text = memory ? `$(circuit-board) ${backend} · ${memory.numTensors} tensors · ${formatBytes(memory.numBytes)}` : `$(circuit-board) ${backend}`;
    this.item.tooltip = `Backend ${backend} (${kernel.info.detail}), tfjs ${kernel.info.tfjsVersion}, Node ${kernel.info.nodeVersion}, pid ${kernel.pid}. Click to choose another backend.`;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

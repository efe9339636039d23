/**
 * The notebook controller: one kernel per open notebook, started on the first run. Runs cells in
 * order, streams their output as it arrives, stops Run All at the first failure, interrupts (and
 * offers a restart when the kernel does not stop), and reports a kernel that died.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { KernelSession } from '../host/kernelSession';
import { KernelDiedError, KernelStartError, newExecutionId, type KernelClient, type LateOutput } from '../host/kernelClient';
import { EDITOR_PACING, type OutputLimits } from '../host/outputs';
import type { BackendName, ErrorPayload, ExecuteResult } from '../protocol';
import { NOTEBOOK_TYPE, isBmnbNotebook } from './bmnbNotebooks';
import { cellId, notebookBackend } from './metadata';
import { readSettings } from './settings';
import { CellOutputView } from './outputView';

export const CONTROLLER_ID = 'bmnb-kernel';

/** One cell run that the kernel answered (ok, error or interrupted). */
export interface CellRun {
  notebook: vscode.NotebookDocument;
  cell: vscode.NotebookCell;
  result: ExecuteResult;
  /** The kernel that ran it. */
  kernel: KernelClient;
  /** The cell document's version whose text was run (later edits make line numbers stale). */
  version: number;
}

/** A notebook's backend: its own `metadata.backend` when not `auto`, else the `bmnb.backend` setting. */
export function backendFor(notebook: vscode.NotebookDocument): BackendName | 'auto' {
  return notebookBackend(notebook.metadata) ?? readSettings().backend;
}

/** The per-cell output limit from the settings. */
function outputLimits(): Partial<OutputLimits> {
  return { maxBytes: readSettings().maxOutputMB * 1024 * 1024, raiseHint: 'the setting bmnb.output.maxMegabytesPerCell' };
}

/** The last run of a notebook, kept so that output its cell prints after it ended (a timer) is added to it. */
interface LastRun {
  executionId: string;
  cell: vscode.NotebookCell;
  view: CellOutputView;
  success: boolean;
  /** The execution showing late output, while it is open. */
  late?: { execution: vscode.NotebookCellExecution; timer?: NodeJS.Timeout; end(): Promise<void> };
}

/** How long a cell's late-output execution stays open after the last late output. */
const LATE_QUIET_MS = 500;

export class BmnbController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, KernelSession>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.NotebookDocument>();
  /** Fires after a cell ran or a kernel started, stopped or died (the status bar listens). */
  readonly onDidChangeKernel = this.changed.event;
  private readonly executed = new vscode.EventEmitter<CellRun>();
  /** Fires when the kernel answered a cell run, before onDidChangeKernel (shape hints and memory per cell listen). */
  readonly onDidExecuteCell = this.executed.event;

  constructor(
    private readonly kernelPath: string,
    private readonly log: vscode.LogOutputChannel,
    /** A cell's type errors, for bmnb.typecheck.onRun (language.ts). */
    private readonly typeErrors?: (cell: vscode.NotebookCell) => Promise<{ line: number; character: number; message: string; code: number }[]>,
  ) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'TensorFlow.js (bmnb)');
    this.controller.supportedLanguages = ['typescript', 'javascript'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'one long-lived TensorFlow.js session per notebook';
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    this.controller.interruptHandler = (notebook) => this.interrupt(notebook);
    this.disposables.push(
      this.controller,
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.prefer(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => void this.shutdown(nb)),
    );
    for (const nb of vscode.workspace.notebookDocuments) this.prefer(nb);
  }

  private prefer(notebook: vscode.NotebookDocument): void {
    if (isBmnbNotebook(notebook)) this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
  }

  /** The notebook's kernel session (no process is started until a cell runs). */
  session(notebook: vscode.NotebookDocument): KernelSession {
    const key = notebook.uri.toString();
    let session = this.sessions.get(key);
    if (!session) {
      const settings = readSettings();
      const workspaceDir = vscode.workspace.getWorkspaceFolder(notebook.uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const notebookDir = notebook.uri.scheme === 'file' ? dirname(notebook.uri.fsPath) : (workspaceDir ?? tmpdir());
      const useOwnRuntime = !settings.nodePath;
      session = new KernelSession({
        kernelPath: this.kernelPath,
        notebookDir,
        workspaceDir,
        backend: backendFor(notebook),
        nodePath: settings.nodePath || process.execPath,
        // VS Code's own runtime is Electron: run it as plain Node.
        env: useOwnRuntime ? { ELECTRON_RUN_AS_NODE: '1' } : undefined,
        maxMemoryMB: settings.maxMemoryMB || undefined,
        maxOutputBytesPerSecond: EDITOR_PACING.readBytesPerSecond,
        onLog: (text) => {
          for (const line of text.split('\n')) if (line.trim()) this.log.info(`[${notebook.uri.path.split('/').pop()}] ${line}`);
        },
      });
      session.onDeath((err) => {
        this.log.error(err.message);
        this.changed.fire(notebook);
      });
      this.sessions.set(key, session);
    }
    return session;
  }

  /** The notebook's running kernel, or undefined: never starts one (status bar, hover and the variables view ask). */
  runningKernel(notebook: vscode.NotebookDocument): KernelClient | undefined {
    return this.sessions.get(notebook.uri.toString())?.current;
  }

  /** A fresh session for the notebook: its kernel is stopped now, and the next run starts a new one. */
  async restart(notebook: vscode.NotebookDocument): Promise<void> {
    await this.shutdown(notebook);
    this.changed.fire(notebook);
  }

  /** Stops the notebook's kernel and forgets its session (the notebook closed). */
  async shutdown(notebook: vscode.NotebookDocument): Promise<void> {
    const session = this.sessions.get(notebook.uri.toString());
    this.sessions.delete(notebook.uri.toString());
    await session?.shutdown();
  }

  /** Interrupts the notebook's running cell; offers a restart if it does not stop in time. */
  interrupt(notebook: vscode.NotebookDocument): void {
    const session = this.sessions.get(notebook.uri.toString());
    if (!session) return;
    session.interrupt();
    this.interruptedAt.set(notebook.uri.toString(), Date.now());
    const seconds = readSettings().interruptTimeoutSeconds;
    const running = this.running.get(notebook.uri.toString());
    if (!running) return;
    const timer = setTimeout(async () => {
      if (this.running.get(notebook.uri.toString()) !== running) return;
      const choice = await vscode.window.showWarningMessage(
        `The kernel did not stop within ${seconds} s of the interrupt. Restart it? Its variables will be lost.`,
        'Restart Kernel',
      );
      if (choice === 'Restart Kernel') await this.restart(notebook);
    }, seconds * 1000);
    void running.finally(() => clearTimeout(timer));
  }

  /** The promise of each notebook's running batch of cells. */
  private readonly running = new Map<string, Promise<void>>();
  /** When each notebook's running cell was last asked to stop (the log says how long it took). */
  private readonly interruptedAt = new Map<string, number>();
  /** Each notebook's last cell run (late output goes to it). */
  private readonly lastRuns = new Map<string, LastRun>();

  /**
   * Output printed after its cell ended: the kernel tags it with the last execution, so it goes to
   * that cell, through an execution of its own that ends when the output stops (as vscode-jupyter
   * does). Nothing printed is dropped: without a cell to show it, it goes to the kernel log.
   */
  private onLateOutput(notebook: vscode.NotebookDocument, output: LateOutput): void {
    const run = this.lastRuns.get(notebook.uri.toString());
    const logIt = () => output.kind === 'stream' && this.log.info(`[late output of ${output.executionId}] ${output.text}`);
    if (!run || run.executionId !== output.executionId || run.cell.index < 0) return void logIt();
    if (!run.late) {
      let execution: vscode.NotebookCellExecution;
      try {
        execution = this.controller.createNotebookCellExecution(run.cell);
      } catch {
        return void logIt(); // the cell is running or queued again
      }
      const summary = run.cell.executionSummary;
      execution.start(summary?.timing?.startTime ?? Date.now());
      if (summary?.executionOrder !== undefined) execution.executionOrder = summary.executionOrder;
      const attached = run.view.attach(execution);
      let ended: Promise<void> | undefined;
      const late: NonNullable<LastRun['late']> = {
        execution,
        end: () =>
          (ended ??= (async () => {
            clearTimeout(late.timer);
            await attached;
            await run.view.flush();
            execution.end(run.success, summary?.timing?.endTime ?? Date.now());
            if (run.late === late) run.late = undefined;
          })()),
      };
      run.late = late;
    }
    if (output.kind === 'stream') run.view.stream(output.name, output.text);
    else if (output.clear) run.view.clear(output.clear.wait);
    else run.view.display(output.items, output.displayId, output.update);
    const late = run.late;
    clearTimeout(late.timer);
    late.timer = setTimeout(() => void late.end(), LATE_QUIET_MS);
  }

  private async execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const previous = this.running.get(key) ?? Promise.resolve();
    const batch = previous.then(() => this.runCells(cells, notebook));
    const tracked = batch.catch(() => undefined);
    this.running.set(key, tracked);
    try {
      await batch;
    } finally {
      if (this.running.get(key) === tracked) this.running.delete(key);
    }
  }

  private async runCells(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    for (const cell of cells) {
      const ok = await this.runCell(cell, notebook);
      if (!ok) break; // Run All stops at the first failing cell
    }
  }

  private async runCell(cell: vscode.NotebookCell, notebook: vscode.NotebookDocument): Promise<boolean> {
    const key = notebook.uri.toString();
    // The last cell's late output ends before anything else runs.
    await this.lastRuns.get(key)?.late?.end();
    this.interruptedAt.delete(key);
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.start(Date.now());
    await execution.clearOutput();
    const view = new CellOutputView(execution, outputLimits());
    const fail = async (error: Pick<ErrorPayload, 'name' | 'message' | 'stack'>) => {
      view.error(error);
      await view.flush();
      execution.end(false, Date.now());
      return false;
    };

    if (!vscode.workspace.isTrusted) {
      return fail({
        name: 'Workspace not trusted',
        message: 'Cells run code on your machine, so bmnb runs nothing in an untrusted workspace. Trust this workspace (Workspaces: Manage Workspace Trust) to run cells.',
        stack: '',
      });
    }

    const language = cell.document.languageId === 'javascript' ? 'javascript' : 'typescript';
    const label = `cell ${cell.index + 1}`;
    const onTypeErrors = readSettings().typecheckOnRun;
    if (onTypeErrors !== 'off' && this.typeErrors) {
      const found = await this.typeErrors(cell);
      if (found.length) {
        const list = found.map((e) => `line ${e.line + 1}, column ${e.character + 1}: error TS${e.code}: ${e.message.split('\n')[0]}`).join('\n');
        if (onTypeErrors === 'block') {
          return fail({
            name: 'Type errors',
            message: `${label} has ${found.length} type error(s), so it did not run (the setting bmnb.typecheck.onRun is "block"):\n${list}`,
            stack: '',
          });
        }
        view.stream('stderr', `bmnb: ${label} has ${found.length} type error(s); it runs anyway (bmnb.typecheck.onRun is "warn"):\n${list}\n`);
      }
    }
    const version = cell.document.version;
    try {
      const session = this.session(notebook);
      const started = session.current;
      const kernel = await session.kernel();
      if (kernel !== started) {
        kernel.onLateOutput((output) => this.onLateOutput(notebook, output));
        this.changed.fire(notebook); // the status bar shows the kernel while the cell runs
      }
      const executionId = newExecutionId();
      const result = await kernel.execute(
        { executionId, cellId: cellId(cell.metadata) ?? cell.document.uri.fragment, cellLabel: label, language, source: cell.document.getText() },
        {
          onStream: ({ name, text }) => view.stream(name, text),
          onDisplay: ({ items, displayId, update, clear }) => (clear ? view.clear(clear.wait) : view.display(items, displayId, update)),
          // `await input(prompt)`: an input box; Escape fails the cell, saying so.
          onInput: async ({ prompt, password }) => {
            const value = await vscode.window.showInputBox({ title: `${label} asks`, prompt: prompt || 'Input for the running cell', password, ignoreFocusOut: true });
            if (value === undefined) throw new Error('input() was cancelled (Escape)');
            return value;
          },
        },
      );
      execution.executionOrder = result.order;
      const askedAt = this.interruptedAt.get(key);
      this.interruptedAt.delete(key);
      if (result.status === 'interrupted' && askedAt !== undefined) this.log.info(`${label} stopped ${Date.now() - askedAt} ms after the interrupt`);
      if (result.result) view.display(result.result);
      if (result.status !== 'ok' && result.error) view.error(result.error);
      await view.flush();
      execution.end(result.status === 'ok', Date.now());
      this.lastRuns.set(key, { executionId, cell, view, success: result.status === 'ok' });
      this.executed.fire({ notebook, cell, result, kernel, version });
      this.changed.fire(notebook);
      return result.status === 'ok';
    } catch (err) {
      this.changed.fire(notebook);
      if (err instanceof KernelDiedError) {
        void vscode.window.showErrorMessage(err.message, 'Show Kernel Log').then((c) => c && this.log.show());
        return fail({
          name: err.reason === 'stopped' ? 'Kernel stopped' : 'Kernel died',
          message: `${err.message} The next run starts a new kernel. The kernel log has the details (command: Big Model Notebooks: Show Kernel Log).`,
          stack: '',
        });
      }
      if (err instanceof KernelStartError) {
        this.sessions.delete(notebook.uri.toString());
        const settings = readSettings();
        const hint =
          err.reason === 'backend'
            ? 'Choose another backend (Big Model Notebooks: Select Backend) or install the one named.'
            : settings.nodePath
              ? `Check the setting bmnb.nodePath ("${settings.nodePath}"): it must be a Node.js 20 or newer executable, or empty to use VS Code's own runtime.`
              : 'The kernel log has the details (Big Model Notebooks: Show Kernel Log).';
        this.log.error(err.message);
        void vscode.window.showErrorMessage(`The kernel could not start. ${hint}`, 'Open Settings', 'Show Kernel Log').then((c) => {
          if (c === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'bmnb');
          if (c === 'Show Kernel Log') this.log.show();
        });
        return fail({ name: 'Kernel did not start', message: `${err.message.split('\n')[0]}\n${hint}`, stack: '' });
      }
      throw err;
    }
  }

  dispose(): void {
    for (const session of this.sessions.values()) void session.shutdown();
    this.sessions.clear();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.executed.dispose();
  }
}


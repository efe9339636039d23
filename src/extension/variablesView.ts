/**
 * The "Notebook Variables" view (Explorer): the top-level variables of the active notebook's
 * kernel, with type, shape and dtype for tensors, params for models, and bytes. Refreshed after
 * each cell and when another notebook becomes active; fetched only while the view is visible,
 * 500 at a time ("Load more"). Without a kernel the view's welcome text says how to start one.
 */
import * as vscode from 'vscode';
import type { ValueInfo, ValueKind } from '../protocol';
import type { KernelClient } from '../host/kernelClient';
import { isBmnbNotebook } from './bmnbNotebooks';
import type { BmnbController } from './controller';
import { describeValue, formatCount, valueMarkdown } from './inspectFormat';

export const VARIABLES_VIEW_ID = 'bmnb.variables';
export const PAGE_SIZE = 500;
const LOAD_MORE_COMMAND = 'bmnb.variables.loadMore';
const REFRESH_COMMAND = 'bmnb.variables.refresh';
/** Context key the view's welcome content reads: noNotebook, noKernel, empty, ready or error. */
const STATE_KEY = 'bmnb.variables.state';
/** Context key: a .bmnb notebook is open (the view shows only then). */
const OPEN_KEY = 'bmnb.notebookOpen';

type Node = { kind: 'variable'; info: ValueInfo } | { kind: 'more'; remaining: number };
type State = 'noNotebook' | 'noKernel' | 'empty' | 'ready' | 'error';

const ICONS: Partial<Record<ValueKind, string>> = {
  tensor: 'symbol-array',
  model: 'layers',
  array: 'list-ordered',
  function: 'symbol-method',
  class: 'symbol-class',
  object: 'symbol-object',
  string: 'symbol-string',
  number: 'symbol-number',
  bigint: 'symbol-number',
  boolean: 'symbol-boolean',
  getter: 'symbol-property',
};

export class VariablesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly view: vscode.TreeView<Node>;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  private notebook?: vscode.NotebookDocument;
  private kernel?: KernelClient;
  private variables: ValueInfo[] = [];
  private total = 0;
  private state?: State;
  /** How many the user asked to see (grows by a page with each "Load more"). */
  private wanted = PAGE_SIZE;
  /** Bumped by every refresh: an answer to an older request is dropped. */
  private generation = 0;
  /** Set while the view is hidden and something changed: refreshed when it shows again. */
  private stale = true;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly controller: BmnbController) {
    this.view = vscode.window.createTreeView(VARIABLES_VIEW_ID, { treeDataProvider: this, showCollapseAll: false });
    this.disposables.push(
      this.view,
      this.changed,
      vscode.commands.registerCommand(LOAD_MORE_COMMAND, () => this.loadMore()),
      vscode.commands.registerCommand(REFRESH_COMMAND, () => this.refresh()),
      this.view.onDidChangeVisibility(() => {
        if (this.view.visible && this.stale) this.refresh();
      }),
      vscode.window.onDidChangeActiveNotebookEditor(() => this.refresh()),
      vscode.workspace.onDidOpenNotebookDocument(() => this.updateOpen()),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        if (nb === this.notebook) this.notebook = undefined;
        this.updateOpen();
        this.refresh();
      }),
      controller.onDidChangeKernel((nb) => {
        if (nb === this.notebook || nb === this.activeNotebook()) this.refresh();
      }),
    );
    this.updateOpen();
    this.refresh();
  }

  /** The notebook whose variables are shown: the active bmnb notebook, else the last one while it is open. */
  private activeNotebook(): vscode.NotebookDocument | undefined {
    const active = vscode.window.activeNotebookEditor?.notebook;
    if (isBmnbNotebook(active)) return active;
    return this.notebook && !this.notebook.isClosed ? this.notebook : undefined;
  }

  private updateOpen(): void {
    const open = vscode.workspace.notebookDocuments.some((nb) => isBmnbNotebook(nb) && !nb.isClosed);
    void vscode.commands.executeCommand('setContext', OPEN_KEY, open);
  }

  /** Asks again soon (several cells ending together make one request). */
  refresh(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fetch();
    }, 50);
  }

  private async fetch(): Promise<void> {
    const notebook = this.activeNotebook();
    const kernel = notebook && this.controller.runningKernel(notebook);
    if (notebook !== this.notebook || kernel !== this.kernel) this.wanted = PAGE_SIZE;
    this.notebook = notebook;
    this.kernel = kernel;
    this.view.description = notebook ? notebook.uri.path.split('/').pop() : undefined;
    const generation = ++this.generation;
    if (!notebook || !kernel) {
      this.show(notebook ? 'noKernel' : 'noNotebook', [], 0);
      return;
    }
    if (!this.view.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    try {
      const result = await kernel.variables({ start: 0, count: this.wanted });
      if (generation !== this.generation) return;
      this.show(result.total ? 'ready' : 'empty', result.variables, result.total);
    } catch (err) {
      if (generation !== this.generation) return;
      if (!kernel.alive) this.show('noKernel', [], 0);
      else this.show('error', [], 0, `The kernel did not list its variables: ${(err as Error).message}`);
    }
  }

  private async loadMore(): Promise<void> {
    const kernel = this.kernel;
    if (!kernel?.alive) return;
    const generation = this.generation;
    const start = this.variables.length;
    const result = await kernel.variables({ start, count: PAGE_SIZE }).catch(() => undefined);
    if (!result || generation !== this.generation || this.variables.length !== start) return;
    this.wanted = start + PAGE_SIZE;
    this.show('ready', [...this.variables, ...result.variables], result.total);
  }

  private show(state: State, variables: ValueInfo[], total: number, message?: string): void {
    this.variables = variables;
    this.total = total;
    this.view.message = message;
    if (state !== this.state) {
      this.state = state;
      void vscode.commands.executeCommand('setContext', STATE_KEY, state);
    }
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (node) return [];
    const nodes: Node[] = this.variables.map((info) => ({ kind: 'variable', info }));
    const remaining = this.total - this.variables.length;
    if (remaining > 0) nodes.push({ kind: 'more', remaining });
    return nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'more') {
      const item = new vscode.TreeItem(`Load more (${formatCount(node.remaining)} more)`);
      item.id = 'bmnb.variables.more';
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.command = { command: LOAD_MORE_COMMAND, title: 'Load more' };
      return item;
    }
    const { info } = node;
    const item = new vscode.TreeItem(info.name);
    item.id = `var:${info.name}`;
    item.description = describeValue(info);
    const tooltip = new vscode.MarkdownString(valueMarkdown(info));
    tooltip.isTrusted = false;
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(ICONS[info.kind] ?? 'symbol-variable');
    item.contextValue = `bmnb.variable.${info.kind}`;
    item.accessibilityInformation = { label: `${info.name}: ${describeValue(info)}` };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

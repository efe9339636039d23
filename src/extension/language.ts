/**
 * TypeScript that knows the whole notebook, in the editor: each open `.bmnb` notebook gets a
 * language server of its own (src/host/languageClient.ts, dist/languageServer.js) that sees its code
 * cells as one program with the kernel's types. Completions, signature help, hover (beside the
 * kernel's own hover), go to definition, references, highlights, rename across cells, and
 * diagnostics per cell (after a pause in typing) come from it. It needs no kernel.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { LanguageClient } from '../host/languageClient';
import type { KernelClient } from '../host/kernelClient';
import type { BmnbController } from './controller';
import type { CellRange, LanguageCell } from '../protocol/language';
import { cellOf, isBmnbNotebook } from './bmnbNotebooks';
import { cellId, cellTags } from './metadata';

/** How long typing must pause before the cells' diagnostics are brought up to date. */
const DIAGNOSTICS_DELAY_MS = 250;

interface NotebookServer {
  client: Promise<LanguageClient | undefined>;
  /** The cells' text as last sent. */
  sent?: string;
  /** The cells' text whose diagnostics are shown. */
  published?: string;
  timer?: NodeJS.Timeout;
}

const idOf = (cell: vscode.NotebookCell) => cellId(cell.metadata) ?? cell.document.uri.fragment;

const codeCells = (notebook: vscode.NotebookDocument) => notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);

const KINDS: Record<string, vscode.CompletionItemKind> = {
  method: vscode.CompletionItemKind.Method,
  function: vscode.CompletionItemKind.Function,
  property: vscode.CompletionItemKind.Property,
  getter: vscode.CompletionItemKind.Property,
  var: vscode.CompletionItemKind.Variable,
  let: vscode.CompletionItemKind.Variable,
  const: vscode.CompletionItemKind.Constant,
  'local var': vscode.CompletionItemKind.Variable,
  class: vscode.CompletionItemKind.Class,
  interface: vscode.CompletionItemKind.Interface,
  type: vscode.CompletionItemKind.TypeParameter,
  enum: vscode.CompletionItemKind.Enum,
  module: vscode.CompletionItemKind.Module,
  keyword: vscode.CompletionItemKind.Keyword,
  alias: vscode.CompletionItemKind.Variable,
  parameter: vscode.CompletionItemKind.Variable,
};

export class NotebookLanguageFeatures implements vscode.Disposable {
  private readonly servers = new Map<string, NotebookServer>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('bmnb');
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly serverPath: string,
    private readonly log: vscode.LogOutputChannel,
    selector: vscode.DocumentSelector,
  ) {
    this.disposables.push(
      this.diagnostics,
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.schedule(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.close(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => this.schedule(e.notebook)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const owner = cellOf(e.document);
        if (owner) this.schedule(owner.notebook);
      }),
      vscode.languages.registerCompletionItemProvider(selector, this.completions(), '.', '"', "'", '/'),
      vscode.languages.registerSignatureHelpProvider(selector, this.signatureHelp(), '(', ','),
      vscode.languages.registerHoverProvider(selector, { provideHover: (d, p) => this.hover(d, p) }),
      vscode.languages.registerDefinitionProvider(selector, { provideDefinition: (d, p) => this.definition(d, p) }),
      vscode.languages.registerReferenceProvider(selector, { provideReferences: (d, p) => this.references(d, p) }),
      vscode.languages.registerDocumentHighlightProvider(selector, { provideDocumentHighlights: (d, p) => this.highlights(d, p) }),
      vscode.languages.registerRenameProvider(selector, { provideRenameEdits: (d, p, n) => this.rename(d, p, n) }),
    );
    for (const nb of vscode.workspace.notebookDocuments) this.schedule(nb);
  }

  /** The notebook's server, started on first use. */
  private server(notebook: vscode.NotebookDocument): NotebookServer {
    const key = notebook.uri.toString();
    let server = this.servers.get(key);
    if (!server) {
      const notebookDir = notebook.uri.scheme === 'file' ? dirname(notebook.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? tmpdir());
      const client = LanguageClient.start({
        serverPath: this.serverPath,
        notebookDir,
        nodePath: process.execPath,
        // VS Code's own runtime is Electron: run it as plain Node.
        env: { ELECTRON_RUN_AS_NODE: '1' },
        onLog: (text) => this.log.info(`[language ${notebook.uri.path.split('/').pop()}] ${text.trimEnd()}`),
      }).catch((err: unknown) => {
        this.log.error(`The notebook's language server did not start: ${(err as Error).message}`);
        return undefined;
      });
      server = { client };
      this.servers.set(key, server);
    }
    return server;
  }

  private cells(notebook: vscode.NotebookDocument): LanguageCell[] {
    return codeCells(notebook).map((cell) => ({
      id: idOf(cell),
      language: cell.document.languageId === 'javascript' ? 'javascript' : 'typescript',
      source: cell.document.getText(),
      tags: cellTags(cell.metadata),
    }));
  }

  /** Sends the cells' text if it changed since it was last sent; the server's answers are about this text. */
  private async sync(notebook: vscode.NotebookDocument): Promise<LanguageClient | undefined> {
    const server = this.server(notebook);
    const client = await server.client;
    if (!client) return undefined;
    const cells = this.cells(notebook);
    const text = JSON.stringify(cells);
    if (text !== server.sent) {
      server.sent = text;
      client.update(cells);
    }
    return client;
  }

  /**
   * Types that know the tensors: after a cell runs, its bindings TypeScript types as a tensor of any
   * rank are read as the rank the kernel saw (`tf.Tensor2D`), in that cell and the cells after it,
   * while each binding's initializer keeps the text that ran and the kernel that ran it lives.
   */
  followKernel(controller: BmnbController): vscode.Disposable {
    /** The kernel whose runs type each notebook's cells. */
    const typedBy = new Map<string, KernelClient>();
    return vscode.Disposable.from(
      controller.onDidExecuteCell(async ({ notebook, cell, result, kernel, version }) => {
        if (!isBmnbNotebook(notebook) || cell.document.version !== version) return;
        const client = await this.sync(notebook);
        if (!client || notebook.isClosed) return;
        typedBy.set(notebook.uri.toString(), kernel);
        client.kernelTensors({ cellId: idOf(cell), source: cell.document.getText(), tensors: (result.tensors ?? []).map((t) => ({ name: t.name, rank: t.shape.length })) });
        this.recheck(notebook);
      }),
      controller.onDidChangeKernel(async (notebook) => {
        const key = notebook.uri.toString();
        const kernel = typedBy.get(key);
        if (!kernel || (kernel.alive && controller.runningKernel(notebook) === kernel)) return;
        typedBy.delete(key);
        const client = await this.servers.get(key)?.client;
        if (!client) return;
        client.kernelGone();
        this.recheck(notebook);
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => typedBy.delete(notebook.uri.toString())),
    );
  }

  /** Diagnostics again though the cells' text did not change (what the kernel saw did). */
  private recheck(notebook: vscode.NotebookDocument): void {
    const server = this.servers.get(notebook.uri.toString());
    if (!server) return;
    server.published = undefined;
    this.schedule(notebook);
  }

  /** Diagnostics after a pause in typing. */
  private schedule(notebook: vscode.NotebookDocument): void {
    if (!isBmnbNotebook(notebook)) return;
    const server = this.server(notebook);
    clearTimeout(server.timer);
    server.timer = setTimeout(() => void this.publish(notebook), DIAGNOSTICS_DELAY_MS);
  }

  private async publish(notebook: vscode.NotebookDocument): Promise<void> {
    const client = await this.sync(notebook);
    const server = this.servers.get(notebook.uri.toString());
    // (outputs changing while a cell runs change nothing to check)
    if (!client || !server || notebook.isClosed || server.published === server.sent) return;
    server.published = server.sent;
    const found = await client.diagnostics().catch(() => undefined);
    if (!found || notebook.isClosed) return;
    const cells = codeCells(notebook);
    const byCell = new Map<number, vscode.Diagnostic[]>();
    for (const d of found) {
      const severity = d.category === 'error' ? vscode.DiagnosticSeverity.Error : d.category === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
      const diagnostic = new vscode.Diagnostic(this.range(d), d.message, severity);
      diagnostic.source = 'bmnb';
      diagnostic.code = d.code;
      byCell.set(d.cellIndex, [...(byCell.get(d.cellIndex) ?? []), diagnostic]);
    }
    for (const [i, cell] of cells.entries()) this.diagnostics.set(cell.document.uri, byCell.get(i) ?? []);
  }

  /** The type errors of one cell now (the cells' current text), 0-based positions in the cell. */
  async cellErrors(cell: vscode.NotebookCell): Promise<{ line: number; character: number; message: string; code: number }[]> {
    const client = await this.sync(cell.notebook);
    if (!client) return [];
    const index = codeCells(cell.notebook).indexOf(cell);
    const all = await client.diagnostics().catch(() => []);
    return all.filter((d) => d.cellIndex === index && d.category === 'error').map(({ line, character, message, code }) => ({ line, character, message, code }));
  }

  private close(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    const server = this.servers.get(key);
    this.servers.delete(key);
    if (server) {
      clearTimeout(server.timer);
      void server.client.then((c) => c?.dispose());
    }
    for (const cell of notebook.getCells()) this.diagnostics.delete(cell.document.uri);
  }

  /** The notebook, the code cell's index and its client for a position in a cell's document. */
  private async at(document: vscode.TextDocument, position: vscode.Position) {
    const owner = cellOf(document);
    if (!owner) return undefined;
    const client = await this.sync(owner.notebook);
    if (!client) return undefined;
    const cellIndex = codeCells(owner.notebook).indexOf(owner.cell);
    return { client, notebook: owner.notebook, at: { cellIndex, line: position.line, character: position.character } };
  }

  private range(r: Omit<CellRange, 'cellIndex'>): vscode.Range {
    return new vscode.Range(r.line, r.character, r.endLine, r.endCharacter);
  }

  private location(notebook: vscode.NotebookDocument, r: CellRange): vscode.Location | undefined {
    const cell = codeCells(notebook)[r.cellIndex];
    return cell ? new vscode.Location(cell.document.uri, this.range(r)) : undefined;
  }

  private completions(): vscode.CompletionItemProvider<vscode.CompletionItem & { at?: { cellIndex: number; line: number; character: number }; notebook?: vscode.NotebookDocument }> {
    return {
      provideCompletionItems: async (document, position) => {
        const q = await this.at(document, position);
        if (!q) return undefined;
        const entries = await q.client.completions(q.at);
        return entries.map((e) => Object.assign(new vscode.CompletionItem(e.name, KINDS[e.kind] ?? vscode.CompletionItemKind.Text), { sortText: e.sortText, insertText: e.insertText, at: q.at, notebook: q.notebook }));
      },
      resolveCompletionItem: async (item) => {
        if (!item.at || !item.notebook) return item;
        const client = await this.server(item.notebook).client;
        const details = await client?.completionDetails(item.at, typeof item.label === 'string' ? item.label : item.label.label);
        if (details) {
          item.detail = details.detail;
          item.documentation = new vscode.MarkdownString(details.documentation);
        }
        return item;
      },
    };
  }

  private signatureHelp(): vscode.SignatureHelpProvider {
    return {
      provideSignatureHelp: async (document, position) => {
        const q = await this.at(document, position);
        const help = q && (await q.client.signatureHelp(q.at));
        if (!help) return undefined;
        const result = new vscode.SignatureHelp();
        result.signatures = help.signatures.map((s) => {
          const info = new vscode.SignatureInformation(s.label, new vscode.MarkdownString(s.documentation));
          info.parameters = s.parameters.map((p) => new vscode.ParameterInformation(p.label, p.documentation));
          return info;
        });
        result.activeSignature = help.activeSignature;
        result.activeParameter = help.activeParameter;
        return result;
      },
    };
  }

  private async hover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const q = await this.at(document, position);
    const hover = q && (await q.client.hover(q.at));
    if (!hover) return undefined;
    const markdown = new vscode.MarkdownString().appendCodeblock(hover.type, 'typescript');
    if (hover.documentation) markdown.appendMarkdown(`\n\n${hover.documentation}`);
    return new vscode.Hover(markdown, hover.range ? this.range(hover.range) : undefined);
  }

  private async definition(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    const q = await this.at(document, position);
    if (!q) return [];
    const { cells, files } = await q.client.definition(q.at);
    return [
      ...cells.flatMap((r) => this.location(q.notebook, r) ?? []),
      ...files.map((f) => new vscode.Location(vscode.Uri.file(f.file), new vscode.Position(f.line, f.character))),
    ];
  }

  private async references(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Location[]> {
    const q = await this.at(document, position);
    if (!q) return [];
    return (await q.client.references(q.at)).flatMap((r) => this.location(q.notebook, r) ?? []);
  }

  private async highlights(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.DocumentHighlight[]> {
    const q = await this.at(document, position);
    if (!q) return [];
    return (await q.client.highlights(q.at))
      .filter((h) => h.cellIndex === q.at.cellIndex)
      .map((h) => new vscode.DocumentHighlight(this.range(h), h.write ? vscode.DocumentHighlightKind.Write : vscode.DocumentHighlightKind.Read));
  }

  private async rename(document: vscode.TextDocument, position: vscode.Position, newName: string): Promise<vscode.WorkspaceEdit | undefined> {
    const q = await this.at(document, position);
    if (!q) return undefined;
    const result = await q.client.rename(q.at, newName);
    if (result.error) throw new Error(result.error);
    const edit = new vscode.WorkspaceEdit();
    for (const e of result.edits) {
      const cell = codeCells(q.notebook)[e.cellIndex];
      if (cell) edit.replace(cell.document.uri, this.range(e), e.newText);
    }
    return edit;
  }

  dispose(): void {
    for (const nb of vscode.workspace.notebookDocuments) if (this.servers.has(nb.uri.toString())) this.close(nb);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The host side of a notebook's language server (dist/languageServer.js): forks it the way the
 * kernel is forked, and speaks src/protocol/language.ts with it. Imports Node and src/protocol only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  LanguageCompletionDetailsRequest,
  LanguageCompletionsRequest,
  LanguageDefinitionRequest,
  LanguageDiagnosticsRequest,
  LanguageHighlightsRequest,
  LanguageHoverRequest,
  LanguageInitializeRequest,
  LanguageKernelGoneNotification,
  LanguageKernelTensorsNotification,
  LanguageReferencesRequest,
  LanguageRenameRequest,
  LanguageSignatureHelpRequest,
  LanguageUpdateNotification,
  type CellPosition,
  type KernelTensorsParams,
  type LanguageCell,
} from '../protocol/language';

export interface LanguageClientOptions {
  /** Path of dist/languageServer.js. */
  serverPath: string;
  notebookDir: string;
  /** The Node to run it on (default: this process's runtime). */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
  /** What the server writes on its stdout/stderr. */
  onLog?(text: string): void;
  /** V8's old-space limit for the server (default DEFAULT_MAX_HEAP_MB). */
  maxHeapMB?: number;
}

/**
 * The server's heap limit. A notebook's program (tfjs's and Node's declarations included) holds
 * about 250 MB; with no limit V8 lets each edit's discarded program pile up (550 MB after 90 edits
 * of the CIFAR-10 sample), with this one it collects them (330 MB), at no cost in latency
 * (bench/language.ts). BMNB_LANGUAGE_MAX_HEAP_MB raises it for a notebook that needs more.
 */
export const DEFAULT_MAX_HEAP_MB = Number(process.env.BMNB_LANGUAGE_MAX_HEAP_MB) || 768;

export class LanguageClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: MessageConnection,
    readonly typescriptVersion: string,
  ) {}

  static async start(options: LanguageClientOptions): Promise<LanguageClient> {
    const child = fork(options.serverPath, [], {
      execPath: options.nodePath,
      // (not the host's own flags: a test runner's loaders must not reach the server)
      execArgv: [`--max-old-space-size=${options.maxHeapMB ?? DEFAULT_MAX_HEAP_MB}`],
      cwd: options.notebookDir,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const log = (b: Buffer) => options.onLog?.(b.toString('utf8'));
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onError(() => undefined);
    connection.listen();
    const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the language server ended (${signal ?? `code ${code}`})`))));
    exited.catch(() => undefined);
    const { typescriptVersion } = await Promise.race([connection.sendRequest(LanguageInitializeRequest.type, { notebookDir: options.notebookDir }), exited]);
    return new LanguageClient(child, connection, typescriptVersion);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  update(cells: LanguageCell[]): void {
    void this.connection.sendNotification(LanguageUpdateNotification.type, { cells });
  }

  /** What a cell's run left in tensor bindings (their ranks type the bindings from now on). */
  kernelTensors(params: KernelTensorsParams): void {
    void this.connection.sendNotification(LanguageKernelTensorsNotification.type, params);
  }

  /** The kernel restarted or ended. */
  kernelGone(): void {
    void this.connection.sendNotification(LanguageKernelGoneNotification.type);
  }

  diagnostics() {
    return this.connection.sendRequest(LanguageDiagnosticsRequest.type);
  }
  completions(at: CellPosition) {
    return this.connection.sendRequest(LanguageCompletionsRequest.type, at);
  }
  completionDetails(at: CellPosition, name: string) {
    return this.connection.sendRequest(LanguageCompletionDetailsRequest.type, { ...at, name });
  }
  signatureHelp(at: CellPosition) {
    return this.connection.sendRequest(LanguageSignatureHelpRequest.type, at);
  }
  hover(at: CellPosition) {
    return this.connection.sendRequest(LanguageHoverRequest.type, at);
  }
  definition(at: CellPosition) {
    return this.connection.sendRequest(LanguageDefinitionRequest.type, at);
  }
  references(at: CellPosition) {
    return this.connection.sendRequest(LanguageReferencesRequest.type, at);
  }
  highlights(at: CellPosition) {
    return this.connection.sendRequest(LanguageHighlightsRequest.type, at);
  }
  rename(at: CellPosition, newName: string) {
    return this.connection.sendRequest(LanguageRenameRequest.type, { ...at, newName });
  }

  /** Ends the server. */
  dispose(): void {
    this.connection.dispose();
    if (this.alive) this.child.kill();
  }
}

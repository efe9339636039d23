/**
 * The HTML export in a real headless Chromium: a sample notebook (003, the cheapest with a tensor,
 * a model summary, training curves, charts, math and a mermaid diagram) is run by the CLI in quick
 * mode, a few cells of our own added (hostile text in a stream and an error; foreign HTML, PNG and
 * SVG outputs as an imported Jupyter notebook has them), exported with src/export, written to a
 * file and opened as file:// with every request that is not file:, data: or blob: aborted and
 * recorded. In light and dark: the diagram is an SVG, math is MathML, code is highlighted, every
 * output is drawn by the renderers (canvases with pixels), hostile strings stay text, nothing runs
 * or loads that should not, no console errors. Screenshots: test-results/export/003-{light,dark}.png.
 *
 * Run: `npm run test:renderers` (builds first; needs scripts/e2e-setup.sh's Chromium and playwright-core).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { exportHtml, loadReportAssets } from '../../src/export';
import { parseNotebook, serializeNotebook, sourceToLines, type NotebookFile } from '../../src/format';
import { MIME } from '../../src/protocol/mime';
import type { ModelSummaryPayload, TensorPayload } from '../../src/protocol/outputs';
import { playwright, type BrowserContext, type Page } from '../e2e/playwright';
import { CHROMIUM, readFixture, REPO } from './harness';

const SCREENSHOTS = join(REPO, 'test-results', 'export');
const MAX_BYTES = 3 * 1024 * 1024;
const HOSTILE = '</script><img src=x onerror="window.__xss = 1">';
/** A 2×2 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';

interface Route {
  request(): { url(): string };
  abort(): Promise<void>;
  continue(): Promise<void>;
}
type ExportContext = BrowserContext & { route(url: string, handler: (route: Route) => Promise<void>): Promise<void> };
type ExportPage = Page & {
  emulateMedia(options: { colorScheme: 'light' | 'dark' }): Promise<void>;
  on(event: 'request', listener: (req: { url(): string }) => void): void;
};

let dir: string;
let nb: NotebookFile;
let htmlFile: string;
let htmlBytes: number;
let context: ExportContext;
let page: ExportPage;
const errors: string[] = [];
const requests: string[] = [];
const aborted: string[] = [];

/** Runs sample 003 quickly through the CLI, with hostile output in a stream and a failing last cell. */
function runSample(): NotebookFile {
  const sample = parseNotebook(readFileSync(join(REPO, 'samples', '003-mnist-dense.bmnb'), 'utf8'));
  sample.cells.push(
    { id: 'hostile-stream', kind: 'code', language: 'typescript', source: sourceToLines(`console.log(${JSON.stringify(HOSTILE)});\nconsole.error('<b>not bold</b>');`) },
    { id: 'hostile-error', kind: 'code', language: 'javascript', source: sourceToLines(`throw new Error(${JSON.stringify(HOSTILE)});`) },
  );
  const input = join(dir, '003.bmnb');
  const output = join(dir, '003-out.bmnb');
  writeFileSync(input, serializeNotebook(sample));
  const started = Date.now();
  const args = [join(REPO, 'dist', 'cli.js'), 'run', input, '--out', output, '--param', 'epochs=1', '--param', 'trainSize=2000', '--param', 'testSize=500'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 5 * 60_000 });
  assert.equal(r.status, 1, `the run stops at the failing last cell (exit ${r.status})\n${r.stderr.slice(-3000)}`);
  console.log(`sample 003 ran in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return parseNotebook(readFileSync(output, 'utf8'));
}

/** A cell as an imported Jupyter notebook has them: foreign HTML with script, images. */
function foreignCell(): NotebookFile['cells'][number] {
  return {
    id: 'foreign',
    kind: 'code',
    language: 'typescript',
    source: sourceToLines('// outputs from elsewhere'),
    execution: { order: 99 },
    outputs: [
      { items: [{ mime: 'text/html', data: '<table class="df"><tr><th>a</th></tr><tr><td>1</td></tr></table><script>parent.__xss = 2; window.__ran = 1</script><img src="x" onerror="parent.__xss = 3"><img src="https://example.com/tracker.png">' }, { mime: MIME.text, data: 'a table' }] },
      { items: [{ mime: 'image/png', data: PNG }, { mime: MIME.text, data: '<Figure 2x2>' }] },
      { items: [{ mime: 'image/svg+xml', data: '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><script>parent.__xss = 4</script><rect width="40" height="20" fill="teal"/></svg>' }] },
      // A recorded tensor with a value table (003's tensor is images), with a fallback that must not show.
      { items: [...readFixture('tensor-matrix').fixture.items, { mime: 'text/html', data: '<p class="fallback">FALLBACK</p>' }] },
    ],
  };
}

function count(mime: string): number {
  return nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.items.some((i) => i.mime === mime)).length;
}

function payloads<P>(mime: string): P[] {
  return nb.cells.flatMap((c) => c.outputs ?? []).flatMap((o) => o.items.filter((i) => i.mime === mime).map((i) => i.data as P));
}

/** Console messages other than the foreign HTML output's, which the sandbox and the CSP block (as they should). */
function unexpected(messages: string[]): string[] {
  return messages.filter(
    (m) => !/Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/.test(m) && !/Loading the image '[^']*(\/x|tracker\.png)' violates the following Content Security Policy/.test(m),
  );
}

async function open(scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
  await page.waitForSelector('body[data-bmnb-ready]', { state: 'attached', timeout: 60_000 });
  await page.waitForSelector('.bmnb-mermaid:not([data-state="pending"]):not([data-state="rendering"])', { state: 'attached', timeout: 60_000 });
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** Non-transparent pixels of each canvas (Chart.js draws on a transparent canvas). */
const CANVAS_PIXELS = `(root) => [...root.querySelectorAll('canvas')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})`;

before(async () => {
  for (const f of ['cli.js', 'renderers/report.js', 'renderers/report.css', 'renderers/report-mermaid/mermaid.js']) {
    assert.ok(existsSync(join(REPO, 'dist', f)), `dist/${f} is missing: run \`node esbuild.mjs\` first`);
  }
  dir = mkdtempSync(join(tmpdir(), 'bmnb-export-'));
  nb = runSample();
  nb.cells.push(foreignCell());
  const started = Date.now();
  const html = exportHtml(nb, loadReportAssets(join(REPO, 'dist')), { title: 'Sample 003' });
  htmlFile = join(dir, '003.html');
  writeFileSync(htmlFile, html);
  htmlBytes = Buffer.byteLength(html);
  console.log(`exported 003 with outputs and its mermaid diagram: ${(htmlBytes / 1024 / 1024).toFixed(2)} MB in ${Date.now() - started} ms`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  context = (await playwright().chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--no-default-browser-check', '--disable-breakpad', '--disable-crash-reporter'],
    viewport: { width: 1100, height: 900 },
    timeout: 60_000,
    env: Object.fromEntries(Object.entries({ ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg-config'), XDG_CACHE_HOME: join(dir, 'xdg-cache') }).filter((e): e is [string, string] => e[1] !== undefined)),
  })) as ExportContext;
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (/^(file|data|blob):/.test(url)) return route.continue();
    aborted.push(url);
    await route.abort();
  });
  page = (context.pages()[0] ?? (await context.newPage())) as ExportPage;
  page.on('request', (req) => requests.push(req.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') errors.push(`${msg.type()}: ${msg.text()}`);
  });
});

after(async () => {
  await context?.close().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('HTML export of sample 003', () => {
  test(`is one file of at most ${MAX_BYTES / 1024 / 1024} MB`, () => {
    assert.ok(htmlBytes <= MAX_BYTES, `${htmlBytes} bytes`);
    // Without its diagram the same notebook carries no mermaid at all.
    const plain = { ...nb, cells: nb.cells.map((c) => (c.kind === 'markdown' ? { ...c, source: sourceToLines(c.source.join('').replace(/```mermaid[\s\S]*?```/g, '')) } : c)) };
    const plainBytes = Buffer.byteLength(exportHtml(plain, loadReportAssets(join(REPO, 'dist'))));
    console.log(`without the diagram: ${(plainBytes / 1024 / 1024).toFixed(2)} MB`);
    assert.ok(plainBytes < htmlBytes - 500_000, `mermaid's core is left out (${plainBytes} vs ${htmlBytes} bytes)`);
    assert.ok(count(MIME.tensor) > 0 && count(MIME.modelSummary) > 0 && count(MIME.training) > 0 && count(MIME.chart) > 0, 'the run made every kind of payload');
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`${scheme}: everything is drawn offline, as the editor draws it, and no kernel string runs`, async () => {
      errors.length = 0;
      requests.length = 0;
      await open(scheme);
      const dom = await page.evaluate<{
        background: string; mermaid: { state: string; svg: boolean; text: string; theme: string }[]; math: number; mathWidth: number; katexHtml: number;
        keywords: number; counts: string[]; tensorHeaders: string[]; tensorImages: number; tensorTableRows: number[]; fallbackShown: boolean; modelRows: number; trainingPixels: number[]; chartPixels: number[];
        streams: string[]; errorText: string; hostileImgs: number; xss: unknown; frameSandbox: string | null; frameCell: string; frameRan: unknown; pngLoaded: boolean; svgLoaded: boolean;
      }>(`(() => {
        const pixels = ${CANVAS_PIXELS};
        const frame = document.querySelector('iframe.bmnb-html-output');
        const imgs = [...document.querySelectorAll('img.bmnb-image-output')];
        return {
          background: getComputedStyle(document.body).backgroundColor,
          mermaid: [...document.querySelectorAll('.bmnb-mermaid')].map((c) => ({ state: c.dataset.state, svg: !!c.querySelector('svg'), text: c.textContent, theme: c.dataset.theme })),
          math: document.querySelectorAll('.markdown-body math').length,
          mathWidth: Math.max(...[...document.querySelectorAll('.markdown-body math')].map((m) => m.getBoundingClientRect().width)),
          katexHtml: document.querySelectorAll('.katex-html').length,
          keywords: document.querySelectorAll('.code-cell .cell-source .hljs-keyword').length,
          counts: [...document.querySelectorAll('.code-cell .exec-count')].map((e) => e.textContent),
          tensorHeaders: [...document.querySelectorAll('.bmnb-tensor-header')].map((e) => e.textContent),
          tensorImages: [...document.querySelectorAll('.bmnb-images img')].filter((i) => i.complete && i.naturalWidth > 0).length,
          tensorTableRows: [...document.querySelectorAll('.bmnb-tensor-table table')].map((t) => t.tBodies[0].rows.length),
          fallbackShown: document.body.innerHTML.includes('FALLBACK'),
          modelRows: document.querySelector('.bmnb-model table tbody')?.rows.length ?? 0,
          trainingPixels: pixels(document.querySelector('[data-mime="${MIME.training}"]')),
          chartPixels: [...document.querySelectorAll('[data-mime="${MIME.chart}"]')].flatMap(pixels),
          streams: [...document.querySelectorAll('.bmnb-text-stdout, .bmnb-text-stderr')].map((e) => e.textContent),
          errorText: document.querySelector('.bmnb-text-error')?.textContent ?? '',
          hostileImgs: document.querySelectorAll('img[src="x"]').length,
          xss: window.__xss,
          frameSandbox: frame.getAttribute('sandbox'),
          frameCell: frame.contentDocument?.querySelector('td')?.textContent ?? '',
          frameRan: frame.contentWindow?.__ran,
          pngLoaded: imgs.some((i) => i.src.startsWith('data:image/png') && i.naturalWidth === 2),
          svgLoaded: imgs.some((i) => i.src.startsWith('data:image/svg+xml') && i.naturalWidth === 40),
        };
      })()`);
      await page.screenshot({ path: join(SCREENSHOTS, `003-${scheme}.png`), fullPage: true });

      assert.equal(dom.background, scheme === 'dark' ? 'rgb(31, 31, 31)' : 'rgb(255, 255, 255)', 'the page follows the system colour scheme');
      // Markdown: the mermaid diagram, math, code.
      assert.equal(dom.mermaid.length, 1, 'sample 003 has one diagram');
      assert.deepEqual(dom.mermaid.map((m) => [m.state, m.svg, m.theme]), [['rendered', true, scheme]], JSON.stringify(dom.mermaid));
      assert.match(dom.mermaid[0]!.text, /Data preprocessing/);
      assert.ok(dom.math >= 5 && dom.katexHtml === 0, `math is MathML only (${dom.math} formulas, ${dom.katexHtml} KaTeX HTML)`);
      assert.ok(dom.mathWidth > 20, `Chromium lays MathML out (widest formula ${dom.mathWidth}px)`);
      assert.ok(dom.keywords > 20, `code is highlighted (${dom.keywords} keyword spans)`);
      const order = nb.cells.filter((c) => c.kind === 'code').map((c) => (typeof c.execution?.order === 'number' ? `[${c.execution.order}]` : '[ ]'));
      assert.deepEqual(dom.counts, order, 'execution counts as VS Code shows them');
      // Outputs, drawn by the renderers.
      const tensors = payloads<TensorPayload>(MIME.tensor);
      assert.equal(dom.tensorHeaders.length, tensors.length);
      assert.ok(dom.tensorHeaders[0]!.includes(`[${tensors[0]!.shape.join(', ')}]`), dom.tensorHeaders[0]);
      assert.equal(dom.tensorImages, tensors.reduce((n, t) => n + (t.images?.shown ?? 0), 0), 'the tensors’ images are shown');
      assert.deepEqual(dom.tensorTableRows, tensors.filter((t) => t.table).map((t) => t.table!.rowIndex.length), 'the tensor value table, row by row');
      assert.ok(dom.tensorTableRows.length > 0);
      assert.equal(dom.fallbackShown, false, 'a payload’s fallbacks are not shown');
      assert.equal(dom.modelRows, payloads<ModelSummaryPayload>(MIME.modelSummary)[0]!.layers.length, 'one model summary row per layer');
      assert.ok(dom.trainingPixels.length >= 2 && dom.trainingPixels.every((n) => n > 500), `training curves are drawn: ${dom.trainingPixels}`);
      assert.equal(dom.chartPixels.length, count(MIME.chart));
      assert.ok(dom.chartPixels.every((n) => n > 500), `charts are drawn: ${dom.chartPixels}`);
      // Kernel strings are text; foreign HTML is sandboxed; images are data: images.
      assert.ok(dom.streams.some((s) => s.includes(HOSTILE)), 'the hostile stream shows as its characters');
      assert.ok(dom.streams.some((s) => s.includes('<b>not bold</b>')), 'stderr shows as text');
      assert.ok(dom.errorText.includes(`Error: ${HOSTILE}`), `the error shows as text: ${dom.errorText.slice(0, 200)}`);
      assert.equal(dom.hostileImgs, 0, 'no <img src=x> was made from a kernel string or foreign HTML in the page');
      assert.equal(dom.xss, undefined, 'no script or handler of an output ran');
      assert.equal(dom.frameSandbox, 'allow-same-origin', 'foreign HTML is in a frame that may not run script');
      assert.equal(dom.frameCell, '1', 'the foreign table is shown');
      assert.equal(dom.frameRan, undefined, 'the script in the foreign HTML did not run');
      assert.ok(dom.pngLoaded && dom.svgLoaded, 'PNG and SVG outputs are shown');
      // Offline: nothing but the file itself, data: and blob: (mermaid's chunks). The foreign HTML's
      // remote image is asked for, and the page's Content-Security-Policy stops it before the network.
      assert.deepEqual(aborted, [], 'no request left the browser');
      assert.deepEqual(requests.filter((u) => !/^(file|data|blob):/.test(u)), ['https://example.com/tracker.png']);
      assert.ok(errors.some((e) => /tracker\.png' violates the following Content Security Policy/.test(e)), 'the CSP blocked the foreign HTML’s remote image');
      assert.deepEqual(unexpected(errors), [], 'no console errors or warnings but the blocked foreign HTML’s');
    });
  }

  test('switching the system to dark redraws diagrams and charts in the dark colours', async () => {
    errors.length = 0;
    await open('light');
    const pixelsOf = `(() => { const c = document.querySelector('[data-mime="${MIME.training}"] canvas'); return c.toDataURL(); })()`;
    const lightChart = await page.evaluate<string>(pixelsOf);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForSelector('.bmnb-mermaid[data-theme="dark"]', { state: 'attached', timeout: 30_000 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const darkChart = await page.evaluate<string>(pixelsOf);
    assert.notEqual(darkChart, lightChart, 'the training chart was drawn again');
    assert.deepEqual(unexpected(errors), []);
  });
});

/** One diagram of each type the export's table knows (src/export/mermaid.ts): each must draw with only its chunks. */
const DIAGRAMS: Record<string, string> = {
  graph: 'graph TD\n  A[Start] --> B{Ok?}\n  B -->|yes| C[End]',
  flowchart: 'flowchart LR\n  A --> B',
  sequenceDiagram: 'sequenceDiagram\n  Alice->>Bob: Hello\n  Bob-->>Alice: Hi',
  classDiagram: 'classDiagram\n  class Model {\n    +fit()\n  }\n  Model <|-- Sequential',
  stateDiagram: 'stateDiagram\n  [*] --> Training\n  Training --> [*]',
  stateDiagramV2: 'stateDiagram-v2\n  [*] --> Idle\n  Idle --> [*]',
  erDiagram: 'erDiagram\n  MODEL ||--o{ LAYER : has',
  gantt: 'gantt\n  dateFormat YYYY-MM-DD\n  section Train\n  Epoch 1 :a1, 2024-01-01, 1d',
  journey: 'journey\n  title Run\n  section Cells\n    Run: 5: Me',
  timeline: 'timeline\n  2023 : GPT-4\n  2024 : Llama 3',
  mindmap: 'mindmap\n  root((Models))\n    CNN\n    MLP',
  pie: 'pie title Params\n  "Dense 1" : 50240\n  "Dense 2" : 650',
  gitGraph: 'gitGraph\n  commit\n  branch dev\n  commit\n  checkout main\n  merge dev',
  quadrantChart: 'quadrantChart\n  x-axis Low --> High\n  y-axis Low --> High\n  A: [0.3, 0.6]',
  xychart: 'xychart-beta\n  x-axis [a, b, c]\n  bar [1, 3, 2]',
  requirementDiagram: 'requirementDiagram\n  requirement r {\n    id: 1\n    text: fast\n  }',
};

describe('HTML export: mermaid diagram types', () => {
  test('every diagram type the export selects chunks for draws offline with only those chunks', async () => {
    const diagrams: NotebookFile = {
      bmnb: 1,
      metadata: {},
      cells: Object.entries(DIAGRAMS).map(([name, source]) => ({ id: name, kind: 'markdown' as const, language: 'markdown' as const, source: sourceToLines(`### ${name}\n\n\`\`\`mermaid\n${source}\n\`\`\``) })),
    };
    const html = exportHtml(diagrams, loadReportAssets(join(REPO, 'dist')));
    const file = join(dir, 'diagrams.html');
    writeFileSync(file, html);
    console.log(`${Object.keys(DIAGRAMS).length} diagram types: ${(Buffer.byteLength(html) / 1024 / 1024).toFixed(2)} MB`);
    errors.length = 0;
    requests.length = 0;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-bmnb-ready]', { state: 'attached', timeout: 60_000 });
    const states = await page.evaluate<Record<string, string>>(`(async () => {
      const done = () => [...document.querySelectorAll('.bmnb-mermaid')].every((c) => c.dataset.state === 'rendered' || c.dataset.state === 'error');
      for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
      return Object.fromEntries([...document.querySelectorAll('.bmnb-mermaid')].map((c) => [c.closest('section').id.slice(5), c.dataset.state + (c.querySelector('svg') ? '+svg' : ' ' + c.textContent.slice(0, 160))]));
    })()`);
    await page.screenshot({ path: join(SCREENSHOTS, 'diagrams-light.png'), fullPage: true });
    assert.deepEqual(states, Object.fromEntries(Object.keys(DIAGRAMS).map((k) => [k, 'rendered+svg'])));
    assert.deepEqual(requests.filter((u) => !/^(file|data|blob):/.test(u)), []);
    assert.deepEqual(errors, []);
  });
});

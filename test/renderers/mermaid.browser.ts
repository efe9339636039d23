/**
 * Mermaid diagrams in markdown cells, in a real headless Chromium: dist/renderers/mermaid.js extends
 * a markdown renderer that does what VS Code's `vscode.markdown-it-renderer` does (markdown-it with
 * VS Code's options, the cell rendered into the shadow root of an element whose id is the output
 * id, `innerHTML` right after markdown-it returns), and the diagrams are checked in that DOM: SVG
 * with the labels for good diagrams, mermaid's own message for a broken one, nothing else changed,
 * nothing left in <body>, colors that follow the theme. Where the e2e cache has code-server, the
 * same happens with VS Code's real markdown renderer, KaTeX extension and built-in mermaid extension
 * loaded beside ours. Screenshots go to test-results/renderers/mermaid-<theme>.png.
 *
 * Run: `npm run test:renderers` (builds first; needs scripts/e2e-setup.sh's Chromium and playwright-core).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRendererPage, REPO, VSCODE_EXTENSIONS, type RendererPage } from './harness';

const SCREENSHOTS = join(REPO, 'test-results', 'renderers');

const FLOWCHART = 'graph TB\n  A[深度学习] --> B[大规模模型]\n  B --> C{效果更好?}\n  C -->|是| D[部署]';
const SEQUENCE = 'sequenceDiagram\n  participant 用户\n  participant Kernel\n  用户->>Kernel: 运行单元格\n  Kernel-->>用户: 输出';
const BROKEN = 'graph TB\n  A[开始] -->\n  B((';

/** Ordinary markdown: headings, emphasis, lists, a table, inline HTML, math and other fences. */
const ORDINARY = [
  '# 模型规模',
  '',
  'Some **bold** text, `inline code`, a [link](https://example.com) and $E = mc^2$.',
  '',
  '- one',
  '- two',
  '',
  '| a | b |',
  '| - | - |',
  '| 1 | 2 |',
  '',
  '```js',
  'const x = tf.ones([2, 3]);',
  '```',
  '',
  '```',
  'graph TB',
  '  no language: stays code',
  '```',
  '',
  '```math',
  'x^2',
  '```',
  '',
  '    indented code',
  '',
  '<details><summary>more</summary>hidden</details>',
].join('\n');

const fence = (source: string, info = 'mermaid'): string => '```' + info + '\n' + source + '\n```';

/** In the page: VS Code's markdown renderer (markdown-language-features/notebook-out, VS Code 1.139) reduced to what matters here. */
const SETUP = `
await new Promise((resolve, reject) => {
  const s = document.createElement('script');
  s.src = '/vendor/markdown-it.js'; s.onload = resolve; s.onerror = reject;
  document.head.appendChild(s);
});
document.documentElement.style.setProperty('--notebook-markdown-min-height', '24px');
// The rules of VS Code's markdown cell styles that reach into a diagram.
const CELL_CSS = 'div { width: 100%; min-height: var(--notebook-markdown-min-height); } *:first-child { margin-top: 0px; } ' +
  'pre code { line-height: 1.357em; white-space: pre-wrap; padding: 0; } code { font-family: var(--vscode-editor-font-family); }';

function markdownRenderer() {
  const md = markdownit({
    html: true,
    linkify: true,
    highlight: (code, lang) => lang
      ? '<div class="vscode-code-block" data-vscode-code-block-lang="' + md.utils.escapeHtml(lang) + '">' + md.utils.escapeHtml(code) + '</div>'
      : md.utils.escapeHtml(code),
  });
  md.linkify.set({ fuzzyLink: false });
  return {
    md,
    renderOutputItem(item, element) {
      let preview;
      if (element.shadowRoot) preview = element.shadowRoot.getElementById('preview');
      else {
        const shadow = element.attachShadow({ mode: 'open' });
        const style = document.createElement('style');
        style.textContent = CELL_CSS;
        shadow.appendChild(style);
        for (const t of document.getElementsByClassName('markdown-style')) shadow.appendChild(t instanceof HTMLTemplateElement ? t.content.cloneNode(true) : t.cloneNode(true));
        preview = document.createElement('div');
        preview.id = 'preview';
        shadow.appendChild(preview);
      }
      preview.innerHTML = md.render(item.text(), { outputItem: item });
    },
    extendMarkdownIt(fn) { fn(md); },
  };
}

const plain = markdownRenderer();
const extended = markdownRenderer();
const ctx = (renderers, isTrusted = true) => ({
  setState() {}, getState() { return undefined; }, workspace: { isTrusted },
  async getRenderer(id) { return renderers[id]; },
});
const ours = await import('/dist/renderers/mermaid.js');
await ours.activate(ctx({ 'vscode.markdown-it-renderer': extended }));

let nextCell = 1;
window.mm = {
  plain, extended, ours, ctx,
  /** A markdown cell as VS Code shows it: an element with the cell's id, rendered by \`renderer\`. */
  cell(text, renderer = extended, element) {
    if (!element) {
      element = document.createElement('div');
      element.className = 'preview';
      element.id = 'cell-' + nextCell++;
      document.getElementById('outputs').appendChild(element);
    }
    const item = { id: element.id, mime: 'text/markdown', metadata: {}, text: () => text, json: () => JSON.parse(text), data: () => new TextEncoder().encode(text), blob: () => new Blob([text]) };
    renderer.renderOutputItem(item, element, new AbortController().signal);
    return element;
  },
  containers(el) { return [...el.shadowRoot.querySelectorAll('.bmnb-mermaid')]; },
  /** Waits until no diagram of \`el\` is pending or rendering. */
  async settled(el, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const busy = el.shadowRoot.querySelectorAll('.bmnb-mermaid[data-state="pending"], .bmnb-mermaid[data-state="rendering"]').length;
      if (!busy) return;
      if (Date.now() > end) throw new Error(busy + ' diagram(s) still not drawn after ' + timeoutMs + ' ms');
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  async until(check, what, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 20));
    }
  },
  /** Everything mermaid may leave outside the cells: its measuring divs, sandbox iframes, error diagrams. */
  strays() {
    const roots = [document, ...[...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot)];
    const out = [];
    for (const el of document.body.children) if (el.id !== 'outputs' && el.tagName !== 'SCRIPT') out.push(el.outerHTML.slice(0, 160));
    for (const root of roots) for (const svg of root.querySelectorAll('svg[aria-roledescription="error"]')) out.push('error svg ' + svg.id);
    return out;
  },
  /** The chunks of dist/renderers/mermaid/ the page has loaded. */
  chunks() { return performance.getEntriesByType('resource').filter((e) => e.name.includes('/dist/renderers/mermaid/')).map((e) => e.name.split('/dist/renderers/')[1]); },
};
`;

let page: RendererPage;
const run = <R>(body: string): Promise<R> => page.run<R>(body);

interface Diagram {
  state: string | undefined;
  theme: string | undefined;
  svgs: number;
  svgText: string;
  svgId: string;
  errorText: string;
  errorRole: string | null;
  sourceText: string;
}

/** What each diagram container of `window.el` shows. */
function diagrams(): Promise<Diagram[]> {
  return run(`return mm.containers(el).map((c) => {
    const svg = c.querySelector('svg');
    return {
      state: c.dataset.state, theme: c.dataset.theme,
      svgs: c.querySelectorAll('svg').length,
      svgText: svg ? svg.textContent : '',
      svgId: svg ? svg.id : '',
      errorText: c.querySelector('.bmnb-mermaid-error')?.textContent ?? '',
      errorRole: c.querySelector('.bmnb-mermaid-error')?.getAttribute('role') ?? null,
      sourceText: c.querySelector('.bmnb-mermaid-source')?.textContent ?? '',
    };
  });`);
}

async function renderCell(text: string): Promise<void> {
  await run(`window.el = mm.cell(${JSON.stringify(text)}); await mm.settled(el); await bmnb.frames();`);
}

before(async () => {
  page = await openRendererPage();
  await run(SETUP);
});

after(async () => {
  await page?.close();
});

describe('mermaid in markdown cells', () => {
  test('ordinary markdown and other fences render exactly as without the extension, and load no mermaid', async () => {
    const r = await run<{ same: boolean; plain: string; extended: string; chunks: string[]; codeBlocks: string[] }>(`
      const text = ${JSON.stringify(ORDINARY)};
      window.el = mm.cell(text); await bmnb.frames();
      return {
        plain: mm.plain.md.render(text), extended: mm.extended.md.render(text),
        same: mm.plain.md.render(text) === mm.extended.md.render(text),
        chunks: mm.chunks(),
        codeBlocks: [...el.shadowRoot.querySelectorAll('.vscode-code-block')].map((b) => b.dataset.vscodeCodeBlockLang + ':' + b.textContent),
      };`);
    assert.equal(r.extended, r.plain, 'the same HTML with and without the mermaid extension');
    assert.deepEqual(r.codeBlocks, ['js:const x = tf.ones([2, 3]);\n', 'math:x^2\n']);
    // Only what the entry imports statically (esbuild's helpers), never mermaid.
    const entryImports = [...readFileSync(join(REPO, 'dist', 'renderers', 'mermaid.js'), 'utf8').matchAll(/^import\s*(?:[^'"]*from\s*)?["']\.\/(mermaid\/[^'"]+)["']/gm)].map((m) => m[1]);
    assert.deepEqual(r.chunks.sort(), entryImports.sort(), 'a notebook without diagrams never loads mermaid');
    assert.equal(await run<number>(`return mm.containers(el).length;`), 0);
  });

  test('a flowchart with CJK labels and a sequence diagram become SVG; a broken diagram shows mermaid\'s message and its source', async () => {
    const text = [ORDINARY, fence(FLOWCHART), 'Between the diagrams.', fence(SEQUENCE), fence(BROKEN), 'The end.'].join('\n\n');
    await renderCell(text);
    const [flow, seq, broken, ...rest] = await diagrams();
    assert.equal(rest.length, 0, 'one container per mermaid fence');

    assert.equal(flow.state, 'rendered');
    assert.equal(flow.svgs, 1);
    for (const label of ['深度学习', '大规模模型', '效果更好?', '部署', '是']) assert.ok(flow.svgText.includes(label), `flowchart label ${label} in ${JSON.stringify(flow.svgText)}`);
    assert.equal(flow.sourceText, '', 'the source is replaced by the diagram');

    assert.equal(seq.state, 'rendered');
    for (const label of ['用户', 'Kernel', '运行单元格', '输出']) assert.ok(seq.svgText.includes(label), `sequence label ${label}`);

    // The broken diagram: mermaid's own message (as its own parser words it), the source, no SVG.
    const expected = await run<string>(`
      const { default: mermaid } = await import('/vendor/mermaid/mermaid.esm.min.mjs');
      try { await mermaid.parse(${JSON.stringify(BROKEN + '\n')}); return ''; } catch (err) { return err.message; }`);
    assert.ok(expected.length > 10, `mermaid rejects the broken diagram (${expected})`);
    assert.equal(broken.state, 'error');
    assert.equal(broken.svgs, 0, 'no SVG (no error "bomb") for the broken diagram');
    assert.ok(broken.errorText.includes(expected.trim()), `the error shows mermaid's message:\n${broken.errorText}\nexpected:\n${expected}`);
    assert.equal(broken.errorRole, 'alert');
    assert.equal(broken.sourceText, BROKEN + '\n', 'the source is shown under the message');

    // The markdown around the diagrams is unchanged, and nothing is left outside the cell.
    const dom = await run<{ h1: string; js: string | undefined; paragraphs: string[]; strays: string[] }>(`return {
      h1: el.shadowRoot.querySelector('h1').textContent,
      js: el.shadowRoot.querySelector('.vscode-code-block[data-vscode-code-block-lang="js"]')?.textContent,
      paragraphs: [...el.shadowRoot.querySelectorAll('#preview > p')].map((p) => p.textContent),
      strays: mm.strays(),
    };`);
    assert.equal(dom.h1, '模型规模');
    assert.equal(dom.js, 'const x = tf.ones([2, 3]);\n');
    assert.ok(dom.paragraphs.includes('Between the diagrams.') && dom.paragraphs.includes('The end.'), dom.paragraphs.join(' | '));
    assert.deepEqual(dom.strays, [], 'mermaid left nothing in <body>');
  });

  test('diagrams use the editor font, and are drawn again in the colors of each theme', async () => {
    // One cell with everything (the screenshots show it): the flowchart first, its colors checked.
    await run(`bmnb.clear(); bmnb.setTheme('light');`);
    await renderCell([fence(FLOWCHART), '## Markdown around it', 'Text, `code`, **bold**.', fence(SEQUENCE), fence(BROKEN)].join('\n\n'));
    const look = (): Promise<{ theme: string; id: string; fill: string; stroke: string; label: string; font: string }> =>
      run(`const c = mm.containers(el)[0]; const svg = c.querySelector('svg');
        const shape = svg.querySelector('.node rect, .node polygon, .node path');
        const label = svg.querySelector('.nodeLabel, .node text');
        return { theme: c.dataset.theme, id: svg.id, fill: getComputedStyle(shape).fill, stroke: getComputedStyle(shape).stroke,
          label: getComputedStyle(label).color, font: getComputedStyle(svg).fontFamily };`);
    const switchTo = async (theme: string) => {
      await run(`bmnb.setTheme(${JSON.stringify(theme)}); await mm.until(() => mm.containers(el)[0].dataset.theme === ${JSON.stringify(theme)}, 'the ${theme} diagram'); await bmnb.frames();`);
      return look();
    };
    const light = await look();
    assert.equal(light.theme, 'light');
    assert.ok(light.font.includes('Segoe WPC'), `the diagram uses --vscode-font-family (got ${light.font})`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.page.screenshot({ path: join(SCREENSHOTS, 'mermaid-light.png'), fullPage: true });

    const dark = await switchTo('dark');
    assert.notEqual(dark.id, light.id, 'a new SVG was drawn');
    assert.notEqual(dark.fill, light.fill, 'node fill differs in the dark theme');
    assert.notEqual(dark.label, light.label, 'label color differs in the dark theme');
    await page.page.screenshot({ path: join(SCREENSHOTS, 'mermaid-dark.png'), fullPage: true });

    const hc = await switchTo('high-contrast');
    assert.equal(hc.fill, 'rgb(0, 0, 0)', 'high contrast: black fills');
    assert.equal(hc.stroke, 'rgb(111, 195, 223)', 'high contrast: the contrast border on shapes');
    assert.equal(hc.label, 'rgb(255, 255, 255)', 'high contrast: white labels');
    await page.page.screenshot({ path: join(SCREENSHOTS, 'mermaid-high-contrast.png'), fullPage: true });

    const back = await switchTo('light');
    assert.equal(back.fill, light.fill, 'back in light: the light colors again');
    assert.deepEqual(await run(`return mm.strays();`), []);
  });

  test('an edited cell (rendered again into the same element) shows the new diagram', async () => {
    await renderCell(fence(FLOWCHART));
    await run(`mm.cell(${JSON.stringify(fence(FLOWCHART + '\n  D --> E[新节点]'))}, mm.extended, el); await mm.settled(el);`);
    const all = await diagrams();
    assert.equal(all.length, 1);
    assert.equal(all[0].state, 'rendered');
    assert.ok(all[0].svgText.includes('新节点'), all[0].svgText);
  });

  test('diagram text goes in as text: no HTML or script from a label or a broken source runs', async () => {
    // An image that fails to decode (its onerror would run), with no request to the network.
    const img = '<img src=data:image/png;base64,AAAA onerror=window.__xss=1>';
    const text = [
      fence(`graph TB\n  A["${img}"] --> B["<b>bold</b> <script>window.__xss = 2</script>"]`),
      fence(`graph TB\n  A[${img}] -->`),
      fence(''),
      fence('%%{init: {"securityLevel": "loose", "suppressErrorRendering": false}}%%\ngraph TB\n  A --> B\n  click A call alert("x")'),
    ].join('\n\n');
    await renderCell(text);
    await run(`await new Promise((r) => setTimeout(r, 200));`);
    const [label, broken, empty, init] = await diagrams();
    const r = await run<{ xss: unknown; handlers: string[]; scripts: number; strays: string[] }>(`return {
      xss: window.__xss,
      handlers: [...el.shadowRoot.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => e.tagName + ' ' + a.name)),
      scripts: el.shadowRoot.querySelectorAll('script').length, strays: mm.strays() };`);
    assert.equal(r.xss, undefined, 'no injected script ran');
    assert.deepEqual(r.handlers, [], 'no event handler attributes (mermaid sanitizes labels in strict mode)');
    assert.equal(r.scripts, 0);
    assert.equal(label.state, 'rendered');
    assert.equal(broken.state, 'error');
    assert.ok(broken.sourceText.includes(img), 'the broken source shows as the characters typed');
    assert.equal(empty.state, 'error');
    assert.match(empty.errorText, /empty/);
    assert.equal(init.state, 'rendered', '%%{init}%% cannot turn strict security or error rendering off, and the diagram still draws');
    assert.deepEqual(r.strays, []);
  });
});

describe('beside VS Code\'s own markdown renderers (from code-server)', { skip: !existsSync(join(VSCODE_EXTENSIONS, 'markdown-language-features', 'notebook-out', 'index.js')) && 'no code-server in the e2e cache' }, () => {
  const CELL = ['Inline $E = mc^2$ and display:', '', '$$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$', '', fence(FLOWCHART), '', fence('x^2 + y^2', 'math'), '', fence(BROKEN)].join('\n');

  /** Activates VS Code's markdown renderer, then the extensions in `order`, and renders CELL with it. */
  async function renderWithVSCode(order: string[], isTrusted = true) {
    await run(`
      const ext = (name, file) => import('/vscode-extensions/' + name + '/notebook-out/' + file);
      if (!document.getElementById('_defaultStyles')) {
        const s = document.createElement('style'); s.id = '_defaultStyles'; document.head.appendChild(s);
      }
      const base = await (await ext('markdown-language-features', 'index.js')).activate(mm.ctx({}, ${isTrusted}));
      const c = mm.ctx({ 'vscode.markdown-it-renderer': base }, ${isTrusted});
      const modules = {
        katex: () => ext('markdown-math', 'katex.js'),
        builtinMermaid: () => ext('mermaid-markdown-features', 'index.js'),
        ours: async () => mm.ours,
      };
      for (const name of ${JSON.stringify(order)}) await (await modules[name]()).activate(c);
      window.el = mm.cell(${JSON.stringify(CELL)}, base);
      await mm.settled(el);
      await new Promise((r) => setTimeout(r, 300)); // time for any other mermaid to (wrongly) draw too
    `);
    return run<{ katexInline: number; katexDisplay: number; mathFence: number; svgs: number; ourSvgs: number; states: string[]; strays: string[] }>(`
      const root = el.shadowRoot;
      return {
        katexInline: root.querySelectorAll('.katex:not(.katex-display .katex)').length,
        katexDisplay: root.querySelectorAll('.katex-display, .katex-block').length,
        mathFence: [...root.querySelectorAll('.katex-block, .katex-display')].filter((k) => k.textContent.includes('y')).length,
        svgs: root.querySelectorAll('svg[id*="mermaid"]').length,
        ourSvgs: root.querySelectorAll('.bmnb-mermaid svg').length,
        states: mm.containers(el).map((c) => c.dataset.state),
        strays: mm.strays(),
      };`);
  }

  for (const order of [['katex', 'builtinMermaid', 'ours'], ['ours', 'builtinMermaid', 'katex']]) {
    test(`KaTeX math still renders and each diagram is drawn once (extensions activated: ${order.join(', ')})`, async () => {
      const r = await renderWithVSCode(order);
      assert.ok(r.katexInline >= 1, `inline math rendered by KaTeX (${JSON.stringify(r)})`);
      assert.ok(r.katexDisplay >= 2, `display math and the \`\`\`math fence rendered by KaTeX (${JSON.stringify(r)})`);
      assert.ok(r.mathFence >= 1, 'the ```math fence is KaTeX, not ours');
      assert.deepEqual(r.states, ['rendered', 'error']);
      assert.equal(r.ourSvgs, 1);
      assert.equal(r.svgs, 1, 'one diagram in all: the built-in mermaid extension did not draw a second one');
      assert.deepEqual(r.strays, []);
    });
  }

  test('in an untrusted workspace (VS Code sanitizes the cell HTML) diagrams still render', async () => {
    const r = await renderWithVSCode(['katex', 'ours'], false);
    assert.deepEqual(r.states, ['rendered', 'error']);
    assert.equal(r.ourSvgs, 1);
  });
});

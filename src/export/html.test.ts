/**
 * The HTML export without a browser: kernel strings stay text (JSON in <script> that cannot end the
 * element, foreign HTML only inside a sandboxed frame), a bmnb payload is embedded and its fallbacks
 * are not, markdown and code are made here, and mermaid is inlined only for notebooks with diagrams
 * and only with the chunks their types need. test/renderers/export.browser.ts opens real exports.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CellOutput, NotebookCell, NotebookFile } from '../format';
import { MIME } from '../protocol';
import { parseChunk, type ReportAssets } from './assets';
import { jsonForScript } from './escape';
import { exportHtml } from './html';
import { chunkBaseName, diagramKeyword } from './mermaid';

const HOSTILE = '</script><img src=x onerror=alert(1)>';

/** A fake dist: a runtime and css we can recognize, and a small mermaid chunk graph. */
function assets(): ReportAssets {
  const files: Record<string, string> = {
    'mermaid.js': 'import{a}from"./chunk-CORE0001.js";export default{d:()=>import("./flowDiagram-AAAAAAAA-BBBBBBBB.js"),s:()=>import("./sequenceDiagram-CCCCCCCC-DDDDDDDD.js")};',
    'chunk-CORE0001.js': 'export const a=1;/*CORE*/',
    'flowDiagram-AAAAAAAA-BBBBBBBB.js': 'import{a}from"./chunk-CORE0001.js";import{f}from"./chunk-FLOW0001.js";export const flow=()=>import("./dagre-EEEEEEEE-FFFFFFFF.js");/*FLOW*/',
    'chunk-FLOW0001.js': 'export const f=2;/*FLOWDEP*/',
    'sequenceDiagram-CCCCCCCC-DDDDDDDD.js': 'export const s=1;/*SEQUENCE*/',
    'dagre-EEEEEEEE-FFFFFFFF.js': 'export const d=1;/*DAGRE*/',
  };
  const chunks = new Map(Object.entries(files).map(([name, code]) => [name, parseChunk(name, code, (n) => n in files)]));
  return { runtime: 'console.log("RUNTIME")', css: 'body{--css-marker:1}', mermaid: { entry: 'mermaid.js', chunks } };
}

function notebook(cells: Partial<NotebookCell>[]): NotebookFile {
  return {
    bmnb: 1,
    metadata: { title: 'T' },
    cells: cells.map((c, i) => ({ id: `c${i}`, kind: 'code', language: 'typescript', source: [], ...c }) as NotebookCell),
  };
}

function codeCell(outputs: CellOutput[], source = 'x', order = 3): Partial<NotebookCell> {
  return { kind: 'code', source: [source], outputs, execution: { order } };
}

/** The values of every embedded output, parsed back from the HTML as the runtime reads them. */
function embeddedValues(html: string): { kind: string; mime: string; value: unknown }[] {
  return [...html.matchAll(/<div class="bmnb-output" data-kind="([a-z]+)" data-mime="([^"]*)"><script type="application\/json" class="bmnb-output-data">([\s\S]*?)<\/script>/g)].map((m) => ({
    kind: m[1]!,
    mime: m[2]!,
    value: JSON.parse(m[3]!) as unknown,
  }));
}

describe('exportHtml', () => {
  test('kernel strings that try to end the <script> stay text: the element holds them, escaped, and parses back to them', () => {
    const text = `${HOSTILE} <!-- \u2028 & done`;
    const html = exportHtml(
      notebook([
        codeCell([
          { items: [{ mime: MIME.stdout, data: text }] },
          { items: [{ mime: MIME.error, data: JSON.stringify({ name: 'Error', message: HOSTILE, stack: `Error: ${HOSTILE}\n    at cell 3:1` }) }] },
          { items: [{ mime: MIME.text, data: HOSTILE }] },
        ]),
      ]),
      assets(),
    );
    assert.ok(!html.includes('<img src=x'), 'no <img> element from a kernel string');
    // Only our own script elements end: the three outputs and the runtime.
    assert.equal(html.match(/<\/script>/g)!.length, 4);
    assert.ok(!html.includes('\u2028') && !html.includes('<!--'));
    assert.deepEqual(embeddedValues(html), [
      { kind: 'stdout', mime: MIME.stdout, value: text },
      { kind: 'error', mime: MIME.error, value: `Error: ${HOSTILE}\n    at cell 3:1` },
      { kind: 'text', mime: MIME.text, value: HOSTILE },
    ]);
  });

  test('jsonForScript escapes <, >, &, U+2028/9 and round-trips', () => {
    const value = { s: '</script><!--\u2028\u2029&', n: [1, 'NaN'] };
    const json = jsonForScript(value);
    assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(json), value);
  });

  test('a bmnb payload is embedded for the renderers; its PNG and HTML fallbacks are left out', () => {
    const payload = { version: 1, dtype: 'float32', shape: [2], size: 2, bytes: 8, backend: 'cpu', stats: null, name: HOSTILE };
    const html = exportHtml(
      notebook([codeCell([{ items: [{ mime: MIME.tensor, data: payload }, { mime: 'text/html', data: '<table>FALLBACK</table>' }, { mime: 'image/png', data: 'iVBORw0KGgo=' }, { mime: MIME.text, data: 'Tensor' }] }])]),
      assets(),
    );
    assert.deepEqual(embeddedValues(html), [{ kind: 'payload', mime: MIME.tensor, value: payload }]);
    assert.ok(!html.includes('FALLBACK') && !html.includes('iVBORw0KGgo'), 'no fallback in the file');
  });

  test('foreign HTML goes into a frame that may not run script; images are data: images', () => {
    const foreign = '<b>df</b><script>alert(1)</script>" onload="alert(2)';
    const html = exportHtml(
      notebook([codeCell([{ items: [{ mime: 'text/html', data: foreign }] }, { items: [{ mime: 'image/png', data: 'iVBORw0K\nGgo=' }] }, { items: [{ mime: 'image/svg+xml', data: '<svg xmlns="http://www.w3.org/2000/svg"/>' }] }])]),
      assets(),
    );
    const frame = /<iframe class="bmnb-html-output" sandbox="([^"]*)"[^>]* srcdoc="([^"]*)"><\/iframe>/.exec(html);
    assert.ok(frame, 'an iframe with srcdoc');
    assert.equal(frame[1], 'allow-same-origin', 'no allow-scripts');
    assert.ok(frame[2]!.includes('&#60;script&#62;alert(1)&#60;/script&#62;&#34; onload=&#34;alert(2)'), 'the srcdoc attribute holds the HTML escaped');
    assert.ok(html.includes('src="data:image/png;base64,iVBORw0KGgo="'));
    assert.ok(html.includes(`src="data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}"`));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });

  test('markdown: raw HTML is text, math is MathML, remote images become links; code is highlighted with its execution count', () => {
    const html = exportHtml(
      notebook([
        { kind: 'markdown', language: 'markdown', source: ['# Title <img src=x onerror=alert(1)>\n', '\n', 'Loss $\\hat{y}_i$ and ![chart](https://example.com/c.png)\n'] },
        codeCell([], 'const x: number = 1; // hi', 7),
        { kind: 'code', language: 'javascript', source: ['let y = 2'], execution: { order: null } },
      ]),
      assets(),
    );
    assert.ok(html.includes('<h1>Title &lt;img src=x onerror=alert(1)&gt;</h1>'), 'raw HTML in markdown shows as text');
    assert.match(html, /<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML">/);
    assert.ok(!html.includes('katex-html'), 'MathML only');
    assert.ok(html.includes('<a href="https://example.com/c.png" class="bmnb-image-link">') && !html.includes('<img src="https://'), 'nothing is fetched when the file opens');
    assert.ok(html.includes('<div class="exec-count" title="Execution order">[7]</div>'));
    assert.ok(html.includes('<div class="exec-count" title="Execution order">[ ]</div>'), 'a cell never run shows [ ]');
    assert.match(html, /<code class="language-typescript"><span class="hljs-keyword">const<\/span>/);
    assert.match(html, /<code class="language-javascript"><span class="hljs-keyword">let<\/span>/);
    assert.match(html, /<span class="hljs-comment">\/\/ hi<\/span>/);
    assert.ok(html.includes('<title>T</title>'));
  });

  test('no diagrams: no mermaid in the file', () => {
    const html = exportHtml(notebook([{ kind: 'markdown', language: 'markdown', source: ['```ts\nconst a = 1;\n```'] }]), assets());
    assert.ok(!html.includes('bmnb-mermaid-chunks') && !html.includes('/*CORE*/'));
    assert.ok(html.includes('console.log("RUNTIME")') && html.includes('--css-marker'), 'runtime and css inlined');
  });

  test('a flowchart inlines mermaid’s core and the flowchart’s chunks, dependencies first, dynamic imports rewritten', () => {
    const html = exportHtml(notebook([{ kind: 'markdown', language: 'markdown', source: ['```mermaid\n%% a comment\ngraph TD\n  A --> B\n```'] }]), assets());
    assert.ok(html.includes('<div class="bmnb-mermaid" data-state="pending"><pre class="bmnb-mermaid-source"><code>%% a comment\ngraph TD\n  A --&#62; B\n</code></pre></div>'));
    const json = /<script type="application\/json" id="bmnb-mermaid-chunks">([\s\S]*?)<\/script>/.exec(html)![1]!;
    const bundle = JSON.parse(json) as { entry: string; chunks: { name: string; code: string; deps: string[] }[] };
    const names = bundle.chunks.map((c) => c.name);
    assert.deepEqual(names.sort(), ['chunk-CORE0001.js', 'chunk-FLOW0001.js', 'dagre-EEEEEEEE-FFFFFFFF.js', 'flowDiagram-AAAAAAAA-BBBBBBBB.js', 'mermaid.js'].sort());
    const order = bundle.chunks.map((c) => c.name);
    for (const c of bundle.chunks) for (const dep of c.deps) assert.ok(order.indexOf(dep) < order.indexOf(c.name), `${dep} before ${c.name}`);
    const entry = bundle.chunks.find((c) => c.name === 'mermaid.js')!;
    assert.ok(entry.code.includes('import(globalThis.__bmnbChunk("flowDiagram-AAAAAAAA-BBBBBBBB.js"))'));
    assert.ok(entry.code.includes('from"./chunk-CORE0001.js"'), 'static imports stay for the runtime to point at blob: URLs');
  });

  test('a diagram type the table does not know takes every chunk', () => {
    const html = exportHtml(notebook([{ kind: 'markdown', language: 'markdown', source: ['```mermaid\narchitecture-beta\n  group api(cloud)[API]\n```'] }]), assets());
    assert.ok(html.includes('/*SEQUENCE*/') && html.includes('/*FLOW*/'));
  });

  test('diagram keywords and chunk names', () => {
    assert.equal(diagramKeyword('---\ntitle: x\n---\n%%{init: {"theme": "dark"}}%%\n\nflowchart LR\nA-->B'), 'flowchart');
    assert.equal(diagramKeyword('  sequenceDiagram\n  A->>B: hi'), 'sequencediagram');
    assert.equal(chunkBaseName('classDiagram-v2-VYDZK3BY-RA5PGAD3.js'), 'classDiagram-v2');
    assert.equal(chunkBaseName('chunk-CORE0001.js'), 'chunk');
  });
});

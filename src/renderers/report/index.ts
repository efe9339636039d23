/**
 * The runtime of an exported HTML file (src/export inlines dist/renderers/report.js into it): draws
 * every output from the JSON embedded beside it with the notebook renderers' own entries (the same
 * `activate` → `renderOutputItem` VS Code calls), puts streams, text and errors in as text only,
 * loads mermaid from the inlined chunks when the file has diagrams, and follows the reader's light
 * or dark setting (the renderers read the `--vscode-*` variables report.css sets per scheme).
 */
import type { ActivationFunction, OutputItem, RendererApi, RendererContext } from 'vscode-notebook-renderer';
import { MIME } from '../../protocol/mime';
import { activate as chart } from '../chart/index';
import { h } from '../common/dom';
import { drawPending } from '../mermaid/diagrams';
import { activate as model } from '../model/index';
import { activate as tensor } from '../tensor/index';
import { activate as training } from '../training/index';
import { loadMermaid } from './mermaidLoader';
import { OUTPUT_CLASS, OUTPUT_DATA_CLASS, type OutputKind } from './page';

const RENDERERS: Record<string, ActivationFunction> = {
  [MIME.tensor]: tensor,
  [MIME.modelSummary]: model,
  [MIME.training]: training,
  [MIME.chart]: chart,
};

/** What an exported page has no use for: state, other renderers, messaging. */
const CONTEXT = {
  setState() {},
  getState: () => undefined,
  getRenderer: async () => undefined,
  workspace: { isTrusted: false },
  settings: { lineLimit: 0, outputScrolling: false, outputWordWrap: false },
} as unknown as RendererContext<unknown>;

const apis = new Map<string, Promise<RendererApi>>();
function rendererFor(mime: string): Promise<RendererApi> | undefined {
  const activate = RENDERERS[mime];
  if (!activate) return undefined;
  let api = apis.get(mime);
  if (!api) {
    api = Promise.resolve(activate(CONTEXT) as RendererApi | Promise<RendererApi>);
    apis.set(mime, api);
  }
  return api;
}

function outputItem(id: string, mime: string, value: unknown): OutputItem {
  const text = JSON.stringify(value);
  const bytes = new TextEncoder().encode(text);
  return { id, mime, metadata: {}, json: () => JSON.parse(text) as unknown, text: () => text, data: () => bytes, blob: () => new Blob([bytes]) };
}

async function drawOutput(element: HTMLElement, index: number): Promise<void> {
  const script = element.querySelector(`script.${OUTPUT_DATA_CLASS}`);
  const kind = element.dataset.kind as OutputKind | undefined;
  const mime = element.dataset.mime ?? '';
  if (!script) return;
  let value: unknown;
  try {
    value = JSON.parse(script.textContent ?? 'null');
  } catch (err) {
    element.replaceChildren(h('div', { class: 'bmnb bmnb-error', text: `This output could not be read (${String(err)}).` }));
    return;
  }
  const body = h('div', { class: 'bmnb-output-body' });
  element.appendChild(body);
  if (kind === 'payload') {
    const api = rendererFor(mime);
    if (!api) return;
    await (await api).renderOutputItem(outputItem(`output-${index}`, mime, value), body, new AbortController().signal);
    return;
  }
  // Streams, text and errors: text only.
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  body.appendChild(h('pre', { class: `bmnb-text bmnb-text-${kind ?? 'text'}`, text }));
}

/** Sizes each foreign HTML output's frame to its content (the frame may not run script, the page may read it). */
function fitFrames(): void {
  for (const frame of document.querySelectorAll<HTMLIFrameElement>('iframe.bmnb-html-output')) {
    const fit = (): void => {
      const doc = frame.contentDocument;
      if (doc?.documentElement) frame.style.height = `${Math.min(Math.max(doc.documentElement.scrollHeight, 20), 2000) + 2}px`;
    };
    frame.addEventListener('load', fit);
    fit();
  }
}

/** The renderers redraw charts and diagrams when this attribute changes (see common/theme.ts). */
function followColorScheme(): void {
  const query = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  const mark = (): void => {
    document.body.dataset.vscodeThemeKind = query?.matches ? 'vscode-dark' : 'vscode-light';
  };
  mark();
  query?.addEventListener('change', mark);
}

async function main(): Promise<void> {
  followColorScheme();
  fitFrames();
  const outputs = [...document.querySelectorAll<HTMLElement>(`.${OUTPUT_CLASS}`)];
  await Promise.all(
    outputs.map((element, i) =>
      drawOutput(element, i).catch((err: unknown) => {
        console.error('bmnb report:', err);
        element.appendChild(h('div', { class: 'bmnb bmnb-error', text: `This output could not be drawn: ${err instanceof Error ? err.message : String(err)}` }));
      }),
    ),
  );
  if (document.querySelector('.bmnb-mermaid[data-state="pending"]')) {
    try {
      await loadMermaid();
    } catch (err) {
      console.warn('bmnb report: mermaid did not load:', err);
    }
    drawPending(document); // without mermaid, each diagram shows why and keeps its source
  }
  document.body.dataset.bmnbReady = '1';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void main());
else void main();

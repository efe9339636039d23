/**
 * Draws the diagram containers that markdown.ts put into the HTML, once VS Code has inserted that
 * HTML into the cell's preview (the `innerHTML` of a shadow root, right after markdown-it returns).
 * Mermaid loads on the first diagram (its own chunk; a notebook without diagrams never loads it),
 * diagrams render one at a time (mermaid's configuration is global), and every rendered diagram is
 * drawn again when the editor theme changes.
 *
 * What a container shows: its source (dimmed) while pending, then mermaid's SVG, or, when mermaid
 * cannot draw it, mermaid's message as text above the source. Mermaid measures text in temporary
 * elements it adds to <body>; they are removed after every diagram, drawn or not.
 */
import type { Mermaid } from 'mermaid';
import { h } from '../common/dom';
import { injectStyle } from '../common/style';
import { onThemeChange, readTheme } from '../common/theme';
import { mermaidConfig } from './config';
import { CONTAINER_CLASS, SOURCE_CLASS } from './markdown';

export const DIAGRAM_CLASS = 'bmnb-mermaid-diagram';
export const ERROR_CLASS = 'bmnb-mermaid-error';
const STYLE_ID = 'bmnb-mermaid-style';

export const MERMAID_CSS = `
.${CONTAINER_CLASS} { margin: 0 0 1em; }
.${CONTAINER_CLASS}[data-state="pending"] > .${SOURCE_CLASS}, .${CONTAINER_CLASS}[data-state="rendering"] > .${SOURCE_CLASS} { opacity: .6; }
.${SOURCE_CLASS} { margin: 0; padding: 8px 10px; overflow: auto; background: var(--vscode-textCodeBlock-background, rgba(128, 128, 128, .1)); font-family: var(--vscode-editor-font-family, monospace); white-space: pre; }
.${DIAGRAM_CLASS} { overflow-x: auto; }
.${DIAGRAM_CLASS} > svg { display: block; height: auto; }
/* VS Code's markdown styles size every div of the preview (width: 100%, a min-height): not the labels inside a diagram. */
.${DIAGRAM_CLASS} svg div { width: auto; min-height: 0; }
.${DIAGRAM_CLASS} svg p { margin: 0; }
.${ERROR_CLASS} { color: var(--vscode-errorForeground, #f14c4c); border-left: 3px solid currentColor; padding: 2px 10px; margin: 0 0 6px; }
.${ERROR_CLASS} > pre { margin: 4px 0 0; white-space: pre-wrap; font-family: var(--vscode-editor-font-family, monospace); }
body.vscode-high-contrast .${ERROR_CLASS}, body.vscode-high-contrast-light .${ERROR_CLASS} { outline: 1px dashed var(--vscode-contrastBorder, currentColor); }
`;

let mermaidModule: Promise<Mermaid> | undefined;
function loadMermaid(): Promise<Mermaid> {
  mermaidModule ??= import('mermaid').then((m) => m.default);
  return mermaidModule;
}

/** The source of each container (read once: a drawn container no longer holds it). */
const sources = new WeakMap<HTMLElement, string>();
/** Bumped each time a container is queued: a draw that is no longer the latest is dropped. */
const generations = new WeakMap<HTMLElement, number>();
/** Drawn containers, drawn again on a theme change while they are in the document. */
const drawn = new Set<HTMLElement>();
const observed = new WeakSet<Node>();
let queue: Promise<void> = Promise.resolve();
let nextId = 1;
let themeListening = false;

/**
 * markdown-it rendered diagrams for `env` (VS Code: `{ outputItem }`, whose id is the id of the
 * element whose shadow root receives the HTML). Draws them once they are in the DOM.
 */
export function onDiagrams(env: unknown): void {
  const root = liveRoot(env);
  if (root) {
    // The HTML goes in right after markdown-it returns, in the same task: a microtask sees it. The
    // observer catches a later insertion, and re-renders of the same cell (the root is kept).
    watch(root);
    queueMicrotask(() => drawPending(root));
  } else {
    queueMicrotask(drawPendingEverywhere);
    requestAnimationFrame(drawPendingEverywhere);
  }
}

function liveRoot(env: unknown): ParentNode | undefined {
  const id = (env as { outputItem?: { id?: unknown } } | undefined)?.outputItem?.id;
  if (typeof id !== 'string') return undefined;
  const element = document.getElementById(id);
  return element ? (element.shadowRoot ?? element) : undefined;
}

function watch(root: ParentNode): void {
  if (observed.has(root)) return;
  observed.add(root);
  new MutationObserver(() => drawPending(root)).observe(root, { childList: true, subtree: true });
}

function drawPendingEverywhere(): void {
  drawPending(document);
  for (const element of document.querySelectorAll('*')) if (element.shadowRoot) drawPending(element.shadowRoot);
}

/** Queues every container of `root` not picked up yet. */
export function drawPending(root: ParentNode): void {
  const pending = root.querySelectorAll<HTMLElement>(`.${CONTAINER_CLASS}[data-state="pending"]`);
  if (pending.length) for (const container of drawn) if (!container.isConnected) drawn.delete(container); // replaced cells
  for (const container of pending) {
    injectStyle(container, STYLE_ID, MERMAID_CSS);
    sources.set(container, container.querySelector(`.${SOURCE_CLASS}`)?.textContent ?? '');
    container.dataset.state = 'rendering';
    schedule(container);
  }
}

function schedule(container: HTMLElement): void {
  const generation = (generations.get(container) ?? 0) + 1;
  generations.set(container, generation);
  queue = queue.then(() => draw(container, generation)).catch((err: unknown) => console.error('bmnb mermaid:', err));
}

async function draw(container: HTMLElement, generation: number): Promise<void> {
  const current = (): boolean => container.isConnected && generations.get(container) === generation;
  if (!current()) {
    if (!container.isConnected) drawn.delete(container);
    return;
  }
  const source = sources.get(container) ?? '';
  if (!source.trim()) {
    showError(container, 'This mermaid block is empty.', 'Write a diagram in it, for example `graph TD; A --> B`.', source);
    return;
  }
  let mermaid: Mermaid;
  try {
    mermaid = await loadMermaid();
  } catch (err) {
    mermaidModule = undefined;
    showError(container, `The Mermaid library did not load: ${messageOf(err)}`, 'Reload the window (Developer: Reload Window) to try again.', source);
    return;
  }
  const theme = readTheme();
  const themeKey = JSON.stringify(theme);
  mermaid.initialize(mermaidConfig(theme));
  const id = `bmnb-mermaid-${nextId++}`;
  try {
    // bindFunctions is not called: click handlers are off in strict mode, and its tooltips would
    // leave a <div class="mermaidTooltip"> in <body>.
    const { svg } = await mermaid.render(id, source);
    if (!current()) return;
    const diagram = h('div', { class: DIAGRAM_CLASS });
    // Mermaid's own output: with securityLevel 'strict' it has passed through its DOMPurify pass.
    diagram.innerHTML = svg;
    container.replaceChildren(diagram);
    container.dataset.state = 'rendered';
    container.dataset.theme = theme.kind;
    drawn.add(container);
    listenToTheme();
    // The theme changed while this diagram was being drawn (before it was listed in `drawn`).
    if (JSON.stringify(readTheme()) !== themeKey) schedule(container);
  } catch (err) {
    if (current()) showError(container, messageOf(err), 'Fix the diagram source below (syntax: https://mermaid.js.org/intro/syntax-reference.html).', source);
  } finally {
    removeTemporaryElements(id);
  }
}

/** What mermaid left in <body> for diagram `id`: its measuring <div id="d…">, a sandbox <iframe id="i…">, a stray <svg id="…">. */
function removeTemporaryElements(id: string): void {
  document.getElementById(`d${id}`)?.remove();
  document.getElementById(`i${id}`)?.remove();
  const svg = document.getElementById(id);
  if (svg && !svg.closest(`.${CONTAINER_CLASS}`)) svg.remove();
}

function showError(container: HTMLElement, message: string, hint: string, source: string): void {
  drawn.delete(container);
  container.replaceChildren(
    h('div', { class: ERROR_CLASS, attrs: { role: 'alert' } }, [
      h('div', { text: `Mermaid could not draw this diagram. ${hint}` }),
      h('pre', { class: 'bmnb-mermaid-error-message', text: message }),
    ]),
    h('pre', { class: SOURCE_CLASS }, [h('code', { text: source })]),
  );
  container.dataset.state = 'error';
  delete container.dataset.theme;
}

function messageOf(err: unknown): string {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : String((err as { message?: unknown })?.message ?? err);
  return message.trim() || 'unknown error';
}

function listenToTheme(): void {
  if (themeListening) return;
  themeListening = true;
  onThemeChange(() => {
    for (const container of [...drawn]) {
      if (container.isConnected) schedule(container);
      else drawn.delete(container);
    }
  });
}

/**
 * The renderer side of an output's life in VS Code: `renderOutputItem` is called again for the same
 * output whenever the kernel replaces its items (training does so ~10×/s), on the same element or
 * on a new element with the same output id; `disposeOutputItem` when the output goes away. A view
 * per output keeps its DOM and Chart.js instances and updates them in place.
 */
import type { ActivationFunction, OutputItem, RendererApi } from 'vscode-notebook-renderer';
import { h } from './dom';
import { COMMON_CSS, injectStyle } from './style';

export interface View<P> {
  /** The view's DOM, put into the output element. */
  readonly root: HTMLElement;
  /** Draws a payload (the first one, or a newer one of the same output). */
  update(payload: P): void;
  /** Destroys charts and listeners; may be called more than once. */
  dispose(): void;
}

export interface RendererSpec<P> {
  /** What the payload is, in words, for error messages ("tensor", "model summary"). */
  what: string;
  /** Id of this renderer's <style>, and its rules. */
  styleId: string;
  css: string;
  createView(): View<P>;
}

export function createRenderer<P extends { version: number }>(spec: RendererSpec<P>): RendererApi {
  const byElement = new WeakMap<HTMLElement, View<P>>();
  const byId = new Map<string, View<P>>();

  function forget(id: string): void {
    byId.get(id)?.dispose();
    byId.delete(id);
  }

  return {
    renderOutputItem(item: OutputItem, element: HTMLElement): void {
      injectStyle(element, 'bmnb-common-style', COMMON_CSS);
      injectStyle(element, spec.styleId, spec.css);
      let payload: P;
      try {
        payload = item.json() as P;
      } catch (err) {
        showError(element, `The ${spec.what} output is not valid JSON (${String(err)}). Run the cell again to rebuild it.`);
        forget(item.id);
        return;
      }
      if (!payload || payload.version !== 1) {
        showError(element, `This ${spec.what} output has payload version ${String(payload?.version)}, which this version of Big Model Notebooks cannot draw. Update the extension, or run the cell again.`);
        forget(item.id);
        return;
      }
      let view = byElement.get(element) ?? byId.get(item.id);
      if (view && byId.get(item.id) !== view) {
        // The element showed another output before: start over.
        view.dispose();
        view = undefined;
      }
      if (!view) {
        forget(item.id);
        view = spec.createView();
      }
      byElement.set(element, view);
      byId.set(item.id, view);
      if (view.root.parentNode !== element || element.childNodes.length !== 1) element.replaceChildren(view.root);
      try {
        view.update(payload);
      } catch (err) {
        forget(item.id);
        showError(element, `Could not draw this ${spec.what} output: ${err instanceof Error ? err.message : String(err)}. The text/plain version of the output is still there (Change Presentation).`);
        console.error(err);
      }
    },
    disposeOutputItem(id?: string): void {
      if (id === undefined) {
        for (const key of [...byId.keys()]) forget(key);
      } else {
        forget(id);
      }
    },
  };
}

function showError(element: HTMLElement, message: string): void {
  element.replaceChildren(h('div', { class: 'bmnb bmnb-error', text: message, attrs: { role: 'alert' } }));
}

/** The entry point VS Code loads: `export const activate = activateWith(spec)`. */
export function activateWith<P extends { version: number }>(spec: RendererSpec<P>): ActivationFunction {
  return () => createRenderer(spec);
}

/** A view for outputs that never change in place: each payload is drawn afresh into the same root. */
export function redrawingView<P>(rootClass: string, draw: (root: HTMLElement, payload: P) => { dispose(): void }): View<P> {
  const root = h('div', { class: `bmnb ${rootClass}` });
  let drawn: { dispose(): void } | undefined;
  return {
    root,
    update(payload) {
      drawn?.dispose();
      drawn = draw(root, payload);
    },
    dispose() {
      drawn?.dispose();
      drawn = undefined;
    },
  };
}

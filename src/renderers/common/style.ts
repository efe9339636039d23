/** One <style> per id and document (or shadow root), added on first render. */

export function injectStyle(element: HTMLElement, id: string, css: string): void {
  const root = element.getRootNode();
  const parent: ParentNode = root instanceof ShadowRoot ? root : (document.head ?? document.documentElement);
  if (parent.querySelector(`style#${id}`)) return;
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  parent.appendChild(style);
}

/** Rules every renderer uses: text, tables, chart frames, warnings. All colors are VS Code's variables. */
export const COMMON_CSS = `
.bmnb { font-family: var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-editor-foreground, inherit); font-size: var(--vscode-editor-font-size, 13px); line-height: 1.45; }
.bmnb code, .bmnb .bmnb-mono { font-family: var(--vscode-editor-font-family, monospace); }
.bmnb-muted { opacity: .75; }
.bmnb-small { font-size: .85em; }
.bmnb-row { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: baseline; margin: 2px 0; }
.bmnb-table { border-collapse: collapse; font-family: var(--vscode-editor-font-family, monospace); font-variant-numeric: tabular-nums; margin: 4px 0; }
.bmnb-table th, .bmnb-table td { padding: 1px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--vscode-charts-lines, rgba(128, 128, 128, .3)); white-space: pre; }
.bmnb-table thead th { font-weight: 600; border-bottom-width: 2px; }
.bmnb-table .bmnb-num { text-align: right; }
.bmnb-table tbody th { font-weight: normal; opacity: .75; }
.bmnb-scroll { overflow: auto; max-height: 360px; max-width: 100%; }
.bmnb-chart { margin: 6px 0 10px; }
.bmnb-chart-title { font-weight: 600; margin: 2px 0; }
.bmnb-canvas { position: relative; width: 100%; }
.bmnb-details > summary { cursor: pointer; font-size: .85em; opacity: .8; }
.bmnb-details[open] > summary { margin-bottom: 2px; }
.bmnb-nan, .bmnb-inf, .bmnb-warn { color: var(--vscode-editorWarning-foreground, #bf8803); font-weight: 600; }
.bmnb-error { color: var(--vscode-errorForeground, #f14c4c); }
.bmnb-notes { margin: 4px 0 0; padding-left: 18px; font-size: .85em; opacity: .8; }
body.vscode-high-contrast .bmnb-muted, body.vscode-high-contrast-light .bmnb-muted, body.vscode-high-contrast .bmnb-notes, body.vscode-high-contrast-light .bmnb-notes { opacity: 1; }
body.vscode-high-contrast .bmnb-table th, body.vscode-high-contrast .bmnb-table td, body.vscode-high-contrast-light .bmnb-table th, body.vscode-high-contrast-light .bmnb-table td { border-color: var(--vscode-contrastBorder, currentColor); }
body.vscode-high-contrast .bmnb-nan, body.vscode-high-contrast .bmnb-inf { outline: 1px dashed var(--vscode-contrastBorder, currentColor); }
`;

/**
 * The editor theme as renderers see it: VS Code sets its colors as CSS variables on the webview's
 * <html> element and a theme class on <body> (`vscode-light`, `vscode-dark`, `vscode-high-contrast`,
 * `vscode-high-contrast-light`). HTML follows the variables by itself (our CSS uses `var(--vscode-…)`);
 * Chart.js draws on a canvas, so charts read the computed values here and redraw on change.
 */

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  foreground: string;
  background: string;
  /** Grid and axis lines. */
  grid: string;
  blue: string;
  red: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
  /** Series colors in order (blue, orange, green, purple, red, yellow). */
  palette: string[];
  warning: string;
  error: string;
  /** High-contrast outline color; empty when the theme has none. */
  contrastBorder: string;
  fontFamily: string;
  monoFontFamily: string;
  /** Editor font size in px. */
  fontSize: number;
}

/** Values of VS Code's Light+ / Dark+ / High Contrast themes, used when a variable is missing. */
const FALLBACK: Record<ThemeKind, Omit<Theme, 'kind' | 'palette' | 'fontFamily' | 'monoFontFamily' | 'fontSize'>> = {
  light: {
    foreground: '#3b3b3b', background: '#ffffff', grid: 'rgba(97, 97, 97, 0.25)',
    blue: '#1a85ff', red: '#e51400', green: '#388a34', yellow: '#bf8803', orange: '#d18616', purple: '#652d90',
    warning: '#bf8803', error: '#a1260d', contrastBorder: '',
  },
  dark: {
    foreground: '#cccccc', background: '#1f1f1f', grid: 'rgba(204, 204, 204, 0.2)',
    blue: '#3794ff', red: '#f14c4c', green: '#89d185', yellow: '#cca700', orange: '#d18616', purple: '#b180d7',
    warning: '#cca700', error: '#f48771', contrastBorder: '',
  },
  'high-contrast': {
    foreground: '#ffffff', background: '#000000', grid: '#6fc3df',
    blue: '#3794ff', red: '#f14c4c', green: '#89d185', yellow: '#ffd700', orange: '#d18616', purple: '#b180d7',
    warning: '#ffd700', error: '#f48771', contrastBorder: '#6fc3df',
  },
  'high-contrast-light': {
    foreground: '#292929', background: '#ffffff', grid: '#0f4a85',
    blue: '#0f4a85', red: '#b5200d', green: '#374e06', yellow: '#895503', orange: '#895503', purple: '#652d90',
    warning: '#895503', error: '#b5200d', contrastBorder: '#0f4a85',
  },
};

function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  if (c.contains('vscode-light')) return 'light';
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Reads the theme from the computed CSS variables of `document.body` (they inherit from <html>). */
export function readTheme(doc: Document = document): Theme {
  const body = doc.body ?? doc.documentElement;
  const kind = themeKind(body);
  const fb = FALLBACK[kind];
  const css = getComputedStyle(body);
  const v = (name: string, fallback: string): string => css.getPropertyValue(`--vscode-${name}`).trim() || fallback;
  const highContrast = kind.startsWith('high-contrast');
  const contrastBorder = v('contrastBorder', fb.contrastBorder);
  const theme: Theme = {
    kind,
    foreground: v('editor-foreground', fb.foreground),
    background: v('editor-background', fb.background),
    grid: highContrast && contrastBorder ? contrastBorder : v('charts-lines', fb.grid),
    blue: v('charts-blue', fb.blue),
    red: v('charts-red', fb.red),
    green: v('charts-green', fb.green),
    yellow: v('charts-yellow', fb.yellow),
    orange: v('charts-orange', fb.orange),
    purple: v('charts-purple', fb.purple),
    palette: [],
    warning: v('editorWarning-foreground', fb.warning),
    error: v('errorForeground', fb.error),
    contrastBorder,
    fontFamily: v('font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif'),
    monoFontFamily: v('editor-font-family', 'Menlo, Consolas, "DejaVu Sans Mono", monospace'),
    fontSize: parseFloat(v('editor-font-size', '13')) || 13,
  };
  theme.palette = [theme.blue, theme.orange, theme.green, theme.purple, theme.red, theme.yellow];
  return theme;
}

/** A color with an alpha, for `#rgb`, `#rrggbb` and `rgb()/rgba()` inputs (others are returned as they are). */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3,8})$/i.exec(c);
  if (m) {
    let hex = m[1];
    if (hex.length === 3 || hex.length === 4) hex = [...hex].map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  if (m) return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})`;
  return c;
}

type Listener = (theme: Theme) => void;
const listeners = new Set<Listener>();
let observer: MutationObserver | undefined;
let lastKey = '';

function notify(): void {
  const theme = readTheme();
  const key = JSON.stringify(theme);
  if (key === lastKey) return;
  lastKey = key;
  for (const listener of [...listeners]) listener(theme);
}

/**
 * Calls `listener` with the new theme whenever the editor theme changes (body class, or the
 * variables on <html>/<body>). Returns the function that stops listening.
 */
export function onThemeChange(listener: Listener): () => void {
  if (!observer) {
    lastKey = JSON.stringify(readTheme());
    observer = new MutationObserver(notify);
    const options: MutationObserverInit = { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind'] };
    observer.observe(document.documentElement, options);
    if (document.body) observer.observe(document.body, options);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * The markdown-it side of the mermaid renderer: a ```mermaid fence becomes a container element
 * holding the diagram source as escaped text (so it survives VS Code's sanitizer and shows as code
 * if the diagram never renders); every other fence goes to the rule that was there before (VS
 * Code's code blocks, KaTeX's ```math). markdown-it only produces an HTML string: the diagrams are
 * drawn later, on the live DOM, by `onDiagrams` (see diagrams.ts).
 */
import type MarkdownIt from 'markdown-it';

/** Class of the container of each diagram; its `data-state` is pending, rendering, rendered or error. */
export const CONTAINER_CLASS = 'bmnb-mermaid';
export const SOURCE_CLASS = 'bmnb-mermaid-source';

/** ```mermaid, in any case, possibly followed by attributes (```mermaid {title=…}). */
export function isMermaidFence(info: string): boolean {
  return info.trim().split(/\s+/, 1)[0].toLowerCase() === 'mermaid';
}

/** The container for one diagram source, as markdown-it output. */
export function containerHtml(source: string, escapeHtml: (s: string) => string): string {
  return `<div class="${CONTAINER_CLASS}" data-state="pending"><pre class="${SOURCE_CLASS}"><code>${escapeHtml(source)}</code></pre></div>\n`;
}

export interface MermaidPluginOptions {
  /** Called after markdown-it rendered tokens that hold diagrams, with the `env` it was given (VS Code passes `{ outputItem }`). */
  onDiagrams(env: unknown): void;
}

export function mermaidPlugin(md: MarkdownIt, options: MermaidPluginOptions): void {
  const fence = md.renderer.rules.fence;
  md.renderer.rules.fence = (tokens, idx, opts, env, self) => {
    const token = tokens[idx];
    if (isMermaidFence(token.info)) return containerHtml(token.content, md.utils.escapeHtml);
    return fence ? fence(tokens, idx, opts, env, self) : self.renderToken(tokens, idx, opts);
  };
  const render = md.renderer.render;
  md.renderer.render = function (tokens, opts, env) {
    const html = render.call(this, tokens, opts, env);
    if (tokens.some((t) => t.type === 'fence' && isMermaidFence(t.info))) options.onDiagrams(env);
    return html;
  };
}

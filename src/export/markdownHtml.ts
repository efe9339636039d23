/**
 * The static parts of an HTML export, made in Node: markdown cells through markdown-it with VS
 * Code's own KaTeX plugin (math as MathML: no fonts to embed, drawn by the browser), code through
 * highlight.js (TypeScript and JavaScript only). Policy for what a markdown cell may hold:
 * `html: false`, so raw HTML in markdown shows as its text (never as markup); links keep
 * markdown-it's own check (no `javascript:`, `vbscript:`, `file:`, non-image `data:`); images that
 * are not `data:` URLs become links, so opening the file fetches nothing. ```mermaid fences become
 * the containers the mermaid renderer draws (src/renderers/mermaid/markdown.ts: the same markup).
 */
import hljs from 'highlight.js/lib/core';
import javascript from 'highlight.js/lib/languages/javascript';
import typescript from 'highlight.js/lib/languages/typescript';
import katex from '@vscode/markdown-it-katex';
import MarkdownIt from 'markdown-it';
import { escapeHtml } from './escape';

hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('javascript', javascript);

const LANGUAGE_ALIASES: Record<string, string> = { ts: 'typescript', typescript: 'typescript', tsx: 'typescript', js: 'javascript', javascript: 'javascript', jsx: 'javascript', mjs: 'javascript', cjs: 'javascript' };

/** Class of a diagram's container and of its source, as src/renderers/mermaid/markdown.ts writes them. */
export const MERMAID_CONTAINER_CLASS = 'bmnb-mermaid';
export const MERMAID_SOURCE_CLASS = 'bmnb-mermaid-source';

/** Code as highlighted HTML (escaped text in `hljs-*` spans); other languages as escaped text. */
export function highlight(code: string, language: string): string {
  const lang = LANGUAGE_ALIASES[language.toLowerCase()];
  if (!lang) return escapeHtml(code);
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
}

export function isMermaidFence(info: string): boolean {
  return info.trim().split(/\s+/, 1)[0]!.toLowerCase() === 'mermaid';
}

export interface RenderedMarkdown {
  html: string;
  /** The sources of the ```mermaid fences, in order. */
  diagrams: string[];
}

function createMarkdownIt(): MarkdownIt {
  const md = new MarkdownIt({
    html: false,
    linkify: true,
    highlight: (code, lang) => (LANGUAGE_ALIASES[lang.toLowerCase()] ? highlight(code, lang) : ''),
  });
  md.linkify.set({ fuzzyLink: false });
  // KaTeX's own options pass through the plugin's: MathML only (no HTML spans that need KaTeX's fonts and CSS).
  md.use(katex, { enableBareBlocks: true, enableFencedBlocks: true, output: 'mathml', throwOnError: false } as Parameters<typeof katex>[1]);
  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env: { diagrams?: string[] }, self) => {
    const token = tokens[idx]!;
    if (isMermaidFence(token.info)) {
      env.diagrams?.push(token.content);
      return `<div class="${MERMAID_CONTAINER_CLASS}" data-state="pending"><pre class="${MERMAID_SOURCE_CLASS}"><code>${escapeHtml(token.content)}</code></pre></div>\n`;
    }
    return fence(tokens, idx, options, env, self);
  };
  // Images from elsewhere would be fetched when the file opens: a link to them instead.
  md.renderer.rules.image = (tokens, idx) => {
    const token = tokens[idx]!;
    const src = token.attrGet('src') ?? '';
    const alt = token.children?.length ? md.renderer.renderInlineAsText(token.children, md.options, {}) : token.content;
    const title = token.attrGet('title');
    const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
    if (/^data:image\/(png|jpe?g|gif|webp|svg\+xml);/i.test(src)) return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"${titleAttr}>`;
    return `<a href="${escapeHtml(src)}" class="bmnb-image-link"${titleAttr}>🖼 ${escapeHtml(alt || src)}</a>`;
  };
  return md;
}

let shared: MarkdownIt | undefined;

export function renderMarkdown(source: string): RenderedMarkdown {
  shared ??= createMarkdownIt();
  const env = { diagrams: [] as string[] };
  const html = shared.render(source, env);
  return { html, diagrams: env.diagrams };
}

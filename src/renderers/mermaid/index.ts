/**
 * Entry of the mermaid renderer: it extends VS Code's markdown renderer
 * (`vscode.markdown-it-renderer`, the one that draws markdown cells) so that ```mermaid fences in
 * markdown cells show as diagrams. VS Code loads this bundle; mermaid itself is a separate chunk,
 * loaded on the first diagram.
 */
import type MarkdownIt from 'markdown-it';
import type { ActivationFunction } from 'vscode-notebook-renderer';
import { onDiagrams } from './diagrams';
import { mermaidPlugin } from './markdown';

/** What VS Code's markdown renderer exposes to renderers that extend it. */
interface MarkdownItRenderer {
  extendMarkdownIt(fn: (md: MarkdownIt) => void): void;
}

export const activate: ActivationFunction = async (ctx) => {
  const markdown = (await ctx.getRenderer('vscode.markdown-it-renderer')) as unknown as MarkdownItRenderer | undefined;
  if (!markdown?.extendMarkdownIt) {
    throw new Error("Mermaid diagrams need VS Code's markdown renderer ('vscode.markdown-it-renderer' of the built-in Markdown Language Features extension), which did not load: is that extension disabled?");
  }
  markdown.extendMarkdownIt((md) => {
    mermaidPlugin(md, { onDiagrams });
  });
};

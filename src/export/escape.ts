/** Escaping for the two places kernel strings reach an exported HTML file: text and attributes, and JSON inside <script>. */

/** Text or a double-quoted attribute value: `&`, `<`, `>`, `"` and `'` as entities. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` as \u escapes (so no
 * `</script>` or `<!--` can end or change the element), and U+2028/U+2029 too. `JSON.parse` of the
 * element's text gives the value back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Where admin-, vendor- and visitor-written text becomes HTML or script. Everything a page
 * template puts in markup goes through one of these: text and attributes escaped, and JSON made
 * safe inside `<script>`.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or an attribute value, escaped for HTML. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML[c] ?? c);

const SCRIPT: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * A value as a JavaScript literal that is safe inside `<script>`: no `</script>`, no `<!--`, and
 * no line separators (which end a string literal in older engines).
 */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT[c] ?? c);

import { contractSchema } from '../manifests/index.js';

/**
 * Where admin- and module-written text becomes HTML or script. Everything a page template puts
 * in markup goes through one of these: text and attributes escaped, JSON made safe inside
 * `<script>`, and image URLs held to what cannot run.
 */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or an attribute value, escaped for HTML. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML[c]);

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
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT[c]);

/** An https: URL or a data: image, as the theme schema has it for a logo: nothing a browser would run. */
const IMAGE_URL = new RegExp(
  (contractSchema('theme') as { properties: { branding: { properties: { logo: { pattern: string } } } } }).properties.branding
    .properties.logo.pattern,
);

/** The URL when it is an image URL the admin may show, else undefined. */
export const safeImageUrl = (url: unknown): string | undefined =>
  typeof url === 'string' && IMAGE_URL.test(url) ? url : undefined;

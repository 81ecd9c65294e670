import { contractSchema } from '../manifests/index.js';

export { escapeHtml, scriptJson } from '../markup/index.js';

/** An https: URL or a data: image, as the theme schema has it for a logo: nothing a browser would run. */
const IMAGE_URL = new RegExp(
  (contractSchema('theme') as { properties: { branding: { properties: { logo: { pattern: string } } } } }).properties.branding
    .properties.logo.pattern,
);

/** The URL when it is an image URL the admin may show, else undefined. */
export const safeImageUrl = (url: unknown): string | undefined =>
  typeof url === 'string' && IMAGE_URL.test(url) ? url : undefined;

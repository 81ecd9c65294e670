import { FONT_CSS_PATH } from './fonts.js';
import { escapeHtml } from './markup.js';

/**
 * The admin's few pages outside the application (choosing a workspace, signing out, two-factor
 * sign-in): plain HTML with no script. `body` is markup its caller built with `escapeHtml`.
 */
export function plainPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${FONT_CSS_PATH}">
<style>body{font-family:Roboto,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
li{list-style:none;margin:.5rem 0}button,input{font:inherit;padding:.4rem .8rem;margin-right:.6rem}
button[aria-current]{font-weight:700}.error{color:#b00020}code{font-size:1.1em}img{display:block;margin:1rem 0}</style>
<h1>${escapeHtml(title)}</h1>
${body}
</html>`;
}

/** A form whose one button posts to `action` (a path of this admin). */
export const postButton = (action: string, label: string, fields: Record<string, string> = {}): string =>
  `<form method="post" action="${escapeHtml(action)}">${Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('')}<button type="submit">${escapeHtml(label)}</button></form>`;

import { FONT_CSS_PATH } from './fonts.js';
import { escapeHtml } from './markup.js';

/** What the wide pages (the workspace's API tokens, webhooks and reference) add: tables, field errors, fieldsets. */
const WIDE_CSS = `body{max-width:64rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #ccc;overflow-wrap:break-word}
@media (max-width:40rem){th,td,code{overflow-wrap:anywhere}th,td{padding:.3rem}}
input{max-width:100%;box-sizing:border-box}.url,.schema code{overflow-wrap:anywhere}fieldset{border:1px solid #ccc;margin:1rem 0;padding:.6rem 1rem}legend{font-weight:700}
label{display:block;margin:.8rem 0 .2rem}.choice{display:inline-block;margin:.2rem 1.2rem .2rem 0}
.choice input{margin-right:.3rem}.field-error{color:#b00020;margin:.2rem 0}.notice{border:2px solid #b00020;padding:.6rem 1rem}
.once{border:2px solid #1a7f37;padding:.6rem 1rem}.once code{word-break:break-all}td form{display:inline}
nav ul{padding:0}nav li{display:inline-block;margin-right:1rem}dl{margin:0}dt{font-weight:700}dd{margin:0 0 .4rem 1rem}
.method{font-family:monospace;font-weight:700}.schema ul{padding-left:1.2rem}.schema li{list-style:disc;margin:.2rem 0}`;

/**
 * The admin's few pages outside the application (choosing a workspace, signing out, two-factor
 * sign-in, the workspace API's pages): plain HTML with no script. `body` is markup its caller
 * built with `escapeHtml`.
 */
export function plainPage(title: string, body: string, { wide = false } = {}): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${FONT_CSS_PATH}">
<style>body{font-family:Roboto,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
li{list-style:none;margin:.5rem 0}button,input{font:inherit;padding:.4rem .8rem;margin-right:.6rem}
button[aria-current]{font-weight:700}.error{color:#b00020}code{font-size:1.1em}img{display:block;margin:1rem 0}
${wide ? WIDE_CSS : ''}</style>
${wide ? `<main><h1>${escapeHtml(title)}</h1>\n${body}</main>` : `<h1>${escapeHtml(title)}</h1>\n${body}`}
</html>`;
}

/** A form whose one button posts to `action` (a path of this admin). */
export const postButton = (action: string, label: string, fields: Record<string, string> = {}): string =>
  `<form method="post" action="${escapeHtml(action)}">${Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('')}<button type="submit">${escapeHtml(label)}</button></form>`;

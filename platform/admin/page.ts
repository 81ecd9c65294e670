import { combineStyles } from '@adminjs/design-system';
import AdminJS, {
  createStore,
  getAssets,
  getBranding,
  getLocales,
  initializeAssets,
  initializeBranding,
  initializeLocale,
  initializeStore,
  ViewHelpers,
  type CurrentAdmin,
} from 'adminjs';
import { FONT_CSS_PATH } from './fonts.js';
import { escapeHtml, safeImageUrl, scriptJson } from './markup.js';
import { focusCss, readableTheme } from './readable-theme.js';

/**
 * The two HTML pages of the admin, in place of AdminJS's own templates: those write branding
 * into `<title>` and the favicon link unescaped, and the store into a `<script>` with
 * `JSON.stringify`, which leaves `</script>` as it is. Here every value is escaped for where it
 * lands, and the inline scripts carry the response's CSP nonce, so no other inline script runs.
 */

/** A page of the signed-in admin: the application renders whatever the URL names. */
export async function adminPage(admin: AdminJS, currentAdmin: CurrentAdmin | undefined, nonce: string): Promise<string> {
  const state = (await initializeStore(admin, currentAdmin)).getState();
  return page({
    state,
    theme: combineStyles(readableTheme(state.branding.theme)),
    admin,
    nonce,
    start: 'createRoot(document.getElementById("app")).render(AdminJS.Application);',
  });
}

/** The sign-in page, with the message of a refused attempt. */
export async function loginPage(admin: AdminJS, attributes: { action: string; errorMessage?: string }, nonce: string) {
  const store = createStore();
  const branding = await getBranding(admin);
  store.dispatch(initializeBranding(branding));
  store.dispatch(initializeAssets(await getAssets(admin)));
  store.dispatch(initializeLocale(await getLocales(admin)));
  return page({
    state: store.getState(),
    theme: combineStyles(readableTheme(branding.theme)),
    admin,
    nonce,
    start: `window.__APP_STATE__ = ${scriptJson(attributes)};
      createRoot(document.getElementById("app")).render(AdminJS.LoginApplication);`,
  });
}

interface PageParts {
  state: { branding: { companyName?: string; favicon?: string; logo?: string | false }; locale: { language: string } };
  theme: unknown;
  admin: AdminJS;
  nonce: string;
  /** The script that mounts the application. */
  start: string;
}

function page({ state, theme, admin, nonce, start }: PageParts): string {
  const { branding } = state;
  // The application shows the logo itself: only a URL that cannot run reaches it.
  const logo = branding.logo === false ? false : safeImageUrl(branding.logo);
  const safeState = { ...state, branding: { ...branding, logo: logo ?? false } };
  const favicon = safeImageUrl(branding.favicon);
  const h = new ViewHelpers({ options: admin.options });
  const asset = (file: string) => escapeHtml(h.assetPath(file));
  const n = escapeHtml(nonce);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(state.locale.language)}">
<head>
  <script nonce="${n}">
    window.REDUX_STATE = ${scriptJson(safeState)};
    window.THEME = ${scriptJson(theme)};
    window.THEME_COMPONENTS = {};
    window.AdminJS = { Components: {} };
  </script>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1, shrink-to-fit=no">
  <title>${escapeHtml(branding.companyName ?? 'Plinth')}</title>
  ${favicon ? `<link rel="icon" href="${escapeHtml(favicon)}">` : ''}
  <link rel="stylesheet" href="${FONT_CSS_PATH}" type="text/css">
  <script src="${asset('global.bundle.js')}"></script>
  <script src="${asset('design-system.bundle.js')}"></script>
  <script src="${asset('app.bundle.js')}"></script>
  <script src="${asset('components.bundle.js')}"></script>
  <style nonce="${n}">${RESET}
${focusCss((theme as { colors?: { primary100?: unknown } }).colors?.primary100)}</style>
</head>
<body>
  <div id="app"></div>
  <script nonce="${n}">
    ${start}
  </script>
</body>
</html>`;
}

/** AdminJS's page reset (Eric Meyer's v4.0, public domain), as its own templates carry it. */
const RESET = `html, body, div, span, applet, object, iframe, h1, h2, h3, h4, h5, h6, p, blockquote, pre, a, abbr,
acronym, address, big, cite, code, del, dfn, em, img, ins, kbd, q, s, samp, small, strike, strong, sub, sup, tt, var,
b, u, i, center, dl, dt, dd, ol, ul, li, fieldset, form, label, legend, table, caption, tbody, tfoot, thead, tr, th,
td, article, aside, canvas, details, embed, figure, figcaption, footer, header, hgroup, main, menu, nav, output,
ruby, section, summary, time, mark, audio, video { margin: 0; padding: 0; border: 0; font-size: 100%; font: inherit;
vertical-align: baseline; }
article, aside, details, figcaption, figure, footer, header, hgroup, main, menu, nav, section { display: block; }
*[hidden] { display: none; }
body { line-height: 1; }
ol, ul { list-style: none; }
blockquote, q { quotes: none; }
blockquote:before, blockquote:after, q:before, q:after { content: ''; content: none; }
table { border-collapse: collapse; border-spacing: 0; }
html, body, #app { margin: 0; padding: 0; width: 100%; height: 100%; }
#app { isolation: isolate; }
:root { color-scheme: light; }`;

import AdminJS, { type ResourceWithOptions } from 'adminjs';
import type { Theme } from '../manifests/index.js';
import { componentLoader, UI } from './ui.js';

/** The studio's pages; the event log shows every role, the editors only those who may change what they edit. */
const PAGES = {
  marketplace: { component: UI.Marketplace, icon: 'ShoppingBag', label: 'Marketplace', editors: true },
  layouts: { component: UI.LayoutEditor, icon: 'Layout', label: 'Layout editor', editors: true },
  theme: { component: UI.ThemeEditor, icon: 'Droplet', label: 'Theme editor', editors: true },
  events: { component: UI.EventLog, icon: 'Activity', label: 'Event log', editors: false },
};

const ROOT = '/admin';
/** Without a logo AdminJS shows its own; with `false` it shows the company name. */
const FALLBACK_BRANDING = { companyName: 'Plinth', withMadeWithLove: false, logo: false as const };

/** One workspace's AdminJS: its resources, the studio's pages the role may use, the theme's branding, the labels. */
export function workspaceAdmin(
  editor: boolean,
  theme: Theme | null,
  resources: ResourceWithOptions[],
  labels: Record<string, string>,
  translations: Record<string, { properties: Record<string, string> }>,
): AdminJS {
  const pages = Object.entries(PAGES).filter(([, page]) => editor || !page.editors);
  return new AdminJS({
    rootPath: ROOT,
    componentLoader,
    dashboard: { component: UI.Dashboard },
    pages: Object.fromEntries(pages.map(([name, page]) => [name, { component: page.component, icon: page.icon }])),
    loginPath: `${ROOT}/login`,
    logoutPath: `${ROOT}/logout`,
    resources,
    branding: {
      ...FALLBACK_BRANDING,
      ...theme?.branding,
      ...(theme?.colors && { theme: { colors: theme.colors } }),
    },
    locale: {
      language: 'en',
      translations: {
        en: {
          labels,
          pages: Object.fromEntries(pages.map(([name, page]) => [name, page.label])),
          actions: { timeline: 'Timeline' },
          resources: translations,
        },
      },
    },
  });
}

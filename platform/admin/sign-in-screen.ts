import AdminJS from 'adminjs';
import type { Database } from '../db/index.js';
import type { Theme } from '../manifests/index.js';

/**
 * The AdminJS the sign-in page is drawn from: the platform's own theme (the default theme's
 * branding and colours, as the operator set them) and the platform's words, never AdminJS's
 * advertisement. Rebuilt only when that theme changes.
 */
export class SignInScreen {
  private cached: { key: string; admin: AdminJS } | null = null;

  constructor(private readonly db: Database) {}

  async admin(): Promise<AdminJS> {
    const [row] = await this.db.read<{ definition: Theme | null }>(
      { role: 'app' },
      "SELECT definition FROM themes WHERE workspace_id IS NULL AND key = 'default'",
    );
    const key = JSON.stringify(row?.definition ?? null);
    if (this.cached?.key === key) return this.cached.admin;
    const theme = row?.definition;
    const companyName = theme?.branding.companyName ?? 'Plinth';
    const admin = new AdminJS({
      rootPath: '/admin',
      branding: {
        companyName,
        withMadeWithLove: false,
        logo: theme?.branding.logo ?? false,
        ...(theme?.branding.favicon && { favicon: theme.branding.favicon }),
        ...(theme?.colors && { theme: { colors: theme.colors } }),
      },
      locale: {
        language: 'en',
        translations: { en: { components: { Login: { welcomeHeader: 'Sign in', welcomeMessage: `to ${companyName}` } } } },
      },
    });
    this.cached = { key, admin };
    return admin;
  }
}

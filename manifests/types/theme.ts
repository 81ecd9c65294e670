/* Generated from manifests/theme.schema.json by `npm run gen:types`. Do not edit: change the schema. */

/**
 * White-label branding of the admin.
 */
export interface Theme {
  $schema?: string;
  key: string;
  name: string;
  branding: {
    companyName: string;
    /**
     * An https: URL or a data:image/… URL: nothing a browser would run.
     */
    logo?: string;
    /**
     * An https: URL or a data:image/… URL.
     */
    favicon?: string;
    withMadeWithLove?: boolean;
  };
  /**
   * Colour tokens of the admin (primary100, accent, love, grey100, …) as #rrggbb.
   */
  colors?: {
    [k: string]: string;
  };
}

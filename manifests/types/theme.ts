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
     * A path served by Plinth, or a data: URL.
     */
    logo?: string;
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

/* Generated from manifests/plugin-manifest.schema.json by `npm run gen:types`. Do not edit: change the schema. */

export type Capability =
  | 'contacts:read'
  | 'contacts:write'
  | 'events:emit'
  | 'workspaces:read'
  | 'users:read'
  | 'themes:read'
  | 'layouts:read'
  | 'billing:read';
export type EventName = string;
/**
 * A file of the package, relative to its root.
 */
export type Entry = string;

/**
 * What a Plinth module provides and needs, readable without running any of its code.
 */
export interface PluginManifest {
  $schema?: string;
  /**
   * Module id; its prefix (the id with - turned to _) names its schema, roles, events and gateways.
   */
  id: string;
  name: string;
  /**
   * Semantic version of this release.
   */
  version: string;
  /**
   * Semver range of Plinth versions this release runs on.
   */
  engine: string;
  vendor: {
    name: string;
    url?: string;
  };
  description: string;
  capabilities: {
    /**
     * What the module needs of the shell.
     */
    requires: Capability[];
    /**
     * Free-form tags shown in the marketplace.
     *
     * @maxItems 30
     */
    provides?: string[];
  };
  /**
   * @maxItems 50
   */
  tables?: Table[];
  events?: {
    /**
     * @maxItems 100
     */
    emits?: EmittedEvent[];
    /**
     * @maxItems 100
     */
    subscribes?: Subscription[];
  };
  /**
   * @maxItems 50
   */
  gateways?: Gateway[];
  /**
   * @maxItems 50
   */
  routes?: Route[];
  settings?: VendorSchema1;
  /**
   * Default layouts of the module's resources.
   *
   * @maxItems 50
   */
  screens?: Screen[];
  pricing?: Pricing;
  /**
   * Other modules (id -> semver range) that must be installed and enabled first.
   */
  dependencies?: {
    [k: string]: string;
  };
  /**
   * The hosts the module's code may reach with ctx.fetch, over HTTPS; it reaches no other. Shown to the operator at install.
   */
  network?: {
    /**
     * Exact host names (or IPv4 addresses), each with a port when it is not 443: api.example.com, hooks.example.com:8443. No schemes, paths or wildcards.
     *
     * @minItems 1
     * @maxItems 20
     */
    hosts: [string, ...string[]];
  };
  /**
   * What one call of the module's code may use; the operator's limits cap both (PLINTH_MODULE_TIME_LIMIT, PLINTH_MODULE_MEMORY_LIMIT_MB).
   */
  limits?: {
    /**
     * Wall time of one call, awaits included (default 5000).
     */
    timeoutMs?: number;
    /**
     * Heap of the module's sandbox in one workspace (default 64).
     */
    memoryMb?: number;
  };
  hooks?: {
    install?: Entry;
    enable?: Entry;
    disable?: Entry;
    uninstall?: Entry;
  };
}
export interface Table {
  name: string;
  label?: string;
  /**
   * Runs as the module, in the same transaction, after a row is created, updated or deleted from outside the module's code (the admin).
   */
  onChange?: string;
  /**
   * Each row is a form people fill in on the web. The platform serves a page for an active row at /forms/<module id>/<workspace>/<slug>, which posts { fields, consent, website, page } to the route named here; the admin edits the fields column with a form builder and shows the page's address and an embed snippet.
   */
  webForm?: {
    /**
     * The path of this manifest's public POST route that takes a submission: ":workspace" and one more parameter, which the slug fills.
     */
    route: string;
    /**
     * The string column that names the form in its address.
     */
    slug: string;
    /**
     * The object column (x-plinth-json-schema) holding the JSON Schema of the form's fields.
     */
    fields: string;
    /**
     * The string column shown as the page's heading.
     */
    title?: string;
    /**
     * The string column holding the text a person must agree to, when set.
     */
    consent?: string;
    /**
     * The boolean column that must be true for the page to be served.
     */
    active?: string;
  };
  /**
   * JSON Schema of a row: its properties are the columns; required ones are NOT NULL.
   */
  schema: {
    type: 'object';
    properties: {
      [k: string]: Column;
    };
    required?: string[];
  };
  /**
   * @maxItems 20
   */
  indexes?: {
    /**
     * @minItems 1
     * @maxItems 8
     */
    columns: [string, ...string[]];
    unique?: boolean;
  }[];
}
/**
 * JSON Schema of one column; its type (and format) decide the SQL type.
 */
export interface Column {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  format?: string;
  /**
   * What the column's id points at: "contacts", "users", "workspaces" or a table of this module. The admin shows the row it names, by its name or title.
   */
  'x-plinth-references'?: string;
  /**
   * The admin never reads, shows, filters, sorts on or writes this column.
   */
  'x-plinth-hidden'?: boolean;
  /**
   * The column's label on admin screens; a layout's labels win.
   */
  'x-plinth-label'?: string;
  /**
   * On an object column: its value is itself a JSON Schema (draft 2020-12) of an object with properties, such as a form's fields. The admin refuses a value that does not compile or describes anything else.
   */
  'x-plinth-json-schema'?: boolean;
}
export interface EmittedEvent {
  name: EventName;
  version: number;
  description?: string;
  payload: VendorSchema;
}
/**
 * A JSON Schema written by the vendor (draft 2020-12).
 */
export interface VendorSchema {}
export interface Subscription {
  event: EventName;
  handler: Entry;
  retry?: {
    maxAttempts?: number;
    initialDelayMs?: number;
    maxDelayMs?: number;
  };
}
export interface Gateway {
  name: string;
  description?: string;
  input: VendorSchema;
  output: VendorSchema;
  handler: Entry;
}
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * Below /m/<id>/.
   */
  path: string;
  handler: Entry;
  auth: 'public' | 'hmac' | 'session';
  body?: VendorSchema;
  rateLimit?: {
    max: number;
    windowSeconds: number;
  };
}
/**
 * A JSON Schema written by the vendor (draft 2020-12).
 */
export interface VendorSchema1 {}
/**
 * A default layout; validated against layout.schema.json.
 */
export interface Screen {}
export interface Pricing {
  model: 'free' | 'flat' | 'per_seat' | 'usage';
  amount?: number;
  currency?: string;
  interval?: 'month' | 'year';
  trialDays?: number;
}

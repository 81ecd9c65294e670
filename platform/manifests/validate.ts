import semver from 'semver';
import express from 'express';
import type { PluginManifest } from '../../manifests/types/plugin-manifest.js';
import { contractValidator } from './contracts.js';
import { ManifestError, type ManifestProblem } from './errors.js';
import { parseManifestText } from './parse.js';
import { SHELL_EVENT_SCHEMAS } from './shell-events.js';
import { describeErrors, VendorSchemas } from './vendor-schemas.js';
import { webFormProblems } from './web-form-checks.js';

/**
 * Names a module table may not take: every table of the shell (a module keeps its own tables).
 * A test compares it with the tables the migrations create, so a new shell table cannot be missed.
 */
export const SHELL_ENTITIES = new Set([
  'admin_config',
  'admin_sessions',
  'api_idempotency_keys',
  'api_tokens',
  'billing_accounts',
  'contact_identities',
  'contact_merge_candidates',
  'contacts',
  'event_cursors',
  'event_deliveries',
  'event_idempotency_keys',
  'events',
  'import_outcomes',
  'imports',
  'layout_definitions',
  'login_failures',
  'memberships',
  'module_installations',
  'module_packages',
  'module_publishers',
  'module_registry',
  'plinth_migrations',
  'plinth_module_context',
  'recovery_codes',
  'route_hits',
  'route_secrets',
  'route_signatures',
  'subscriptions',
  'themes',
  'users',
  'webhooks',
  'workspaces',
]);
/** Columns every module table gets from the shell. */
export const SHELL_COLUMNS = ['id', 'workspace_id', 'created_at', 'updated_at'];
/** Events the shell itself emits, which any module may subscribe to. */
export const SHELL_EVENTS = new Set(Object.keys(SHELL_EVENT_SCHEMAS));

/** What a manifest is checked against beyond itself. */
export interface ValidationContext {
  /** The running Plinth's version, for `engine`. */
  engineVersion: string;
  /** The package's files, to check that every handler entry exists; unchecked when absent. */
  files?: ReadonlySet<string>;
  /** Other modules known to the registry (installed or published), by id; the newest manifest of each. */
  known?: ReadonlyMap<string, PluginManifest>;
}

/** The shell's entities a module column may hold the id of. */
const REFERABLE_ENTITIES = ['contacts', 'users', 'workspaces'];

export const modulePrefix = (id: string): string => id.replace(/-/g, '_');

/** Parses and checks a manifest; throws a ManifestError listing every problem, each with its JSON path. */
export function validateManifestText(
  text: string | Buffer,
  source: string,
  context: ValidationContext,
): { manifest: PluginManifest; schemas: VendorSchemas } {
  return validateManifest(parseManifestText(text, source), source, context);
}

export function validateManifest(
  value: unknown,
  source: string,
  context: ValidationContext,
): { manifest: PluginManifest; schemas: VendorSchemas } {
  const check = contractValidator('plugin-manifest');
  if (!check(value)) throw new ManifestError(source, describeErrors(check.errors));
  const manifest = value as PluginManifest;
  const schemas = new VendorSchemas();
  const problems = semanticProblems(manifest, context, schemas);
  if (problems.length > 0) throw new ManifestError(source, problems);
  return { manifest, schemas };
}

function semanticProblems(m: PluginManifest, context: ValidationContext, schemas: VendorSchemas): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const add = (path: string, message: string): void => void problems.push({ path, message });
  const prefix = modulePrefix(m.id);

  if (!semver.valid(m.version)) add('/version', `"${m.version}" is not a semantic version`);
  if (!semver.validRange(m.engine)) add('/engine', `"${m.engine}" is not a semver range`);
  else if (!semver.satisfies(context.engineVersion, m.engine, { includePrerelease: true })) {
    add('/engine', `this Plinth is ${context.engineVersion}, which "${m.engine}" does not admit`);
  }

  const duplicates = (items: { key: string; path: string }[], what: string): void => {
    const seen = new Map<string, string>();
    for (const { key, path } of items) {
      const first = seen.get(key);
      if (first) add(path, `duplicate ${what} "${key}" (first at ${first})`);
      else seen.set(key, path);
    }
  };
  const vendorSchema = (schema: object | undefined, path: string): void => {
    if (schema === undefined) return;
    const result = schemas.compile(schema);
    if ('error' in result) add(path, result.error);
  };
  const entry = (file: string | undefined, path: string): void => {
    if (file !== undefined && context.files && !context.files.has(file))
      add(path, `handler file "${file}" is not in the package`);
  };
  const ownPrefix = (name: string, path: string, what: string): void => {
    if (name.split('.')[0] !== prefix) add(path, `${what} "${name}" is outside the module's prefix "${prefix}."`);
  };

  const tables = m.tables ?? [];
  duplicates(
    tables.map((t, i) => ({ key: t.name, path: `/tables/${i}/name` })),
    'table',
  );
  // A form's page address names the module, not the table.
  tables.forEach((t, i) => {
    if (t.webForm && tables.findIndex((other) => other.webForm) < i)
      add(`/tables/${i}/webForm`, 'only one table of a module may hold web forms');
  });
  tables.forEach((t, i) => {
    const path = `/tables/${i}`;
    if (SHELL_ENTITIES.has(t.name))
      add(`${path}/name`, `"${t.name}" is the name of a shell entity; a module keeps tables of its own`);
    const columns = Object.keys(t.schema.properties);
    for (const [c, column] of Object.entries(t.schema.properties)) {
      if (SHELL_COLUMNS.includes(c))
        add(`${path}/schema/properties/${c}`, `"${c}" is a column the shell adds to every module table`);
      const references = column['x-plinth-references'];
      if (
        references !== undefined &&
        !REFERABLE_ENTITIES.includes(references) &&
        !tables.some((other) => other.name === references)
      )
        add(
          `${path}/schema/properties/${c}/x-plinth-references`,
          `"${references}" is neither ${REFERABLE_ENTITIES.join(', ')} nor a table of this module`,
        );
      if (column['x-plinth-json-schema'] === true && column.type !== 'object')
        add(
          `${path}/schema/properties/${c}/x-plinth-json-schema`,
          `a JSON Schema is an object: the column's type must be "object", not "${column.type}"`,
        );
    }
    (t.schema.required ?? []).forEach((r, k) => {
      if (!columns.includes(r)) add(`${path}/schema/required/${k}`, `"${r}" is not a column of table "${t.name}"`);
    });
    (t.indexes ?? []).forEach((index, k) =>
      index.columns.forEach((c, j) => {
        if (!columns.includes(c) && !SHELL_COLUMNS.includes(c))
          add(`${path}/indexes/${k}/columns/${j}`, `"${c}" is not a column of table "${t.name}"`);
      }),
    );
    vendorSchema(t.schema, `${path}/schema`);
    if (t.onChange !== undefined) entry(t.onChange, `${path}/onChange`);
    if (t.webForm) webFormProblems(m, t, `${path}/webForm`).forEach(([where, problem]) => add(where, problem));
  });

  const emits = m.events?.emits ?? [];
  duplicates(
    emits.map((e, i) => ({ key: e.name, path: `/events/emits/${i}/name` })),
    'event',
  );
  emits.forEach((e, i) => {
    ownPrefix(e.name, `/events/emits/${i}/name`, 'event');
    vendorSchema(e.payload, `/events/emits/${i}/payload`);
  });

  const emitted = new Set([...SHELL_EVENTS, ...emits.map((e) => e.name)]);
  for (const other of context.known?.values() ?? []) for (const e of other.events?.emits ?? []) emitted.add(e.name);
  const subscribes = m.events?.subscribes ?? [];
  duplicates(
    subscribes.map((s, i) => ({ key: s.event, path: `/events/subscribes/${i}/event` })),
    'subscription to event',
  );
  subscribes.forEach((s, i) => {
    if (!emitted.has(s.event)) add(`/events/subscribes/${i}/event`, `no installed or declared module emits "${s.event}"`);
    entry(s.handler, `/events/subscribes/${i}/handler`);
    const retry = s.retry;
    if (retry?.initialDelayMs !== undefined && retry.maxDelayMs !== undefined && retry.maxDelayMs < retry.initialDelayMs) {
      add(`/events/subscribes/${i}/retry/maxDelayMs`, 'must not be below initialDelayMs');
    }
  });

  const gateways = m.gateways ?? [];
  duplicates(
    gateways.map((g, i) => ({ key: g.name, path: `/gateways/${i}/name` })),
    'gateway',
  );
  gateways.forEach((g, i) => {
    ownPrefix(g.name, `/gateways/${i}/name`, 'gateway');
    vendorSchema(g.input, `/gateways/${i}/input`);
    vendorSchema(g.output, `/gateways/${i}/output`);
    entry(g.handler, `/gateways/${i}/handler`);
  });

  const routes = m.routes ?? [];
  duplicates(
    routes.map((r, i) => ({ key: `${r.method} ${r.path}`, path: `/routes/${i}/path` })),
    'route',
  );
  routes.forEach((r, i) => {
    entry(r.handler, `/routes/${i}/handler`);
    if (r.auth === 'session') add(`/routes/${i}/auth`, 'routes with "session" auth are not served yet: use "public" or "hmac"');
    else if (!r.path.split('/').includes(':workspace'))
      add(`/routes/${i}/path`, 'a public or signed route serves one workspace: its path needs a ":workspace" segment');
    try {
      express.Router().route(r.path);
    } catch (err) {
      add(`/routes/${i}/path`, `is not a route path: ${(err as Error).message.split(';')[0]}`);
    }
    if (r.body !== undefined && (r.method === 'GET' || r.method === 'DELETE'))
      add(`/routes/${i}/body`, `a ${r.method} route takes no body`);
    vendorSchema(r.body, `/routes/${i}/body`);
  });

  if (m.settings !== undefined) {
    if ((m.settings as { type?: unknown }).type !== 'object')
      add('/settings/type', 'the settings schema must describe an object ("type": "object")');
    vendorSchema(m.settings, '/settings');
  }

  const layout = contractValidator('layout');
  const tableNames = new Set(tables.map((t) => `${m.id}.${t.name}`));
  (m.screens ?? []).forEach((screen, i) => {
    if (!layout(screen)) problems.push(...describeErrors(layout.errors, `/screens/${i}`));
    else if (!tableNames.has((screen as { resource: string }).resource)) {
      add(
        `/screens/${i}/resource`,
        `"${(screen as { resource: string }).resource}" is not one of this module's tables (${[...tableNames].join(', ') || 'none'})`,
      );
    }
  });

  if (m.pricing && m.pricing.model !== 'free') {
    for (const key of ['amount', 'currency', 'interval'] as const) {
      if (m.pricing[key] === undefined) add(`/pricing/${key}`, `is required for a ${m.pricing.model} price`);
    }
  }

  for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
    if (!semver.validRange(range)) add(`/dependencies/${dep}`, `"${range}" is not a semver range`);
  }
  const cycle = dependencyCycle(m, context.known ?? new Map());
  if (cycle) add(`/dependencies/${cycle[1]}`, `dependency cycle: ${cycle.join(' → ')}`);

  for (const [hook, file] of Object.entries(m.hooks ?? {})) entry(file, `/hooks/${hook}`);
  return problems;
}

/** A path of dependencies from the manifest back to itself, if any (a self-dependency included). */
function dependencyCycle(m: PluginManifest, known: ReadonlyMap<string, PluginManifest>): string[] | null {
  const depsOf = (id: string): string[] => Object.keys((id === m.id ? m : known.get(id))?.dependencies ?? {});
  const visit = (id: string, trail: string[], done: Set<string>): string[] | null => {
    for (const dep of depsOf(id)) {
      if (dep === m.id) return [...trail, dep];
      if (done.has(dep)) continue;
      done.add(dep);
      const found = visit(dep, [...trail, dep], done);
      if (found) return found;
    }
    return null;
  };
  return visit(m.id, [m.id], new Set());
}

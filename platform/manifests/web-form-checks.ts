import type { PluginManifest } from '../../manifests/types/plugin-manifest.js';

type Table = NonNullable<PluginManifest['tables']>[number];

/**
 * What a table's `webForm` names must exist and fit: the platform's page posts to the route, fills
 * its one free parameter with the slug column and reads the other columns as their types say.
 * Each problem is a JSON path below `path` and what is wrong there.
 */
export function webFormProblems(m: PluginManifest, table: Table, path: string): [string, string][] {
  const form = table.webForm!;
  const problems: [string, string][] = [];
  const columns = table.schema.properties;
  const column = (key: 'slug' | 'fields' | 'title' | 'consent' | 'active', type: string) => {
    const name = form[key];
    if (name === undefined) return;
    if (!columns[name]) problems.push([`${path}/${key}`, `"${name}" is not a column of table "${table.name}"`]);
    else if (columns[name].type !== type)
      problems.push([`${path}/${key}`, `column "${name}" is of type "${columns[name].type}", not "${type}"`]);
  };
  column('slug', 'string');
  column('fields', 'object');
  column('title', 'string');
  column('consent', 'string');
  column('active', 'boolean');
  if (columns[form.fields]?.type === 'object' && columns[form.fields]?.['x-plinth-json-schema'] !== true)
    problems.push([`${path}/fields`, `column "${form.fields}" must say "x-plinth-json-schema": true`]);

  const route = (m.routes ?? []).find((r) => r.path === form.route && r.method === 'POST');
  if (!route) problems.push([`${path}/route`, `no POST route "${form.route}" in this manifest`]);
  else if (route.auth !== 'public')
    problems.push([`${path}/route`, `route "${form.route}" must be public: people post the form from the web`]);
  else if (webFormParameter(form.route) === undefined)
    problems.push([`${path}/route`, `route "${form.route}" must have ":workspace" and exactly one more parameter, for the slug`]);
  return problems;
}

/** The parameter of a web form's route that the form's slug fills, or undefined when there is not exactly one. */
export function webFormParameter(route: string): string | undefined {
  const params = route
    .split('/')
    .filter((segment) => segment.startsWith(':'))
    .map((segment) => segment.slice(1));
  const [slug, ...more] = params.filter((p) => p !== 'workspace');
  return params.includes('workspace') && slug !== undefined && more.length === 0 && /^[A-Za-z_]\w*$/.test(slug)
    ? slug
    : undefined;
}

import { escapeHtml as e } from '../markup.js';
import { backLinks } from './fields.js';

/** A workspace's OpenAPI document, as `workspaceDocument` generates it. */
export type Document = Record<string, unknown>;
type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Operation {
  method: string;
  path: string;
  op: Json;
  shared: Json[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

function operations(doc: Document): Operation[] {
  const paths = isObject(doc.paths) ? doc.paths : {};
  return Object.entries(paths).flatMap(([path, item]) => {
    if (!isObject(item)) return [];
    const shared = Array.isArray(item.parameters) ? (item.parameters as Json[]) : [];
    return METHODS.filter((m) => isObject(item[m])).map((method) => ({ method, path, op: item[method] as Json, shared }));
  });
}

const tagOf = (op: Json): string => (Array.isArray(op.tags) && typeof op.tags[0] === 'string' ? op.tags[0] : 'Other');

/** The scopes the document's operations need, grouped by their tag in the document's order: the closed set a token takes here. */
export function operationScopes(doc: Document): { tag: string; scopes: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const { op } of operations(doc)) {
    const scope = op['x-plinth-scope'];
    if (typeof scope !== 'string') continue;
    const tag = tagOf(op);
    if (!groups.has(tag)) groups.set(tag, new Set());
    groups.get(tag)!.add(scope);
  }
  return [...groups].map(([tag, scopes]) => ({ tag, scopes: [...scopes] }));
}

/** An id for an anchor, one per name (percent-encoding keeps distinct names apart; the markup escapes it again). */
const anchor = (kind: string, name: string): string => `${kind}-${encodeURIComponent(name)}`;

/** A JSON Schema in words: its type (a reference links to the schema), its constraints, and its members as a list. */
function schemaText(schema: unknown, depth = 0): string {
  if (!isObject(schema)) return '<em>any</em>';
  const ref = typeof schema.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(schema.$ref)?.[1] : undefined;
  if (ref !== undefined) return `<a href="#${e(anchor('schema', ref))}">${e(ref)}</a>`;
  const parts: string[] = [];
  const type = Array.isArray(schema.type) ? schema.type.map(text).join(' or ') : text(schema.type);
  if (type) parts.push(`<code>${e(type)}</code>`);
  if (schema.format !== undefined) parts.push(`format ${e(text(schema.format))}`);
  if (schema.const !== undefined) parts.push(`always <code>${e(text(schema.const))}</code>`);
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => `<code>${e(text(v))}</code>`).join(', ')}`);
  for (const [key, words] of [
    ['minimum', 'at least'],
    ['maximum', 'at most'],
    ['minLength', 'at least characters:'],
    ['maxLength', 'at most characters:'],
    ['minItems', 'at least items:'],
    ['maxItems', 'at most items:'],
    ['pattern', 'matching'],
    ['default', 'default'],
  ] as const)
    if (schema[key] !== undefined) parts.push(`${words} <code>${e(text(schema[key]))}</code>`);
  if (typeof schema.description === 'string') parts.push(`— ${e(schema.description)}`);
  let out = parts.join(', ') || '<em>any</em>';
  if (depth > 6) return out;
  if (schema.items !== undefined) out += `; each item: ${schemaText(schema.items, depth + 1)}`;
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const)
    if (Array.isArray(schema[key]))
      out += `; ${key === 'allOf' ? 'all of' : 'one of'}: ${(schema[key] as unknown[]).map((s) => schemaText(s, depth + 1)).join(' | ')}`;
  if (isObject(schema.properties)) {
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(text) : []);
    out += `<ul>${Object.entries(schema.properties)
      .map(
        ([name, member]) =>
          `<li><code>${e(name)}</code>${required.has(name) ? ' (required)' : ''}: ${schemaText(member, depth + 1)}</li>`,
      )
      .join('')}</ul>`;
  }
  return out;
}

const contentSchemas = (content: unknown): string =>
  isObject(content)
    ? Object.entries(content)
        .map(([type, media]) => `<code>${e(type)}</code>: ${schemaText(isObject(media) ? media.schema : undefined)}`)
        .join('<br>')
    : '';

function parametersTable(parameters: Json[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters
    .map(
      (p) =>
        `<tr><td><code>${e(text(p.name))}</code></td><td>${e(text(p.in))}</td><td>${p.required === true ? 'yes' : 'no'}</td><td class="schema">${schemaText(p.schema)}</td><td>${e(text(p.description))}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><div><table><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function operationSection({ method, path, op, shared }: Operation): string {
  const own = Array.isArray(op.parameters) ? (op.parameters as Json[]) : [];
  const scope = typeof op['x-plinth-scope'] === 'string' ? op['x-plinth-scope'] : null;
  const body = isObject(op.requestBody) ? op.requestBody : null;
  const responses = isObject(op.responses) ? Object.entries(op.responses) : [];
  return `<section aria-labelledby="${e(anchor('op', `${method}-${path}`))}">
<h3 id="${e(anchor('op', `${method}-${path}`))}"><span class="method">${method.toUpperCase()}</span> <code>${e(path)}</code></h3>
<p>${e(text(op.summary))}</p>
<p>Scope: ${scope ? `<code>${e(scope)}</code>` : 'any token of this workspace'}</p>
${parametersTable([...shared, ...own].filter(isObject))}
${body ? `<h4>Request body${body.required === true ? ' (required)' : ''}</h4><div class="schema">${contentSchemas(body.content)}</div>` : ''}
<h4>Responses</h4><dl class="schema">${responses
    .map(
      ([status, answer]) =>
        `<dt>${e(status)}</dt><dd>${e(text(isObject(answer) ? answer.description : ''))}${isObject(answer) && answer.content ? `<br>${contentSchemas(answer.content)}` : ''}</dd>`,
    )
    .join('')}</dl></section>`;
}

/**
 * The workspace's API reference, from its generated document: each tag's endpoints with method,
 * path, scope, parameters, bodies and answers, then the named schemas. Every text of the document
 * is escaped: module manifests are written by vendors.
 */
export function referenceBody(doc: Document, slug: string): string {
  const info = isObject(doc.info) ? doc.info : {};
  const servers = Array.isArray(doc.servers) && isObject(doc.servers[0]) ? text(doc.servers[0].url) : '';
  const ops = operations(doc);
  const tags = [...new Set(ops.map((o) => tagOf(o.op)))];
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? Object.entries(doc.components.schemas) : [];
  return `${backLinks()}
<p>${e(text(info.title))}, version ${e(text(info.version))}. ${e(text(info.description))}</p>
<p>Every path below starts with <code>${e(servers)}</code>; send a token as <code>Authorization: Bearer &lt;token&gt;</code>.
<a href="/admin/api-reference/openapi.json" download="${e(`${slug}-openapi.json`)}">Download the OpenAPI document (JSON)</a></p>
<nav aria-label="Sections"><ul>${tags.map((tag) => `<li><a href="#${e(anchor('tag', tag))}">${e(tag)}</a></li>`).join('')}<li><a href="#schemas">Schemas</a></li></ul></nav>
${tags
  .map(
    (tag) =>
      `<section aria-labelledby="${e(anchor('tag', tag))}"><h2 id="${e(anchor('tag', tag))}">${e(tag)}</h2>${ops
        .filter((o) => tagOf(o.op) === tag)
        .map(operationSection)
        .join('\n')}</section>`,
  )
  .join('\n')}
<section aria-labelledby="schemas"><h2 id="schemas">Schemas</h2>${schemas
    .map(
      ([name, schema]) =>
        `<h3 id="${e(anchor('schema', name))}"><code>${e(name)}</code></h3><div class="schema">${schemaText(schema)}</div>`,
    )
    .join('\n')}</section>`;
}

import type { RJSFSchema, UiSchema } from '@rjsf/utils';

/** `practiceAreas`, `practice_areas` or `practice-areas` → "Practice areas"; acronyms stay as they are ("Max URL length"). */
function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w.toLowerCase()));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A label inside a sentence: "Practice area 2" → "practice area 2", but "URL" stays "URL". */
export const inSentence = (label: string): string =>
  /^[A-Z][A-Z]/.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1);

/** English plurals as settings are named: "Practice areas" → "Practice area", "Categories" → "Category". */
function singular(label: string): string {
  if (/ies$/.test(label)) return label.replace(/ies$/, 'y');
  if (/(s|x|ch|sh)es$/.test(label)) return label.replace(/es$/, '');
  if (/[^s]s$/.test(label)) return label.slice(0, -1);
  return label;
}

/** A local `$ref` (the only kind settings may hold) as the schema it points to. */
function resolved(schema: RJSFSchema | undefined, root: RJSFSchema): RJSFSchema | undefined {
  if (!schema?.$ref?.startsWith('#/')) return schema;
  const target = schema.$ref
    .slice(2)
    .split('/')
    .reduce<unknown>(
      (node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
      root,
    );
  return resolved(target as RJSFSchema | undefined, root);
}

export const labelOf = (schema: RJSFSchema | undefined, name: string): string => schema?.title ?? humanize(name);

/** What one entry of a list is called: its schema's title, else the list's label made singular. */
export function entryNoun(list: RJSFSchema, listLabel: string, root: RJSFSchema): string {
  const items = resolved(list.items as RJSFSchema | undefined, root);
  return items?.title ?? singular(listLabel);
}

/** The schema of a property or of a list's entry, when the schema says. */
export function childSchema(schema: RJSFSchema | undefined, key: string, root: RJSFSchema): RJSFSchema | undefined {
  const s = resolved(schema, root);
  if (!s) return undefined;
  const child = /^\d+$/.test(key) && s.items ? s.items : (s.properties?.[key] ?? s.additionalProperties);
  return typeof child === 'object' ? resolved(child, root) : undefined;
}

/**
 * Where a value sits, as a person reads it: ["practiceAreas", "1", "name"] → "Practice area 2 › Name".
 * The entry of a list stands for the list ("Practice area 2", not "Practice areas › Practice area 2").
 */
export function placeOf(path: string[], root: RJSFSchema): string {
  const parts: string[] = [];
  let schema: RJSFSchema | undefined = root;
  let label = '';
  for (const key of path) {
    if (/^\d+$/.test(key) && schema?.type === 'array') {
      parts.pop();
      label = `${entryNoun(schema, label, root)} ${Number(key) + 1}`;
    } else {
      label = labelOf(childSchema(schema, key, root), key);
    }
    parts.push(label);
    schema = childSchema(schema, key, root);
  }
  return parts.join(' › ');
}

/**
 * The labels the schema leaves out, for rjsf: a property without a title is named after its key
 * ("practiceAreas" → "Practice areas"), and each entry of a list after the list and its number
 * ("Practice area 2"), which also names its buttons ("Remove practice area 2").
 */
export function settingsUiSchema(schema: RJSFSchema, root: RJSFSchema = schema, label?: string): UiSchema {
  const s = resolved(schema, root) ?? {};
  const ui: UiSchema = s.title || !label ? {} : { 'ui:title': label };
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    if (typeof property === 'object') ui[name] = settingsUiSchema(property, root, labelOf(resolved(property, root), name));
  }
  if (s.type === 'array' && typeof s.items === 'object' && !Array.isArray(s.items)) {
    const listLabel = s.title ?? label ?? '';
    const noun = entryNoun(s, listLabel, root);
    const entry = settingsUiSchema(s.items, root);
    ui.items = (_item: unknown, index: number) => ({ ...entry, 'ui:title': `${noun} ${index + 1}` });
    ui['ui:options'] = { entryNoun: inSentence(noun) };
  }
  return ui;
}

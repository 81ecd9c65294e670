/**
 * A form's fields as the builder shows them (label, kind, required, options) and as the module
 * keeps them: the JSON Schema of a submission. Each kind maps to one schema shape and back; a
 * property of any other shape is kept as it is, untouched by the builder.
 */

export type Kind = 'text' | 'longText' | 'email' | 'phone' | 'number' | 'choice' | 'checkbox';

export const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'text', label: 'Text' },
  { kind: 'email', label: 'Email' },
  { kind: 'phone', label: 'Phone' },
  { kind: 'number', label: 'Number' },
  { kind: 'choice', label: 'Choice' },
  { kind: 'longText', label: 'Long text' },
  { kind: 'checkbox', label: 'Checkbox' },
];

type Schema = Record<string, unknown>;

export interface BuilderField {
  /** The key a submission holds the value under: `name`, `email`, `phone` and `company` identify the person. */
  key: string;
  label: string;
  kind: Kind | 'kept';
  required: boolean;
  /** A choice's options. */
  options: string[];
  help: string;
  /** The property as it was read: what the builder does not show (bounds, a kept shape) stays while the kind does. */
  original?: Schema;
}

/** Keys the contact is made from: the module reads the person from these. */
export const IDENTITY_KEYS = ['name', 'email', 'phone', 'company', 'first_name', 'last_name'];

const SHAPES: Record<Kind, Schema> = {
  text: { type: 'string', maxLength: 200 },
  longText: { type: 'string', maxLength: 5000, 'x-plinth-widget': 'textarea' },
  email: { type: 'string', format: 'email', maxLength: 254 },
  phone: { type: 'string', maxLength: 40, pattern: '^[0-9+()./ -]{5,40}$', 'x-plinth-widget': 'phone' },
  number: { type: 'number' },
  choice: { type: 'string' },
  checkbox: { type: 'boolean' },
};

/** What a new form starts with: enough to reach a person and hear what they want. */
export const STARTER: BuilderField[] = [
  { key: 'name', label: 'Name', kind: 'text', required: true, options: [], help: '' },
  { key: 'email', label: 'Email', kind: 'email', required: true, options: [], help: '' },
  { key: 'phone', label: 'Phone', kind: 'phone', required: false, options: [], help: '' },
  { key: 'message', label: 'How can we help?', kind: 'longText', required: false, options: [], help: '' },
];

/** The key a label suggests: lowercase words joined by underscores, as a submission's keys are. */
export function keyFor(label: string, kind: Kind, taken: string[]): string {
  const wanted = kind === 'email' ? 'email' : kind === 'phone' ? 'phone' : '';
  const base =
    wanted && !taken.includes(wanted)
      ? wanted
      : label
          .toLowerCase()
          .normalize('NFKD')
          .replace(/[^a-z0-9]+/g, '_')
          .replace(/^_+|_+$/g, '')
          .slice(0, 40) || 'field';
  let key = /^[a-z]/.test(base) ? base : `field_${base}`;
  for (let n = 2; taken.includes(key); n++) key = `${base}_${n}`;
  return key;
}

/** A choice's options as the schema keeps them: each once, without the blank lines of typing. */
const choices = (options: string[]): string[] => [...new Set(options.map((o) => o.trim()).filter(Boolean))];

export function toSchema(fields: BuilderField[]): Schema {
  const properties: Record<string, Schema> = {};
  for (const f of fields) {
    if (f.kind === 'kept') {
      properties[f.key] = f.original ?? {};
      continue;
    }
    const { title: _title, description: _description, enum: _enum, ...rest } = f.original ?? {};
    properties[f.key] = {
      ...(f.original && kindOf(f.original) === f.kind ? rest : SHAPES[f.kind]),
      title: f.label,
      ...(f.help.trim() && { description: f.help.trim() }),
      ...(f.kind === 'choice' && { enum: choices(f.options) }),
    };
  }
  return {
    type: 'object',
    properties,
    required: fields.filter((f) => f.required).map((f) => f.key),
    'x-plinth-order': fields.map((f) => f.key),
  };
}

/** The kind a property is of, or 'kept' for one the builder cannot show. */
function kindOf(p: Schema): Kind | 'kept' {
  if (p.type === 'boolean') return 'checkbox';
  if (p.type === 'number' || p.type === 'integer') return 'number';
  if (p.type !== 'string') return 'kept';
  if (Array.isArray(p.enum)) return p.enum.every((v) => typeof v === 'string') ? 'choice' : 'kept';
  if (p['x-plinth-widget'] === 'textarea') return 'longText';
  if (p['x-plinth-widget'] === 'phone') return 'phone';
  if (p.format === 'email') return 'email';
  return p.format === undefined && p.pattern === undefined && p['x-plinth-widget'] === undefined ? 'text' : 'kept';
}

/** A stored schema as the builder's fields, in the form's order; 'kept' for properties of other shapes. */
export function fromSchema(schema: unknown): BuilderField[] {
  const s = (schema ?? {}) as Schema;
  const properties = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, Schema>;
  const required = Array.isArray(s.required) ? s.required : [];
  const order = Array.isArray(s['x-plinth-order']) ? (s['x-plinth-order'] as unknown[]) : [];
  const keys = [
    ...new Set([...order.filter((k): k is string => typeof k === 'string' && k in properties), ...Object.keys(properties)]),
  ];
  return keys.map((key) => {
    const p = properties[key] && typeof properties[key] === 'object' ? properties[key] : {};
    const kind = kindOf(p);
    return {
      key,
      label: typeof p.title === 'string' ? p.title : key,
      kind,
      required: required.includes(key),
      options: kind === 'choice' ? (p.enum as string[]) : [],
      help: typeof p.description === 'string' ? p.description : '',
      original: p,
    };
  });
}

/** What the builder says before a save: each problem of a field, by its position; and the form's own. */
export function builderProblems(fields: BuilderField[]): { field: Record<number, string>; form: string | null } {
  const field: Record<number, string> = {};
  fields.forEach((f, i) => {
    if (!f.label.trim()) field[i] = 'Give this field a label.';
    else if (!/^[a-z][a-z0-9_]{0,62}$/.test(f.key)) field[i] = 'Its key must be lowercase letters, digits and underscores.';
    else if (fields.findIndex((o) => o.key === f.key) < i) field[i] = `Another field already uses the key "${f.key}".`;
    else if (f.kind === 'choice' && choices(f.options).length < 2) field[i] = 'A choice needs at least two options.';
  });
  const reach = fields.some((f) => f.key === 'email' || f.key === 'phone');
  return {
    field,
    form:
      fields.length === 0
        ? 'Add at least one field.'
        : reach
          ? null
          : 'Add an Email or a Phone field: without one no one can be reached.',
  };
}

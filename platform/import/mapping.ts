import { ValidationError } from '../errors/index.js';

/** A field a CSV column may be mapped to. A list field (emails, phones) takes any number of columns. */
export interface Field {
  name: string;
  /** Header names that map to it by default, besides its own name (compared without case, spaces or punctuation). */
  aliases: string[];
  list?: boolean;
  /** The import cannot make a record without it. */
  required?: boolean;
}

/** Which CSV column feeds which field, in the file's order. */
export interface MappingEntry {
  column: string;
  field: string;
}
export type Mapping = MappingEntry[];

const plain = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * `--map` as given: `Column=field` pairs separated by commas (the option may be repeated). A
 * column's name is everything before the pair's last `=`, so a header may hold `=` but not a comma.
 */
export function parseMapping(texts: string[]): Mapping {
  return texts
    .flatMap((text) => text.split(','))
    .filter((pair) => pair.trim() !== '')
    .map((pair) => {
      const at = pair.lastIndexOf('=');
      if (at <= 0 || at === pair.length - 1)
        throw new ValidationError('--map', `"${pair.trim()}" is not Column=field (for example "E-mail=emails")`);
      return { column: pair.slice(0, at).trim(), field: pair.slice(at + 1).trim() };
    });
}

/** The columns whose header names a field (its name or an alias, in any case or spacing), in the file's order. */
export function defaultMapping(headers: string[], fields: Field[]): Mapping {
  const byName = new Map<string, string>();
  for (const field of fields)
    for (const name of [field.name, ...field.aliases]) if (!byName.has(plain(name))) byName.set(plain(name), field.name);
  return headers.flatMap((column) => {
    const field = byName.get(plain(column));
    return field ? [{ column, field }] : [];
  });
}

/**
 * Refuses a mapping that names a column the file does not have, a field the target does not
 * have, one field fed by two columns (but for a list), or that leaves a required field unfed:
 * every row would be refused for it.
 */
export function checkMapping(mapping: Mapping, headers: string[], fields: Field[], target: string, file: string): Mapping {
  const known = new Map(fields.map((f) => [f.name, f]));
  const fed = new Map<string, string>();
  for (const { column, field } of mapping) {
    if (!headers.includes(column))
      throw new ValidationError(`--map: column "${column}"`, `is not a column of ${file} (its columns: ${headers.join(', ')})`);
    const target_ = known.get(field);
    if (!target_)
      throw new ValidationError(
        `--map: field "${field}"`,
        `is not a field of ${target} (its fields: ${fields.map((f) => f.name).join(', ')})`,
      );
    const other = fed.get(field);
    if (other !== undefined && !target_.list)
      throw new ValidationError(`--map: column "${column}"`, `maps to ${field}, which column "${other}" already feeds`);
    fed.set(field, column);
  }
  if (mapping.length === 0)
    throw new ValidationError('--map', `no column of ${file} maps to a field of ${target} (its columns: ${headers.join(', ')})`);
  for (const field of fields)
    if (field.required && !fed.has(field.name))
      throw new ValidationError(`--map: field "${field.name}"`, `is required by ${target}, and no column maps to it`);
  return mapping;
}

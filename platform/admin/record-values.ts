import { ValidationError as AdminValidationError } from 'adminjs';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http/json-depth.js';
import type { ModuleRows } from './module-rows.js';
import { attributeOf, type ResourceScope } from './resource-scope.js';

/** A record's values between the form and the table: what a form may write, and how a row is shown. */
export class RecordValues {
  constructor(
    private readonly scope: ResourceScope,
    private readonly rows: ModuleRows | undefined,
    /** The adapter's own parsing of form params (flattened paths, types). */
    private readonly parseParams: (params: Record<string, unknown>) => unknown,
    private readonly isHidden: (attribute: string) => boolean,
  ) {}

  /** Form values without the workspace or the key: those are the scope's, never the caller's. */
  values(params: Record<string, unknown>): Record<string, unknown> {
    const parsed = this.parseParams(params) as Record<string, unknown>;
    const own = Object.fromEntries(
      Object.entries(parsed).filter(([k]) => {
        const attribute = attributeOf(k);
        return k !== 'id' && attribute !== this.scope.workspaceKey && !this.isHidden(attribute);
      }),
    );
    const values = this.rows ? this.rows.values(own) : own;
    for (const column of this.scope.jsonText ?? []) {
      const text = values[column];
      if (typeof text === 'string') values[column] = jsonText(column, text);
    }
    return values;
  }

  /** A row as the admin shows it: JSON-text columns as indented text, hidden columns left out. */
  asText(row: Record<string, unknown>): Record<string, unknown> {
    for (const column of this.scope.hidden ?? []) delete row[column];
    for (const column of this.scope.jsonText ?? []) {
      if (row[column] !== null && row[column] !== undefined) row[column] = JSON.stringify(row[column], null, 2);
    }
    return row;
  }
}

/** A JSON-text column's value from its form field; a form error naming the column when it is not JSON or nests too deep. */
function jsonText(column: string, text: string): unknown {
  const refused = (problem: string) =>
    new AdminValidationError({ [column]: { message: problem } }, { message: `${column} ${problem}` });
  if (nestedDeeperThan(text)) throw refused(`nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return text.trim() === '' ? null : JSON.parse(text);
  } catch (err) {
    throw refused(`is not valid JSON: ${(err as Error).message}`);
  }
}

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** Annotations a vendor may put in its schemas; any other `x-plinth-*` is a typo, refused. */
export const PLINTH_KEYWORDS = [
  'x-plinth-references',
  'x-plinth-label',
  'x-plinth-widget',
  'x-plinth-hidden',
  'x-plinth-json-schema',
  // A form's fields in the order people see them: jsonb keeps an object's keys in an order of its own.
  'x-plinth-order',
];

/**
 * The schemas one module supplies (payloads, settings, tables, gateway and route bodies),
 * compiled with an Ajv instance of the module's own: two vendors may reuse an `$id`, and one
 * module's schemas must never resolve another's. Remote `$ref`s are never fetched.
 */
export class VendorSchemas {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<object, ValidateFunction>();

  /** `keepIds: false` for schemas kept as data: two versions of one record may carry the same `$id`. */
  constructor(options: { keepIds?: boolean } = {}) {
    this.ajv = new Ajv2020({
      allErrors: true,
      strict: true,
      strictTypes: false,
      strictRequired: false,
      addUsedSchema: options.keepIds ?? true,
    });
    addFormats.default(this.ajv);
    for (const keyword of PLINTH_KEYWORDS) this.ajv.addKeyword({ keyword });
  }

  /** Compiles a schema, or says why it is not one. */
  compile(schema: object): { validate: ValidateFunction } | { error: string } {
    const known = this.compiled.get(schema);
    if (known) return { validate: known };
    try {
      const validate = this.ajv.compile(schema);
      this.compiled.set(schema, validate);
      return { validate };
    } catch (err) {
      return { error: `is not a usable JSON Schema: ${(err as Error).message}` };
    }
  }
}

/**
 * Schemas a module keeps as data (a form's fields), compiled once per text: each read of the
 * record is a new object, which must not be compiled, or kept, again. Bounded: past 500 texts
 * it starts afresh.
 */
export class DataSchemas {
  private vendor = new VendorSchemas({ keepIds: false });
  private readonly byText = new Map<string, object>();

  /** Compiles a schema kept as data, or says why it is not one. */
  compile(schema: object): { validate: ValidateFunction } | { error: string } {
    const text = JSON.stringify(schema);
    let known = this.byText.get(text);
    if (!known) {
      if (this.byText.size >= 500) {
        this.vendor = new VendorSchemas({ keepIds: false });
        this.byText.clear();
      }
      this.byText.set(text, (known = schema));
    }
    return this.vendor.compile(known);
  }

  /** The value's problems under the schema, each with its JSON path; none when it holds. Throws when the schema is not one. */
  check(schema: object, value: unknown, prefix = ''): { path: string; message: string }[] {
    const compiled = this.compile(schema);
    // The module's own data is at fault, not the value: its caller must not be told the value is wrong.
    if ('error' in compiled) throw new Error(`the schema ${compiled.error}`);
    return compiled.validate(value) ? [] : describeErrors(compiled.validate.errors, prefix);
  }
}

/** Ajv's errors as path + message pairs, the path prefixed with where the validated value sits. */
export function describeErrors(errors: ErrorObject[] | null | undefined, prefix = ''): { path: string; message: string }[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ("${(e.params as { additionalProperty: string }).additionalProperty}")`
        : e.keyword === 'enum'
          ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
          : '';
    return { path: `${prefix}${e.instancePath}`, message: `${e.message ?? 'is invalid'}${extra}` };
  });
}

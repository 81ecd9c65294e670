import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import {
  ErrorSchemaBuilder,
  type RJSFSchema,
  type RJSFValidationError,
  type ValidationData,
  type ValidatorType,
} from '@rjsf/utils';
import { decodePointer, problemWords, worthShowing } from './settings-problem-words';

/** A problem with the settings: where (property names and indexes from the root) and what. */
interface Problem {
  path: string[];
  message: string;
}

/** The settings as the server will get them: JSON drops what is undefined, and an undefined entry of a list is null. */
export const asSent = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

const valueAt = (value: unknown, path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string, unknown> | null | undefined)?.[key], value);

/** The validators of the schemas met so far: a form asks about the same few schemas on every change. */
const compiled = new WeakMap<object, Validator>();

/**
 * rjsf's validator over @cfworker/json-schema, which interprets schemas where ajv compiles them
 * to code: the admin's CSP (`script-src 'self' 'nonce-…'`) refuses ajv's `new Function`, and a
 * module's settings schema arrives at run time, so it cannot be compiled at build time either.
 * The server validates again with ajv and has the last word. The settings form passes neither
 * `customValidate` nor `transformErrors`, so they are not supported.
 */
export class SettingsValidator implements ValidatorType {
  private validatorOf(schema: RJSFSchema, rootSchema: RJSFSchema = schema): Validator {
    let validator = compiled.get(schema);
    if (!validator) {
      // A sub-schema's local $refs point into the root's definitions; the validator marks up the schema it gets, so it gets a copy.
      const whole = { ...schema, $defs: rootSchema.$defs, definitions: rootSchema.definitions };
      validator = new Validator(structuredClone(whole) as Schema, '2020-12', false);
      compiled.set(schema, validator);
    }
    return validator;
  }

  /** Every problem with `formData` as the server would see it, in words, placed at the field it is about. */
  private problems(schema: RJSFSchema, formData: unknown): Problem[] {
    const sent = asSent(formData);
    const { errors } = this.validatorOf(schema).validate(sent);
    return worthShowing(errors, schema).map((unit) => {
      const path = decodePointer(unit.instanceLocation);
      const { property, message } = problemWords(unit, schema, valueAt(sent, path));
      return { path: property === undefined ? path : [...path, property], message };
    });
  }

  validateFormData(formData: unknown, schema: RJSFSchema): ValidationData<unknown> {
    const problems = this.problems(schema, formData);
    const builder = new ErrorSchemaBuilder();
    // Paths as lists: a property name may hold a dot, which rjsf's dotted paths would split.
    for (const p of problems) builder.addErrors(p.message, p.path);
    const errors: RJSFValidationError[] = problems.map((p) => ({
      property: p.path.map((s) => `.${s}`).join(''),
      params: { path: p.path },
      message: p.message,
      stack: `${p.path.join('/')}: ${p.message}`,
    }));
    return { errors, errorSchema: builder.ErrorSchema };
  }

  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    return this.validatorOf(schema, rootSchema).validate(asSent(formData)).valid;
  }

  rawValidation<Result = OutputUnit>(schema: RJSFSchema, formData?: unknown): { errors?: Result[] } {
    const { valid, errors } = this.validatorOf(schema).validate(asSent(formData));
    return { errors: valid ? undefined : (errors as Result[]) };
  }
}

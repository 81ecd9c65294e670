import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvErrors from 'ajv-errors';
import addFormats from 'ajv-formats';

/** The contracts Plinth publishes as JSON Schema in `manifests/`. */
export const CONTRACTS = ['plugin-manifest', 'layout', 'theme', 'event-envelope'] as const;
export type ContractName = (typeof CONTRACTS)[number];

/** This file runs from `dist/platform/manifests/`; the schemas stay in the repository's `manifests/`. */
export const MANIFESTS_DIR = fileURLToPath(new URL('../../../manifests/', import.meta.url));

export function contractSchema(name: ContractName): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(`${MANIFESTS_DIR}${name}.schema.json`, 'utf8')) as Record<string, unknown>;
}

let validators: Map<ContractName, ValidateFunction> | undefined;

/** Plinth's own schemas, compiled once in strict mode: a sloppy contract is our bug, caught at start. */
export function contractValidator(name: ContractName): ValidateFunction {
  if (!validators) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    // `errorMessage` in a schema says in words what a pattern means, where the pattern itself would be the message.
    ajvErrors.default(ajv);
    validators = new Map(CONTRACTS.map((c) => [c, ajv.compile(contractSchema(c))]));
  }
  return validators.get(name)!;
}

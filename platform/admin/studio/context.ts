import type { Request, Response } from 'express';
import type { Database } from '../../db/index.js';
import { ValidationError } from '../../errors/index.js';
import { contractValidator, describeErrors, type ContractName } from '../../manifests/index.js';
import type { Entities } from '../../entities/index.js';
import type { Marketplace } from '../../registry/index.js';
import type { Webhooks } from '../../webhooks/index.js';
import { canEdit, type AdminUser, type Built } from '../screens.js';
import { RoleError } from './errors.js';

export interface StudioDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
  webhooks: Webhooks;
}

/** What a studio request runs with: who asks (role read this request) and their workspace's current screens. */
export interface StudioRequest {
  user: AdminUser;
  screens: Built;
}

export function studioRequest(req: Request, res: Response): StudioRequest {
  return { user: req.session.adminUser!, screens: res.locals.screens as Built };
}

export function requireEditor(user: AdminUser, what: string): void {
  if (!canEdit(user.role)) throw new RoleError(user.workspaceSlug, what);
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A request body as one of Plinth's contracts (layout, theme): completed by `complete` (what
 * the URL or the workspace decides), then checked against the contract's schema; a refusal
 * names every JSON path at fault.
 */
export function asContract<T>(contract: ContractName, body: unknown, complete: (body: Record<string, unknown>) => T): T {
  if (!isObject(body)) throw new ValidationError('/', 'must be a JSON object');
  const value = complete(body);
  const validate = contractValidator(contract);
  if (!validate(value)) {
    const problems = describeErrors(validate.errors);
    throw new ValidationError(problems[0]?.path || '/', problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; '));
  }
  return value;
}

import type { Request, Response } from 'express';
import type { Database } from '../../db/index.js';
import type { Entities } from '../../entities/index.js';
import type { Marketplace } from '../../registry/index.js';
import { canEdit, type AdminUser, type Built } from '../screens.js';
import { RoleError } from './errors.js';

export interface StudioDeps {
  db: Database;
  entities: Entities;
  marketplace: Marketplace;
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

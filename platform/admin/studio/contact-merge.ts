import { ValidationError } from '../../errors/index.js';
import { isObject, requireEditor, type StudioDeps, type StudioRequest } from './context.js';
import type { MergeChoices, MergeSearchReply } from './shapes.js';

/** The contact page's merge action, for owners and admins: what it may merge with (decision 0027). */
export async function mergeChoices(
  { entities, marketplace }: StudioDeps,
  { user }: StudioRequest,
  contactId: string,
): Promise<MergeChoices> {
  requireEditor(user, 'contacts (merge)');
  const contact = await entities.contacts.get(user.workspaceId, contactId);
  return { contact, candidates: await marketplace.contactMerge.candidates(user.workspaceId, contact.id) };
}

/** Other contacts of the workspace by part of a name, organisation or email: a pair nothing flagged. */
export async function mergeSearch(
  { marketplace }: StudioDeps,
  { user }: StudioRequest,
  contactId: string,
  query: { q?: unknown },
): Promise<MergeSearchReply> {
  requireEditor(user, 'contacts (merge)');
  if (typeof query.q !== 'string') throw new ValidationError('q', 'type part of a name or an email');
  return { contacts: await marketplace.contactMerge.search(user.workspaceId, contactId, query.q) };
}

/** Merges the contact of the page and `otherId` into `survivorId`, which must be one of the two. */
export async function mergeContacts({ marketplace }: StudioDeps, { user }: StudioRequest, contactId: string, body: unknown) {
  requireEditor(user, 'contacts (merge)');
  if (!isObject(body)) throw new ValidationError('/', 'must be a JSON object with otherId and survivorId');
  const { otherId, survivorId } = body;
  if (typeof otherId !== 'string') throw new ValidationError('otherId', 'pick the contact to merge with');
  if (survivorId !== contactId && survivorId !== otherId)
    throw new ValidationError('survivorId', 'must be one of the two contacts merged: pick which one to keep');
  const other = survivorId === contactId ? otherId : contactId;
  return marketplace.contactMerge.merge(user.workspaceId, survivorId, other, { type: 'user', id: user.id });
}

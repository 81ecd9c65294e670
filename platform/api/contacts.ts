import type { Database } from '../db/index.js';
import type { Contact } from '../entities/index.js';
import { CONTACT_LIST } from './contact-schemas.js';
import { listStatement, pageOf, parseList, type Page } from './list-query.js';

/**
 * A page of the workspace's contacts, as the query asks: filtered on their fields, sorted on an
 * indexed one (newest first by default), the fields asked for. Keyset pagination: a contact
 * created meanwhile is newer than every page already read, so it moves no row from one page to
 * another (an offset would); ties are broken by id. Runs in the caller's unit.
 */
export async function contactPage(
  db: Database,
  workspaceId: string,
  query: Record<string, unknown>,
): Promise<Page<Partial<Contact>>> {
  const request = parseList(CONTACT_LIST, query);
  const { sql, values } = listStatement(CONTACT_LIST, request, 'contacts', 'workspace_id', workspaceId);
  return pageOf(await db.rows<Contact & { position: string | null }>(sql, values), request);
}

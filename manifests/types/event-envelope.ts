/* Generated from manifests/event-envelope.schema.json by `npm run gen:types`. Do not edit: change the schema. */

/**
 * An event as stored in the shared log and handed to subscribers.
 */
export interface EventEnvelope {
  id: string;
  /**
   * <module prefix>.<noun>_<past verb>
   */
  name: string;
  schemaVersion: number;
  /**
   * The producing module's id, or plinth for the shell.
   */
  producer: string;
  /**
   * Null for platform-wide events.
   */
  workspaceId: string | null;
  contactId?: string | null;
  actor: {
    type: 'user' | 'module' | 'system';
    id?: string | null;
  };
  payload: {};
  idempotencyKey?: string | null;
  occurredAt: string;
}

import { NotFoundError, ValidationError, type ActionContext, type ActionRequest } from 'adminjs';
import type { ScopedResource } from './scoped-resource.js';

/**
 * AdminJS's bulk delete, all or nothing: the records go in one unit, one after another, so a row
 * a module refuses to let go (its onChange) keeps every other row of the selection too. Stock
 * AdminJS deletes them concurrently, each on its own, and reports a refusal as a server error.
 */
export async function bulkDelete(request: ActionRequest, _response: unknown, context: ActionContext) {
  const { records, resource, h, currentAdmin } = context;
  if (!records?.length) throw new NotFoundError('no records were selected.', 'Action#handler');
  const shown = records.map((record) => record.toJSON(currentAdmin));
  if (request.method === 'get') return { records: shown };
  try {
    await (resource as unknown as ScopedResource).deleteAll(records.map((record) => String(record.id())));
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { records: shown, notice: { message: err.baseError?.message ?? 'the records were refused', type: 'error' } };
  }
  return {
    records: shown,
    notice: {
      message: records.length > 1 ? 'successfullyBulkDeleted_plural' : 'successfullyBulkDeleted',
      options: { count: records.length },
      resourceId: resource.id(),
      type: 'success',
    },
    redirectUrl: h.resourceUrl({ resourceId: resource._decorated?.id() || resource.id() }),
  };
}

/** The event for an entry written in the admin: a deleted entry has no title or state left to tell. */
export function entryUpdated({ action, id, row }) {
  return { entryId: id, action, title: row?.title ?? '', published: row?.published === true };
}

/** Runs in the admin's transaction for every entry written there: Chat and others learn that answers changed. */
export default async function entryChanged(change, ctx) {
  await ctx.events.emit('knowledge.entry_updated', entryUpdated(change));
}

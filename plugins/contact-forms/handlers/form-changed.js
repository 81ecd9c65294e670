import { reachProblem } from './submission.js';

/**
 * Runs in the admin's transaction for every form written there. The shell has already held the
 * fields to a JSON Schema of an object; a form must also ask for a way to reach the person, or
 * every submission to it is refused. The error's `path` puts the message beside the fields.
 */
export default async function formChanged({ action, row }) {
  if (action === 'deleted') return;
  const problem = reachProblem(row.fields);
  if (problem) throw Object.assign(new Error(problem), { path: 'fields' });
}

import { ValidationError as AdminValidationError } from 'adminjs';

/** A database refusal as a form error naming the field, where PostgreSQL names one. */
export function refusal(err: unknown): unknown {
  const e = err as {
    name?: string;
    errors?: { path?: string; message: string }[];
    parent?: { column?: string; message?: string };
  };
  if (e.name === 'SequelizeValidationError' || e.name === 'SequelizeUniqueConstraintError') {
    const fields = Object.fromEntries((e.errors ?? []).map((x) => [x.path ?? 'record', { message: x.message }]));
    return new AdminValidationError(fields, { message: 'the record was refused' });
  }
  if (e.name === 'SequelizeDatabaseError' && e.parent?.message) {
    return new AdminValidationError(
      { [e.parent.column ?? 'record']: { message: e.parent.message } },
      { message: e.parent.message },
    );
  }
  return err;
}

/** Reads PostgreSQL's SQLSTATE and constraint name out of a Sequelize error. */
export function pgError(err: unknown): { code?: string; constraint?: string } {
  const parent = (err as { parent?: { code?: string; constraint?: string } })?.parent;
  return { code: parent?.code, constraint: parent?.constraint };
}

export const isUniqueViolation = (err: unknown, constraint: string): boolean => {
  const { code, constraint: name } = pgError(err);
  return code === '23505' && name === constraint;
};

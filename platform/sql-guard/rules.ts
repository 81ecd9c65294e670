import { ALLOWED_FUNCTIONS, refusalHint } from './functions.js';
import type { Fields } from './parser.js';
import { location, type Walker } from './walker.js';

/** A check of one node type, run before its children are walked. */
type Rule = (fields: Fields, walker: Walker) => void;

/** The highest `$n` a statement may use: the wire protocol's limit on bind values. */
const MAX_PARAM = 65535;
const PARAM = /\$\d+/y;

const ALTER_TABLE_ACTIONS = new Set([
  'AT_AddColumn',
  'AT_ColumnDefault',
  'AT_DropNotNull',
  'AT_SetNotNull',
  'AT_DropColumn',
  'AT_AlterColumnType',
  'AT_AddConstraint',
  'AT_DropConstraint',
  'AT_ValidateConstraint',
]);
const RENAMEABLE = new Set(['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_INDEX']);
const DROPPABLE = new Set(['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_TYPE']);
const COMMENTABLE = new Set(['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_INDEX', 'OBJECT_TYPE']);

/** The parts of a name list ([{String: {sval}}, …]), as the parser folded case and undid quotes and escapes. */
function nameParts(list: unknown): string[] {
  return ((list ?? []) as { String?: { sval?: string } }[]).map((part) => part.String?.sval ?? '');
}

/** The name of an object a DDL statement names: a list of parts, or a type name. */
function objectName(object: unknown): string[] {
  const { List, TypeName } = object as { List?: { items: unknown }; TypeName?: { names: unknown } };
  return nameParts(List?.items ?? TypeName?.names);
}

/** OBJECT_TABCONSTRAINT → "TABCONSTRAINT", AT_DisableRowSecurity → "DISABLE ROW SECURITY": for messages. */
const words = (value: unknown): string =>
  String(value)
    .replace(/^(OBJECT|AT)_/, '')
    .replace(/(?<=[a-z])(?=[A-Z])|_/g, ' ')
    .toUpperCase();

/**
 * A qualified name must be in the module's schema or, where `catalog` allows, in pg_catalog;
 * three parts name another database. An unqualified name is PostgreSQL's to resolve, and the
 * module role's grants decide whether it may use what it resolves to.
 */
function qualified(walker: Walker, kind: string, parts: string[], at: number | undefined, catalog: boolean): void {
  if (parts.length <= 1) return;
  const schema = parts.length === 2 ? parts[0] : undefined;
  if (schema === walker.schema || (catalog && schema === 'pg_catalog')) return;
  walker.refuse(`${kind} "${parts.join('.')}" is outside the module's schema`, at);
}

const operator = (name: unknown, walker: Walker, at?: number): void => qualified(walker, 'operator', nameParts(name), at, true);

function noCascade(fields: Fields, walker: Walker): void {
  if (fields.behavior === 'DROP_CASCADE')
    walker.refuse('CASCADE is not allowed in module SQL: it drops whatever depends on the object, whoever owns it');
}

export const RULES: Readonly<Record<string, Rule>> = {
  FuncCall(call, walker) {
    const parts = nameParts(call.funcname);
    const name = parts.at(-1) ?? '';
    const inCatalog = parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog');
    if (!inCatalog || !ALLOWED_FUNCTIONS.has(name))
      walker.refuse(`function "${parts.join('.')}" is not allowed in module SQL${refusalHint(name)}`, location(call));
  },

  // Operators, type names and collations resolve like functions; only their schema needs checking,
  // since no module SQL can create one.
  A_Expr: (expr, walker) => operator(expr.name, walker),
  SortBy: (sort, walker) => operator(sort.useOp, walker),
  SubLink: (link, walker) => operator(link.operName, walker),
  TypeName: (type, walker) => qualified(walker, 'type', nameParts(type.names), location(type), true),
  CollateClause: (clause, walker) => qualified(walker, 'collation', nameParts(clause.collname), location(clause), true),
  IndexElem(element, walker) {
    qualified(walker, 'operator class', nameParts(element.opclass), undefined, true);
    qualified(walker, 'collation', nameParts(element.collation), undefined, true);
  },

  RangeVar(relation, walker) {
    const name = [relation.catalogname, relation.schemaname, relation.relname].filter(Boolean).join('.');
    const at = location(relation);
    if (relation.catalogname || (relation.schemaname && relation.schemaname !== walker.schema))
      walker.refuse(`relation "${name}" is outside the module's schema`, at);
    if (String(relation.relname).startsWith('pg_'))
      walker.refuse(`relation "${name}" is not allowed in module SQL: names beginning with pg_ are PostgreSQL's catalogs`, at);
    if (relation.relpersistence === 't')
      walker.refuse(
        `temporary table "${name}" is not allowed in module SQL: temporary tables come first on the search path, before the module's and the shell's`,
        at,
      );
    if (relation.relpersistence === 'u')
      walker.refuse(
        `unlogged table "${name}" is not allowed in module SQL: a module's rows must survive a crash and reach replicas`,
        at,
      );
  },

  ParamRef(param, walker) {
    const at = location(param)!;
    const start = walker.source.index(at);
    PARAM.lastIndex = start;
    const written = PARAM.exec(walker.source.text)![0];
    const number = Number(written.slice(1));
    // The parser keeps the number in 32 bits ($4294967297 would read as $1): the text decides.
    if (number !== (param.number ?? 0) || number < 1 || number > MAX_PARAM)
      walker.refuse(`parameter ${written} is out of range ($1 to $${MAX_PARAM})`, at);
    walker.params.push({ start, end: start + written.length, number, subscripted: walker.subscripted.has(at) });
  },
  A_Indirection(indirection, walker) {
    const param = (indirection.arg as { ParamRef?: Fields }).ParamRef;
    if (param) walker.subscripted.add(location(param)!);
  },

  // Migrations only.
  Constraint(constraint, walker) {
    // EXCLUDE (column WITH operator, …): each pair is a list of an index element and an operator name.
    for (const pair of (constraint.exclusions ?? []) as { List: { items: { List?: { items: unknown } }[] } }[])
      operator(pair.List.items[1]?.List?.items, walker, location(constraint));
  },
  DefElem(option, walker) {
    // An identity column's SEQUENCE NAME is the one option that names an object.
    if (option.defname === 'sequence_name') qualified(walker, 'sequence', objectName(option.arg), location(option), false);
  },
  IndexStmt(index, walker) {
    if (index.concurrent)
      walker.refuse('CREATE INDEX CONCURRENTLY is not allowed in module SQL: a migration runs in one transaction');
  },
  AlterTableStmt(alter, walker) {
    if (alter.objtype !== 'OBJECT_TABLE') walker.refuse(`ALTER ${words(alter.objtype)} is not allowed in module SQL`);
  },
  AlterTableCmd(command, walker) {
    if (!ALTER_TABLE_ACTIONS.has(String(command.subtype)))
      walker.refuse(`ALTER TABLE … ${words(command.subtype)} is not allowed in module SQL`, location(command));
    noCascade(command, walker);
  },
  RenameStmt(rename, walker) {
    if (!RENAMEABLE.has(String(rename.renameType)))
      walker.refuse(`renaming a ${words(rename.renameType)} is not allowed in module SQL`);
  },
  DropStmt(drop, walker) {
    if (!DROPPABLE.has(String(drop.removeType))) walker.refuse(`DROP ${words(drop.removeType)} is not allowed in module SQL`);
    if (drop.concurrent)
      walker.refuse('DROP INDEX CONCURRENTLY is not allowed in module SQL: a migration runs in one transaction');
    noCascade(drop, walker);
    for (const object of drop.objects as unknown[])
      qualified(walker, words(drop.removeType).toLowerCase(), objectName(object), undefined, false);
  },
  CommentStmt(comment, walker) {
    if (!COMMENTABLE.has(String(comment.objtype)))
      walker.refuse(`COMMENT ON ${words(comment.objtype)} is not allowed in module SQL`);
    const parts = objectName(comment.object);
    // A column or a constraint is named after its table: [schema.]table.column.
    const onTable = comment.objtype === 'OBJECT_COLUMN' || comment.objtype === 'OBJECT_TABCONSTRAINT';
    qualified(
      walker,
      onTable ? 'relation' : words(comment.objtype).toLowerCase(),
      onTable ? parts.slice(0, -1) : parts,
      undefined,
      false,
    );
  },
  CreateEnumStmt: (create, walker) => qualified(walker, 'type', nameParts(create.typeName), undefined, false),
  AlterEnumStmt: (alter, walker) => qualified(walker, 'type', nameParts(alter.typeName), undefined, false),
};

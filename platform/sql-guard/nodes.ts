/**
 * The node types module SQL may contain, each with the fields that hold one struct of a known
 * type: libpg_query writes a field declared as `Node *` with its type's name around it
 * ({"FuncCall": {…}}), but a field declared as, say, `RangeVar *` without it. A node type not
 * listed is refused, so a construct nobody thought about is refused rather than let through.
 */
export type NodeTable = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** SELECT, INSERT, UPDATE and DELETE, with everything an expression may hold. */
export const QUERY_NODES: NodeTable = {
  SelectStmt: { intoClause: 'IntoClause', withClause: 'WithClause', larg: 'SelectStmt', rarg: 'SelectStmt' },
  InsertStmt: { relation: 'RangeVar', onConflictClause: 'OnConflictClause', withClause: 'WithClause' },
  UpdateStmt: { relation: 'RangeVar', withClause: 'WithClause' },
  DeleteStmt: { relation: 'RangeVar', withClause: 'WithClause' },
  WithClause: {},
  CommonTableExpr: { search_clause: 'CTESearchClause', cycle_clause: 'CTECycleClause' },
  CTESearchClause: {},
  CTECycleClause: {},
  OnConflictClause: { infer: 'InferClause' },
  InferClause: {},
  IndexElem: {},
  ResTarget: {},
  MultiAssignRef: {},
  SetToDefault: {},
  LockingClause: {},
  SortBy: {},
  WindowDef: {},
  GroupingSet: {},
  RangeVar: { alias: 'Alias' },
  RangeSubselect: { alias: 'Alias' },
  RangeFunction: { alias: 'Alias' },
  JoinExpr: { alias: 'Alias', join_using_alias: 'Alias' },
  Alias: {},
  // The column list of a function returning records: FROM jsonb_to_record(…) AS r(a int).
  ColumnDef: { typeName: 'TypeName', collClause: 'CollateClause' },
  A_Expr: {},
  A_Const: { ival: 'Integer', fval: 'Float', boolval: 'Boolean', sval: 'String', bsval: 'BitString' },
  A_Star: {},
  A_Indices: {},
  A_Indirection: {},
  A_ArrayExpr: {},
  BoolExpr: {},
  BooleanTest: {},
  NullTest: {},
  CaseExpr: {},
  CaseWhen: {},
  CoalesceExpr: {},
  MinMaxExpr: {},
  SQLValueFunction: {},
  ColumnRef: {},
  ParamRef: {},
  FuncCall: { over: 'WindowDef' },
  TypeCast: { typeName: 'TypeName' },
  TypeName: {},
  CollateClause: {},
  SubLink: {},
  RowExpr: {},
  GroupingFunc: {},
  String: {},
  Integer: {},
  Float: {},
  Boolean: {},
  BitString: {},
  List: {},
};

/** Migrations add the DDL of tables, indexes and enum types (which statements may stand alone is migration.ts's rule). */
export const MIGRATION_NODES: NodeTable = {
  ...QUERY_NODES,
  CreateStmt: { relation: 'RangeVar', partbound: 'PartitionBoundSpec', partspec: 'PartitionSpec', ofTypename: 'TypeName' },
  Constraint: { pktable: 'RangeVar' },
  TableLikeClause: { relation: 'RangeVar' },
  PartitionSpec: {},
  PartitionElem: {},
  PartitionBoundSpec: {},
  PartitionRangeDatum: {},
  DefElem: {},
  IndexStmt: { relation: 'RangeVar' },
  AlterTableStmt: { relation: 'RangeVar' },
  AlterTableCmd: {},
  RenameStmt: { relation: 'RangeVar' },
  DropStmt: {},
  CreateEnumStmt: {},
  AlterEnumStmt: {},
  CommentStmt: {},
};

/**
 * What a refused construct is called in SQL. XML and the SQL/JSON syntax are refused whole: the
 * server runs PostgreSQL 15, which lacks most of SQL/JSON, and the json and jsonb functions do
 * the same work; XML has no use in a module that libxml's parsing would be worth. TABLESAMPLE is
 * refused too: its method is a function found by name, and ORDER BY random() LIMIT n samples.
 */
export function constructName(type: string): string {
  const names: Record<string, string> = {
    IntoClause: 'SELECT … INTO',
    RangeTableSample: 'TABLESAMPLE',
    CurrentOfExpr: 'WHERE CURRENT OF',
    MergeStmt: 'MERGE',
    RangeTableFunc: 'XMLTABLE',
    XmlExpr: 'XML syntax',
    XmlSerialize: 'XMLSERIALIZE',
  };
  return names[type] ?? (type.startsWith('Json') ? `SQL/JSON syntax (${type})` : type);
}

/**
 * The functions module SQL may call: pg_catalog functions that compute a value from their
 * arguments and the clock, and nothing else. Left out on purpose, so refused:
 *
 * - functions that run SQL text: query_to_xml and the other *_to_xml, ts_stat, ts_rewrite
 *   (its two-argument form runs a query), and anything of dblink;
 * - functions that change or read the session and server: set_config, current_setting (a module
 *   has ctx.workspace; the platform's settings and the server's configuration are not its
 *   business), setseed, pg_reload_conf, pg_terminate_backend, pg_cancel_backend;
 * - advisory locks, whose key space is shared with the platform and every other module;
 * - sequences (nextval, setval, currval, lastval): which sequence a name means cannot be known
 *   from the text, and a column default draws from a table's own sequence anyway;
 * - waiting (pg_sleep*), notifications (pg_notify), files (pg_read_file, pg_ls_dir, lo_*),
 *   logical decoding (pg_logical_*), transaction ids (txid_*, pg_current_xact_id);
 * - catalog lookups (to_regclass, has_*_privilege, pg_get_*def, pg_relation_size…): a module
 *   reads its own tables, not the database's inventory;
 * - every function of another schema: unqualified names resolve to pg_catalog, searched first
 *   unless the search path says otherwise, and no module SQL can create a function to shadow one.
 *
 * `t.f` may also call f(t) (attribute notation), unchecked here: PostgreSQL allows it only for a
 * function of one record, composite or polymorphic argument, and in pg_catalog those only compute
 * (row_to_json, to_json, num_nulls, pg_typeof…).
 *
 * Only functions PostgreSQL 15 already has: the server runs 15, the embedded database 17.
 * COALESCE, NULLIF, GREATEST, LEAST, CURRENT_DATE, CURRENT_USER and the like are syntax, not
 * function calls; TRIM, SUBSTRING … FROM, EXTRACT, POSITION, OVERLAY, AT TIME ZONE, LIKE …
 * ESCAPE, SIMILAR TO and OVERLAPS become calls of the pg_catalog functions listed here.
 */
// prettier-ignore
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  // text
  'ascii', 'bit_length', 'btrim', 'char_length', 'character_length', 'chr', 'concat', 'concat_ws',
  'convert_from', 'convert_to', 'decode', 'encode', 'format', 'initcap', 'left', 'length',
  'like_escape', 'lower', 'lpad', 'ltrim', 'md5', 'normalize', 'octet_length', 'overlay',
  'position', 'quote_ident', 'quote_literal', 'quote_nullable', 'regexp_count', 'regexp_instr',
  'regexp_like', 'regexp_match', 'regexp_matches', 'regexp_replace', 'regexp_split_to_array',
  'regexp_split_to_table', 'regexp_substr', 'repeat', 'replace', 'reverse', 'right', 'rpad',
  'rtrim', 'similar_to_escape', 'split_part', 'starts_with', 'string_to_array', 'string_to_table',
  'strpos', 'substr', 'substring', 'to_hex', 'translate', 'unistr', 'upper', 'is_normalized',
  // hashing
  'sha224', 'sha256', 'sha384', 'sha512', 'hashtext', 'hashtextextended',
  // numbers
  'abs', 'acos', 'asin', 'atan', 'atan2', 'cbrt', 'ceil', 'ceiling', 'cos', 'cot', 'degrees', 'div',
  'exp', 'factorial', 'floor', 'gcd', 'lcm', 'ln', 'log', 'log10', 'min_scale', 'mod', 'pi', 'power',
  'radians', 'random', 'round', 'scale', 'sign', 'sin', 'sqrt', 'tan', 'trim_scale', 'trunc',
  'width_bucket', 'num_nulls', 'num_nonnulls',
  // formatting
  'to_char', 'to_date', 'to_number', 'to_timestamp',
  // date and time
  'age', 'clock_timestamp', 'date_bin', 'date_part', 'date_trunc', 'extract', 'isfinite',
  'justify_days', 'justify_hours', 'justify_interval', 'make_date', 'make_interval', 'make_time',
  'make_timestamp', 'make_timestamptz', 'now', 'overlaps', 'statement_timestamp', 'timeofday',
  'timezone', 'transaction_timestamp',
  // uuid
  'gen_random_uuid',
  // json and jsonb
  'array_to_json', 'json_agg', 'json_array_elements', 'json_array_elements_text', 'json_array_length',
  'json_build_array', 'json_build_object', 'json_each', 'json_each_text', 'json_extract_path',
  'json_extract_path_text', 'json_object', 'json_object_agg', 'json_object_keys',
  'json_populate_record', 'json_populate_recordset', 'json_strip_nulls', 'json_to_record',
  'json_to_recordset', 'json_typeof', 'jsonb_agg', 'jsonb_array_elements',
  'jsonb_array_elements_text', 'jsonb_array_length', 'jsonb_build_array', 'jsonb_build_object',
  'jsonb_each', 'jsonb_each_text', 'jsonb_extract_path', 'jsonb_extract_path_text', 'jsonb_insert',
  'jsonb_object', 'jsonb_object_agg', 'jsonb_object_keys', 'jsonb_path_exists', 'jsonb_path_match',
  'jsonb_path_query', 'jsonb_path_query_array', 'jsonb_path_query_first', 'jsonb_populate_record',
  'jsonb_populate_recordset', 'jsonb_pretty', 'jsonb_set', 'jsonb_set_lax', 'jsonb_strip_nulls',
  'jsonb_to_record', 'jsonb_to_recordset', 'jsonb_typeof', 'row_to_json', 'to_json', 'to_jsonb',
  // arrays and ranges
  'array_append', 'array_cat', 'array_dims', 'array_fill', 'array_length', 'array_lower',
  'array_ndims', 'array_position', 'array_positions', 'array_prepend', 'array_remove',
  'array_replace', 'array_to_string', 'array_upper', 'cardinality', 'generate_series',
  'generate_subscripts', 'trim_array', 'unnest', 'daterange', 'int4range', 'int8range', 'isempty',
  'lower_inc', 'lower_inf', 'numrange', 'range_merge', 'tsrange', 'tstzrange', 'upper_inc',
  'upper_inf',
  // aggregates
  'array_agg', 'avg', 'bit_and', 'bit_or', 'bit_xor', 'bool_and', 'bool_or', 'corr', 'count',
  'covar_pop', 'covar_samp', 'every', 'max', 'min', 'mode', 'percentile_cont', 'percentile_disc',
  'range_agg', 'range_intersect_agg', 'regr_avgx', 'regr_avgy', 'regr_count', 'regr_intercept',
  'regr_r2', 'regr_slope', 'regr_sxx', 'regr_sxy', 'regr_syy', 'stddev', 'stddev_pop',
  'stddev_samp', 'string_agg', 'sum', 'var_pop', 'var_samp', 'variance',
  // window functions
  'cume_dist', 'dense_rank', 'first_value', 'lag', 'last_value', 'lead', 'nth_value', 'ntile',
  'percent_rank', 'rank', 'row_number',
  // full-text search
  'array_to_tsvector', 'numnode', 'phraseto_tsquery', 'plainto_tsquery', 'querytree', 'setweight',
  'strip', 'to_tsquery', 'to_tsvector', 'ts_delete', 'ts_filter', 'ts_headline', 'ts_rank',
  'ts_rank_cd', 'tsquery_phrase', 'tsvector_to_array', 'websearch_to_tsquery',
]);

/** What to do instead, for the refusals an author is likeliest to meet. */
export function refusalHint(name: string): string {
  if (name.startsWith('pg_advisory') || name.startsWith('pg_try_advisory'))
    return '; advisory locks are shared with the platform: use ctx.lock(key), or lock rows with SELECT … FOR UPDATE';
  if (['nextval', 'setval', 'currval', 'lastval'].includes(name)) return '; let a column default draw from the sequence';
  if (name === 'set_config' || name === 'current_setting') return "; the platform sets each transaction's settings";
  return '';
}

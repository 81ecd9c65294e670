// node-postgres ships no types for its utilities; this is the one function the SQL guard uses.
declare module 'pg/lib/utils.js' {
  const utils: {
    /** A bind value as node-postgres sends it: text, a Buffer (sent as binary), or null. */
    prepareValue(value: unknown): string | Buffer | null;
  };
  export default utils;
}

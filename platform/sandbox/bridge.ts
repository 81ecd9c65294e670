/**
 * The code every sandbox runs before its module's: it takes the three references to the host
 * out of the global scope (so module code reaches the platform only through `ctx`), installs
 * the few web APIs modules may use (console, crypto, TextEncoder, TextDecoder; `ctx.fetch` in
 * place of `fetch`, since every request belongs to a call), and returns the function the host
 * calls. Everything crosses the boundary as JSON text.
 *
 * It is source text, evaluated inside the isolate: it can use nothing of Node.
 */
export const BRIDGE_SOURCE = String.raw`(function () {
  'use strict';
  const hostAsync = globalThis.__plinth_host_async;
  const hostSync = globalThis.__plinth_host_sync;
  const hostLog = globalThis.__plinth_host_log;
  delete globalThis.__plinth_host_async;
  delete globalThis.__plinth_host_sync;
  delete globalThis.__plinth_host_log;
  const parse = JSON.parse;
  const stringify = JSON.stringify;

  const decode = (text) => {
    const answer = parse(text);
    if (answer.error) {
      const err = new Error(answer.error.message);
      if (answer.error.code) err.code = answer.error.code;
      if (answer.error.path) err.path = answer.error.path;
      throw err;
    }
    return answer.ok;
  };
  const callAsync = (id, op, args) =>
    hostAsync.apply(undefined, [id, op, stringify(args)], { result: { promise: true } }).then(decode);
  const callSync = (id, op, args) => decode(hostSync.applySync(undefined, [id, op, stringify(args)]));
  const text = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return value.stack || String(value);
    try { return stringify(value); } catch { return String(value); }
  };
  const logAt = (id, level) => (...args) => {
    const fields = args.length > 1 && args[0] && typeof args[0] === 'object' && !(args[0] instanceof Error) ? args.shift() : undefined;
    let detail;
    try { detail = fields === undefined ? undefined : stringify(fields); } catch { detail = undefined; }
    hostLog.applyIgnored(undefined, [id, level, args.map(text).join(' ').slice(0, 4000), detail === undefined ? '' : detail.slice(0, 8000)]);
  };

  globalThis.console = {
    log: logAt(0, 'info'), info: logAt(0, 'info'), debug: logAt(0, 'debug'), warn: logAt(0, 'warn'), error: logAt(0, 'error'),
  };

  const bytesOf = (data) => {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError('expected an ArrayBuffer or a typed array');
  };
  globalThis.crypto = {
    getRandomValues(array) {
      const bytes = bytesOf(array);
      if (bytes.length > 65536) throw new RangeError('getRandomValues: at most 65536 bytes at a time');
      bytes.set(callSync(0, 'random', [bytes.length]));
      return array;
    },
    randomUUID() {
      const b = callSync(0, 'random', [16]);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
      return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
    },
    subtle: {
      async digest(algorithm, data) {
        const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
        return new Uint8Array(callSync(0, 'digest', [name, Array.from(bytesOf(data))])).buffer;
      },
    },
  };
  globalThis.TextEncoder = class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') {
      const binary = unescape(encodeURIComponent(String(input)));
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    }
  };
  globalThis.TextDecoder = class TextDecoder {
    get encoding() { return 'utf-8'; }
    decode(input) {
      if (input === undefined) return '';
      let binary = '';
      for (const b of bytesOf(input)) binary += String.fromCharCode(b);
      return decodeURIComponent(escape(binary));
    }
  };

  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const fromBase64 = (text) => {
    const digits = text.replace(/=+$/, '');
    const out = new Uint8Array(Math.floor((digits.length * 3) / 4));
    let value = 0, bits = 0, at = 0;
    for (let i = 0; i < digits.length; i++) {
      value = ((value << 6) | BASE64.indexOf(digits[i])) & 0xffffff;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[at++] = (value >> bits) & 0xff; }
    }
    return out;
  };
  // A Response as far as modules need one: the body is read once, as text, JSON or bytes.
  const responseOf = (answer) => {
    let used = false;
    const take = () => {
      if (used) throw new TypeError('the body of this response was already read');
      used = true;
    };
    const bytes = () => (answer.base64 === undefined ? new TextEncoder().encode(answer.text) : fromBase64(answer.base64));
    const text = () => (answer.base64 === undefined ? answer.text : new TextDecoder().decode(fromBase64(answer.base64)));
    const headers = answer.headers;
    return {
      status: answer.status,
      statusText: answer.statusText,
      ok: answer.status >= 200 && answer.status < 300,
      url: answer.url,
      redirected: false,
      headers: {
        get: (name) => (Object.prototype.hasOwnProperty.call(headers, String(name).toLowerCase()) ? headers[String(name).toLowerCase()] : null),
        has: (name) => Object.prototype.hasOwnProperty.call(headers, String(name).toLowerCase()),
        entries: () => Object.entries(headers)[Symbol.iterator](),
        forEach: (fn) => Object.entries(headers).forEach(([name, value]) => fn(value, name)),
      },
      get bodyUsed() { return used; },
      text: async () => { take(); return text(); },
      json: async () => { take(); return parse(text()); },
      arrayBuffer: async () => { take(); return bytes().slice().buffer; },
    };
  };
  const requestOf = (url, init) => {
    const options = init === undefined || init === null ? {} : init;
    const headers = {};
    const given = options.headers;
    if (Array.isArray(given)) for (const [name, value] of given) headers[String(name)] = String(value);
    else if (given && typeof given === 'object') for (const name of Object.keys(given)) headers[name] = String(given[name]);
    let body = options.body;
    if (body === undefined || body === null) body = null;
    else if (typeof body !== 'string') body = Array.from(bytesOf(body));
    return { url: String(url), method: options.method === undefined ? 'GET' : String(options.method), headers, body };
  };

  const contextFor = (id, meta) => ({
    module: meta.module,
    workspace: meta.workspace,
    contact: meta.contact,
    settings: meta.settings,
    log: { trace: logAt(id, 'trace'), debug: logAt(id, 'debug'), info: logAt(id, 'info'), warn: logAt(id, 'warn'), error: logAt(id, 'error') },
    query: (sql, bind) => callAsync(id, 'query', [sql, bind === undefined ? [] : bind]),
    lock: (key) => callAsync(id, 'lock', [key]),
    contacts: {
      get: (contactId) => callAsync(id, 'contacts.get', [contactId]),
      upsert: (input) => callAsync(id, 'contacts.upsert', [input]),
    },
    validate: (schema, value) => callSync(id, 'validate', [schema, value]),
    gateways: { call: (name, input) => callAsync(id, 'gateways.call', [name, input]) },
    events: { emit: (name, payload, options) => callAsync(id, 'events.emit', [name, payload, options === undefined ? {} : options]) },
    fetch: (url, init) => callAsync(id, 'fetch', [requestOf(url, init)]).then(responseOf),
  });

  // Runs entries one after another with one ctx: [[entry, args], ...] -> {ok: results} or {error}.
  // An exception travels as data: its code and path, which the platform's refusals carry, survive.
  return async function run(id, callsText, metaText) {
    const entries = globalThis.__plinth_entries || {};
    const ctx = contextFor(id, parse(metaText));
    const results = [];
    try {
      for (const [entry, args] of parse(callsText)) {
        const fn = entries[entry];
        if (typeof fn !== 'function') throw new Error(entry + ' has no default export function');
        const result = await fn(...args, ctx);
        results.push(result === undefined ? null : result);
      }
    } catch (err) {
      const e = err !== null && typeof err === 'object' ? err : { message: String(err) };
      return stringify({
        error: {
          message: String(e.message),
          code: typeof e.code === 'string' ? e.code : undefined,
          path: typeof e.path === 'string' ? e.path : undefined,
        },
      });
    }
    return stringify({ ok: results });
  };
})()`;

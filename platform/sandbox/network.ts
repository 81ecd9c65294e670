import dns from 'node:dns';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import ipaddr from 'ipaddr.js';
import { NetworkError } from './errors.js';

/** The operator's say on what modules' network calls may reach. */
export interface NetworkOptions {
  /**
   * Let modules reach loopback, private, link-local and other non-public addresses (a vendor's
   * service on the operator's own network, tests). Off by default: a declared host name that
   * resolves inside the network is refused.
   */
  allowPrivate: boolean;
  /** Certificate authorities (PEM) trusted besides Node's own, for hosts with an internal CA. */
  ca?: string;
}

/** What module code asks for: `ctx.fetch(url, { method, headers, body })`, as it crosses the boundary. */
interface FetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** What module code gets back: the body as text when it is UTF-8, else as base64. */
export interface FetchAnswer {
  status: number;
  statusText: string;
  url: string;
  headers: Record<string, string>;
  text?: string;
  base64?: string;
}

/** The most a response body may hold: what crosses into the sandbox must stay well under its heap. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Requests one call may have in flight at once. */
export const MAX_FETCHES_AT_ONCE = 8;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Headers the platform sets itself: the connection is its own, and the host is the one checked. */
const PLATFORM_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
]);

/**
 * One module's way out: HTTPS to the hosts its manifest declares (exact host and port), to
 * public addresses only unless the operator allows more, no redirects followed (a redirect
 * comes back to the module, whose next request is checked like the first), and a bounded
 * body and time. Addresses are checked after resolution and the connection goes to the address
 * checked, so a name that changes its answer between the check and the connection gains nothing.
 */
export class ModuleNetwork {
  private readonly hosts: Set<string>;
  private readonly ca: (string | Buffer)[] | undefined;

  constructor(
    private readonly moduleId: string,
    declared: readonly string[],
    private readonly options: NetworkOptions,
  ) {
    this.hosts = new Set(declared.map(withPort));
    this.ca = options.ca ? [...tls.rootCertificates, options.ca] : undefined;
  }

  /** Sends the request, giving up at `deadline` (epoch ms). Refusals and failures are NetworkErrors naming the module and URL. */
  async fetch(input: unknown, deadline: number): Promise<FetchAnswer> {
    const request = this.parse(input);
    const url = new URL(request.url);
    const refuse = (why: string) => new NetworkError('refused', this.moduleId, `${request.method} ${url.origin}: ${why}`);
    if (url.protocol !== 'https:') throw refuse(`only https is allowed, not ${url.protocol.slice(0, -1)}`);
    if (url.username || url.password) throw refuse('credentials in the URL are not sent; use an Authorization header');
    const host = withPort(url.host);
    if (!this.hosts.has(host)) {
      throw refuse(
        this.hosts.size === 0
          ? 'the module declares no network hosts (manifest network.hosts)'
          : `${host} is not among the hosts the manifest declares (${[...this.hosts].join(', ')})`,
      );
    }
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (net.isIP(hostname)) {
      const why = this.forbidden([hostname]);
      if (why) throw refuse(why);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new NetworkError('timeout', this.moduleId, `${request.method} ${url.origin}: no time left in the call`);
    return this.send(request, url, hostname, remaining);
  }

  private send(request: FetchRequest, url: URL, hostname: string, timeoutMs: number): Promise<FetchAnswer> {
    const where = `${request.method} ${url.origin}${url.pathname}`;
    return new Promise((resolve, reject) => {
      const fail = (kind: 'refused' | 'failed' | 'timeout', why: string) =>
        reject(new NetworkError(kind, this.moduleId, `${where}: ${why}`));
      const req = https.request(
        {
          protocol: 'https:',
          hostname,
          port: url.port || 443,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: {
            'user-agent': `Plinth module ${this.moduleId}`,
            ...request.headers,
            ...(request.body && { 'content-length': String(request.body.length) }),
          },
          lookup: this.lookup,
          ca: this.ca,
          agent: false,
        },
        (res) => {
          const declared = Number(res.headers['content-length']);
          if (declared > MAX_RESPONSE_BYTES) {
            res.destroy();
            return fail('failed', `the response (${declared} bytes) is larger than ${MAX_RESPONSE_BYTES} bytes`);
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              res.destroy();
              fail('failed', `the response is larger than ${MAX_RESPONSE_BYTES} bytes`);
            } else chunks.push(chunk);
          });
          res.on('error', (err) => fail('failed', err.message));
          res.on('end', () => {
            if (size > MAX_RESPONSE_BYTES) return;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers))
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? '',
              url: url.href,
              headers,
              ...bodyOf(Buffer.concat(chunks)),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        fail('timeout', `no answer within the ${timeoutMs} ms left in the call`);
      }, timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (err) => (err instanceof NetworkError ? reject(err) : fail('failed', err.message)));
      req.end(request.body ?? undefined);
    });
  }

  /** DNS as Node does it, then every address checked: one private answer refuses the host. */
  private readonly lookup: LookupFunction = checkedLookup((hostname, addresses) => {
    const why = addresses.length === 0 ? 'no address' : this.forbidden(addresses);
    return why ? new NetworkError('refused', this.moduleId, `${hostname}: ${why}`) : null;
  });

  /** Why these addresses may not be reached, or null when they may. */
  private forbidden(addresses: string[]): string | null {
    if (this.options.allowPrivate) return null;
    const found = nonPublicAddress(addresses);
    if (!found) return null;
    if (found.range === 'invalid') return `${found.address} is not an address modules may reach`;
    return `${found.address} is a ${found.range} address; modules reach public addresses only (PLINTH_MODULE_NETWORK_ALLOW_PRIVATE)`;
  }

  private parse(input: unknown): FetchRequest {
    const bad = (why: string) => new NetworkError('refused', this.moduleId, `ctx.fetch: ${why}`);
    if (!input || typeof input !== 'object') throw bad('expected a request');
    const { url, method = 'GET', headers = {}, body = null } = input as Record<string, unknown>;
    if (typeof url !== 'string' || !URL.canParse(url)) throw bad(`${JSON.stringify(url)} is not an absolute URL`);
    const verb = typeof method === 'string' ? method.toUpperCase() : '';
    if (!METHODS.has(verb)) throw bad(`method ${JSON.stringify(method)} is not one of ${[...METHODS].join(', ')}`);
    if (!headers || typeof headers !== 'object' || Array.isArray(headers))
      throw bad('headers must be an object of names to values');
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(lower)) throw bad(`header name ${JSON.stringify(name)} is not valid`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw bad(`header ${name} must be a single-line string`);
      if (!PLATFORM_HEADERS.has(lower) && !lower.startsWith('proxy-')) sent[lower] = value;
    }
    let bytes: Buffer | null = null;
    if (typeof body === 'string') bytes = Buffer.from(body, 'utf8');
    else if (Array.isArray(body)) bytes = Buffer.from(body as number[]);
    else if (body !== null) throw bad('the body must be a string or bytes');
    if (bytes && (verb === 'GET' || verb === 'HEAD')) throw bad(`a ${verb} request has no body`);
    return { url, method: verb, headers: sent, body: bytes };
  }
}

/** `host` or `host:port` as `host:port`, https's port when none is given. */
const withPort = (host: string): string => (/:\d+$/.test(host) ? host.toLowerCase() : `${host.toLowerCase()}:443`);

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function bodyOf(bytes: Buffer): { text: string } | { base64: string } {
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    return { base64: bytes.toString('base64') };
  }
}

/**
 * The first address that is not public unicast (loopback, private, link-local, unique-local,
 * carrier NAT, the cloud metadata addresses, IPv4 mapped into IPv6 of any of those…) with its
 * range, or null when every one is public. Shared by every way out of the platform.
 */
export function nonPublicAddress(addresses: readonly string[]): { address: string; range: string } | null {
  for (const address of addresses) {
    if (!ipaddr.isValid(address)) return { address, range: 'invalid' };
    let parsed = ipaddr.parse(address);
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    const range = parsed.range();
    if (range !== 'unicast') return { address, range };
  }
  return null;
}

/**
 * A `lookup` for a request: DNS as Node does it, then every address answered goes to `refusal`,
 * whose error (when it gives one) fails the connection. The connection goes to an address
 * checked, so a name that answers differently between a check and the connection gains nothing.
 */
export function checkedLookup(refusal: (hostname: string, addresses: string[]) => Error | null): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = refusal(
        hostname,
        addresses.map((a) => a.address),
      );
      if (refused) return callback(refused, '', 0);
      if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(new Error(`${hostname}: no address`), '', 0); // a refusal is expected to refuse none
      callback(null, first.address, first.family);
    });
  };
}

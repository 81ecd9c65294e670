import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { ValidationError } from '../errors/index.js';
import { checkedLookup, nonPublicAddress } from '../sandbox/index.js';

/** Why a webhook may not reach these addresses, or null when it may: one non-public address refuses the host. */
export function refusal(addresses: readonly string[], allowPrivate: boolean): string | null {
  if (allowPrivate) return null;
  if (addresses.length === 0) return 'it resolves to no address';
  const found = nonPublicAddress(addresses);
  if (!found) return null;
  if (found.range === 'invalid') return `${found.address} is not an address`;
  return `${found.address} is a ${found.range} address; webhooks reach public addresses only (PLINTH_WEBHOOK_ALLOW_PRIVATE)`;
}

/** A URL's host without an IPv6 literal's brackets. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The URL's form: absolute http(s), no credentials, at most 2,000 characters. Returns it normalised. */
export function checkUrlForm(raw: unknown, path = 'url'): URL {
  if (typeof raw !== 'string' || !URL.canParse(raw))
    throw new ValidationError(path, `${JSON.stringify(raw)} is not an absolute URL`);
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ValidationError(path, `${url.protocol.slice(0, -1)} is not http or https`);
  if (url.username || url.password)
    throw new ValidationError(path, 'credentials in the URL are not kept; the receiver checks the signature instead');
  if (url.hash) throw new ValidationError(path, 'a fragment (#…) is never sent to a server; leave it out');
  if (url.href.length > 2000) throw new ValidationError(path, 'must be at most 2000 characters');
  return url;
}

/**
 * Checks at creation and update that the URL's host resolves to public addresses only (every
 * one of them), unless the operator allows more. Delivery checks again: a name may change its
 * answer later (DNS rebinding), and `post` connects only to an address it has just checked.
 */
export async function checkDestination(raw: unknown, allowPrivate: boolean, path = 'url'): Promise<string> {
  const url = checkUrlForm(raw, path);
  const host = hostOf(url);
  let addresses: string[];
  if (net.isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await dns.lookup(host, { all: true })).map((a) => a.address);
    } catch (err) {
      throw new ValidationError(
        path,
        `${url.origin}: ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const why = refusal(addresses, allowPrivate);
  if (why) throw new ValidationError(path, `${url.origin}: ${why}`);
  return url.href;
}

/** A delivery that did not get a 2xx answer: refused before sending, no answer in time, or the receiver's status. */
export class DeliveryFailure extends Error {}

/**
 * POSTs `body` to `href` and resolves with the status when it is 2xx; anything else is a
 * DeliveryFailure. The host's addresses are checked at the connection (IP literals here,
 * names in the lookup, whose checked address is the one connected to); redirects are not
 * followed (a 3xx is a failure); the answer's body is read and dropped.
 */
export function post(
  href: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<number> {
  const url = new URL(href);
  const host = hostOf(url);
  if (net.isIP(host)) {
    const why = refusal([host], options.allowPrivate);
    if (why) return Promise.reject(new DeliveryFailure(`${url.origin}: refused: ${why}`));
  }
  const lookup = checkedLookup((hostname, addresses) => {
    const why = refusal(addresses, options.allowPrivate);
    return why ? new DeliveryFailure(`${url.origin}: refused: ${hostname}: ${why}`) : null;
  });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new DeliveryFailure(`${url.origin}: ${why}`));
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        lookup,
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('end', () =>
          status >= 200 && status < 300
            ? resolve(status)
            : fail(`the receiver answered ${status} ${res.statusMessage ?? ''}`.trim()),
        );
        res.on('error', (err) => fail(err.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      fail(`no answer within ${options.timeoutMs} ms`);
    }, options.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => (err instanceof DeliveryFailure ? reject(err) : fail(err.message)));
    req.end(body);
  });
}

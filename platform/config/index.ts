import fs from 'node:fs';
import path from 'node:path';

/** Settings read from the environment once; secrets never come from code. */
export interface PlinthConfig {
  /** Server PostgreSQL URL; absent means the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  port: number;
  /** Interface to listen on; loopback unless HOST says otherwise. */
  host: string;
  /** Prefix of every role name (roles are cluster-wide); derived from the database when absent. */
  rolePrefix?: string;
  demoPassword?: string;
  /** Signs session cookies; without it, one is generated and kept in the data dir. */
  sessionSecret?: string;
  poolMax: number;
  logLevel: string;
  /** Directory of trusted vendors' ed25519 public keys (PEM). */
  trustedKeysDir?: string;
  /** Accept unsigned published packages (development only). */
  allowUnsigned: boolean;
  /** How long events are kept once every subscriber has passed them; null keeps them for ever (the default). */
  eventRetentionMs: number | null;
  /** The length of one partition of the events table: the unit retention drops. */
  eventPeriodMs: number;
  /**
   * Which proxies in front of Plinth to believe about the client's address and protocol
   * (Express's "trust proxy": a hop count, `loopback`, subnets). Unset: none, so a forged
   * X-Forwarded-For cannot dodge a rate limit.
   */
  trustProxy?: string | number;
  /** The operator's bounds on module code: a call's wall time and a sandbox's heap (a manifest may ask for less). */
  moduleTimeLimitMs: number;
  moduleMemoryLimitMb: number;
  /** Sandboxes kept warm at once (one per module version and workspace). */
  sandboxIsolates: number;
  /** Connections for module work, apart from `poolMax`; and how many of them one module may hold at once. */
  modulePoolMax: number;
  moduleConcurrency: number;
  /** On the embedded database: how long module code may keep its transaction without a statement. */
  moduleIdleLimitMs: number;
  /** Whether modules' declared hosts may resolve to loopback, private or link-local addresses. */
  moduleNetworkAllowPrivate: boolean;
  /** Certificate authorities (PEM text) modules' HTTPS trusts besides Node's own. */
  moduleNetworkCa?: string;
  /** Whether webhook URLs may resolve to loopback, private, link-local or metadata addresses (a receiver on the operator's own network, tests). */
  webhookAllowPrivate: boolean;
  /** How long a webhook's receiver has to answer one delivery before it counts as failed. */
  webhookTimeoutMs: number;
  /** Webhook deliveries' retries: attempts before a delivery is dead, and the backoff's first and longest wait. */
  webhookRetry: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number };
  /** Dead deliveries in a row after which a webhook is switched off. */
  webhookDisableAfter: number;
  /** (Subscriber, workspace) pairs the dispatcher serves at once. */
  dispatchConcurrency: number;
  /**
   * How long SIGTERM or SIGINT waits for requests in flight and the dispatcher's deliveries
   * before the process exits anyway (with code 1, naming what was still running).
   */
  shutdownMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlinthConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.PLINTH_DATA_DIR || 'data'),
    port: parsePort(env.PORT),
    host: env.HOST || '127.0.0.1',
    rolePrefix: env.PLINTH_ROLE_PREFIX,
    demoPassword: env.PLINTH_DEMO_PASSWORD || undefined,
    sessionSecret: env.PLINTH_SESSION_SECRET || undefined,
    poolMax: Number(env.PLINTH_POOL_MAX || 5),
    logLevel: env.LOG_LEVEL || 'info',
    trustedKeysDir: env.PLINTH_TRUSTED_KEYS || undefined,
    allowUnsigned: env.PLINTH_ALLOW_UNSIGNED === '1',
    trustProxy: !env.PLINTH_TRUST_PROXY
      ? undefined
      : /^[0-9]+$/.test(env.PLINTH_TRUST_PROXY)
        ? Number(env.PLINTH_TRUST_PROXY)
        : env.PLINTH_TRUST_PROXY,
    eventRetentionMs:
      !env.PLINTH_EVENT_RETENTION || env.PLINTH_EVENT_RETENTION === 'off'
        ? null
        : parseDuration('PLINTH_EVENT_RETENTION', env.PLINTH_EVENT_RETENTION),
    eventPeriodMs: parseDuration('PLINTH_EVENT_PERIOD', env.PLINTH_EVENT_PERIOD || '1d'),
    moduleTimeLimitMs: parseDuration('PLINTH_MODULE_TIME_LIMIT', env.PLINTH_MODULE_TIME_LIMIT || '30s'),
    moduleMemoryLimitMb: parseCount('PLINTH_MODULE_MEMORY_LIMIT_MB', env.PLINTH_MODULE_MEMORY_LIMIT_MB, 128, 8),
    sandboxIsolates: parseCount('PLINTH_SANDBOX_ISOLATES', env.PLINTH_SANDBOX_ISOLATES, 200, 1),
    modulePoolMax: parseCount('PLINTH_MODULE_POOL_MAX', env.PLINTH_MODULE_POOL_MAX, 10, 1),
    moduleConcurrency: parseCount('PLINTH_MODULE_CONCURRENCY', env.PLINTH_MODULE_CONCURRENCY, 3, 1),
    moduleIdleLimitMs: parseCount('PLINTH_MODULE_IDLE_MS', env.PLINTH_MODULE_IDLE_MS, 100, 10),
    moduleNetworkAllowPrivate: parseFlag('PLINTH_MODULE_NETWORK_ALLOW_PRIVATE', env.PLINTH_MODULE_NETWORK_ALLOW_PRIVATE),
    moduleNetworkCa: readPem('PLINTH_MODULE_NETWORK_CA', env.PLINTH_MODULE_NETWORK_CA),
    webhookAllowPrivate: parseFlag('PLINTH_WEBHOOK_ALLOW_PRIVATE', env.PLINTH_WEBHOOK_ALLOW_PRIVATE),
    webhookTimeoutMs: parseCount('PLINTH_WEBHOOK_TIMEOUT_MS', env.PLINTH_WEBHOOK_TIMEOUT_MS, 5000, 100),
    webhookRetry: {
      maxAttempts: parseCount('PLINTH_WEBHOOK_MAX_ATTEMPTS', env.PLINTH_WEBHOOK_MAX_ATTEMPTS, 8, 1),
      initialDelayMs: parseCount('PLINTH_WEBHOOK_RETRY_MS', env.PLINTH_WEBHOOK_RETRY_MS, 10_000, 1),
      maxDelayMs: parseCount('PLINTH_WEBHOOK_RETRY_MAX_MS', env.PLINTH_WEBHOOK_RETRY_MAX_MS, 60 * 60_000, 1),
    },
    webhookDisableAfter: parseCount('PLINTH_WEBHOOK_DISABLE_AFTER', env.PLINTH_WEBHOOK_DISABLE_AFTER, 20, 1),
    dispatchConcurrency: parseCount('PLINTH_DISPATCH_CONCURRENCY', env.PLINTH_DISPATCH_CONCURRENCY, 6, 1),
    shutdownMs: parseCount('PLINTH_SHUTDOWN_MS', env.PLINTH_SHUTDOWN_MS, 10_000, 0),
  };
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as 90s, 15m, 12h or 30d, in milliseconds. */
export function parseDuration(name: string, value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim());
  const unit = match && UNITS[match[2]!];
  if (!match || !unit || Number(match[1]) === 0) {
    throw new Error(`${name}: "${value}" is not a duration (a positive whole number and a unit: 90s, 15m, 12h, 30d)`);
  }
  return Number(match[1]) * unit;
}

/** A whole number of at least `min`, or `fallback` when unset. */
function parseCount(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: "${value}" is not a whole number of at least ${min}`);
  return n;
}

/** 1 or 0, off when unset. */
function parseFlag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`${name}: "${value}" is not 1 or 0`);
}

/** The certificates in the PEM file at `file`, or undefined when unset. */
function readPem(name: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read "${file}": ${(err as Error).message}`, { cause: err });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${name}: "${file}" holds no PEM certificate`);
  return text;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT: "${value}" is not a TCP port number`);
  }
  return port;
}

export { PLINTH_VERSION } from './version.js';
export { keptSecret } from './kept-secret.js';

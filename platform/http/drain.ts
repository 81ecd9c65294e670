import type { IncomingMessage, Server, ServerResponse } from 'node:http';

interface InFlight {
  method: string;
  path: string;
  since: number;
  res: ServerResponse;
}

/**
 * The requests a server is answering, so that stopping can wait for them. `server.close()` alone
 * stops accepting connections but resolves only once every connection is gone, and a browser's
 * keep-alive connection or a hung handler can hold one open indefinitely.
 */
export class RequestDrain {
  private readonly inFlight = new Set<InFlight>();
  private closing = false;
  private settled: (() => void) | null = null;

  constructor(private readonly server: Server) {
    // First in line: Express rewrites req.url as it routes into mounted apps, synchronously.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const entry = { method: req.method ?? '?', path: (req.url ?? '').replace(/\?.*/s, ''), since: Date.now(), res };
      this.inFlight.add(entry);
      // Once stopping, no connection is kept alive for a next request.
      if (this.closing) res.setHeader('Connection', 'close');
      res.once('close', () => {
        this.inFlight.delete(entry);
        if (this.closing) setImmediate(() => this.server.closeIdleConnections());
        if (this.inFlight.size === 0) this.settled?.();
      });
    });
  }

  /**
   * Stops accepting connections, closes the idle ones, and resolves once every request in flight
   * has been answered (or its client went away). It never rejects; the caller bounds the wait.
   */
  drain(): Promise<void> {
    this.closing = true;
    this.server.close();
    this.server.closeIdleConnections();
    for (const entry of this.inFlight) if (!entry.res.headersSent) entry.res.setHeader('Connection', 'close');
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.settled = resolve));
  }

  /** The requests still being answered, as "GET /path (running for 1234 ms)", oldest first. */
  pending(): string[] {
    const now = Date.now();
    return [...this.inFlight]
      .sort((a, b) => a.since - b.since)
      .map((r) => `${r.method} ${r.path} (running for ${now - r.since} ms)`);
  }

  /** Drops every connection, answered or not: what is left once the deadline has passed. */
  destroy(): void {
    this.server.closeAllConnections();
  }
}

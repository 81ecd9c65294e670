import { useCallback, useEffect, useState } from 'react';
import type { Reach } from '../studio/shapes';

/** Where the admin is mounted; its own screens' API lives under it. */
export const ADMIN = '/admin';

/** Calls the studio API; a refusal becomes an Error carrying the server's message (which names what was wrong). */
export async function studio<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const response = await fetch(`${ADMIN}/studio/api/${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) throw new Error((data as { error?: string }).error ?? `${response.status} ${response.statusText}`);
  return data as T;
}

/**
 * Asks before publishing what client workspaces inherit: true when there are none, or the
 * person agreed to change them too.
 */
export async function confirmReach(what: string): Promise<boolean> {
  const { clients } = await studio<Reach>('reach');
  if (clients === 0) return true;
  return window.confirm(`${what} changes ${clients} client workspace${clients === 1 ? '' : 's'} too, which inherit it. Go on?`);
}

/** Loads one studio resource; `reload` fetches it again after a change. */
export function useStudio<T>(path: string): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    studio<T>(path)
      .then((value) => {
        setData(value);
        setError(null);
      })
      .catch((err: Error) => setError(err.message));
  }, [path]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/** A date as the admin shows it: local, to the second. */
export const when = (value: string | Date | null | undefined): string => (value ? new Date(value).toLocaleString() : '');

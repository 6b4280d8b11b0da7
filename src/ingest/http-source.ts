import { setTimeout as sleep } from 'node:timers/promises';

/**
 * HTTP for pull connectors: a per-request timeout, and retries with
 * exponential backoff on network errors, 429 and 5xx, honouring `Retry-After`
 * (seconds or an HTTP date), capped so that a misbehaving source cannot stall
 * a run for long. Other 4xx answers fail at once: retrying a 401 or a 404
 * does not help.
 */

export interface FetchOptions {
  headers?: Record<string, string>;
  /** Per attempt. @default 15000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 4 */
  retries?: number;
  /** First backoff; doubles each retry. @default 500 */
  backoffMs?: number;
  /** Longest wait between attempts, whatever Retry-After says. @default 30000 */
  maxWaitMs?: number;
  signal?: AbortSignal;
  /** Called before each retry (for logs and tests). */
  onRetry?: (info: { attempt: number; status?: number; waitMs: number; error?: string }) => void;
}

/** The source answered with an error that retrying does not fix, or kept failing. */
export class SourceHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SourceHttpError';
  }
}

/** Milliseconds a Retry-After header asks for, or undefined. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** GET with timeout and retries; returns the successful response. */
export async function fetchWithRetry(url: string, options: FetchOptions = {}): Promise<Response> {
  const { headers = {}, timeoutMs = 15_000, retries = 4, backoffMs = 500, maxWaitMs = 30_000, signal } = options;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let status: number | undefined;
    let waitHint: number | undefined;
    let problem: string;
    try {
      const timeout = AbortSignal.timeout(timeoutMs);
      const response = await fetch(url, { headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      if (response.ok) return response;
      status = response.status;
      waitHint = retryAfterMs(response.headers.get('retry-after'));
      const body = (await response.text().catch(() => '')).slice(0, 200);
      problem = `HTTP ${status} from ${url}${body ? `: ${body}` : ''}`;
      if (status !== 429 && status < 500) throw new SourceHttpError(problem, status);
    } catch (error) {
      if (error instanceof SourceHttpError || signal?.aborted) throw error;
      const name = (error as Error).name;
      problem = name === 'TimeoutError' ? `timed out after ${timeoutMs} ms: ${url}` : `${(error as Error).message}: ${url}`;
    }
    if (attempt >= retries) throw new SourceHttpError(`${problem} (gave up after ${attempt + 1} attempts)`, status);
    const waitMs = Math.min(maxWaitMs, waitHint ?? backoffMs * 2 ** attempt);
    options.onRetry?.({ attempt: attempt + 1, status, waitMs, error: problem });
    await sleep(waitMs, undefined, { signal });
  }
}

/** GET JSON with timeout and retries. */
export async function fetchJson<T = unknown>(url: string, options: FetchOptions = {}): Promise<T> {
  const response = await fetchWithRetry(url, { ...options, headers: { accept: 'application/json', ...options.headers } });
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new SourceHttpError(`invalid JSON from ${url}: ${(error as Error).message}`, response.status);
  }
}

import { createClient, type Client } from 'graphql-ws';

/** Where the caller's API key is kept between visits (this browser only). */
const KEY_STORAGE = 'harvest-hub.apiKey';

export function storedApiKey(): string {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeApiKey(key: string): void {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

/** A GraphQL error as the hub sends it. */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** Runs a query against the hub's own /graphql with the caller's key (none in demo mode). */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const key = storedApiKey();
  const res = await fetch(new URL('/graphql', location.href), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  return body.data as T;
}

/** Upload progress: bytes sent of the whole request body. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Sends one file as a GraphQL multipart request
 * (https://github.com/jaydenseric/graphql-multipart-request-spec) with
 * XMLHttpRequest, whose `upload.onprogress` (unlike fetch) reports the bytes
 * sent. `Apollo-Require-Preflight` satisfies the hub's CSRF rule for
 * multipart bodies; the hub answers JSON also for 401/403/413.
 */
export function uploadFile<T>(query: string, variable: string, file: File, onProgress: (p: UploadProgress) => void): Promise<T> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { [variable]: null } }));
  form.append('map', JSON.stringify({ 0: [`variables.${variable}`] }));
  form.append('0', file, file.name);
  const key = storedApiKey();
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', new URL('/graphql', location.href));
    xhr.setRequestHeader('apollo-require-preflight', 'true');
    xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
    if (key) xhr.setRequestHeader('authorization', `Bearer ${key}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    xhr.onerror = () => reject(new Error('网络错误 Network error: the upload did not reach the hub'));
    xhr.onload = () => {
      const body = xhr.response as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | null;
      if (body?.errors?.length) return reject(new GraphQLRequestError(body.errors));
      if (!body?.data) return reject(new Error(`HTTP ${xhr.status}`));
      resolve(body.data);
    };
    xhr.send(form);
  });
}

let client: Client | undefined;

/** The graphql-ws client of the page, re-created when the key changes. */
export function wsClient(onState: (state: 'connected' | 'closed' | 'connecting') => void): Client {
  client?.dispose();
  const key = storedApiKey();
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  client = createClient({
    url: url.href,
    connectionParams: key ? { authorization: `Bearer ${key}`, apiKey: key } : {},
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: { connected: () => onState('connected'), closed: () => onState('closed'), connecting: () => onState('connecting') },
  });
  return client;
}

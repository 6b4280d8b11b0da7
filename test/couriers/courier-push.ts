import { createHash, createHmac } from 'node:crypto';
import { secretBox } from '../../src/platform/secret-box.js';
import { TEST_SECRETS_KEY } from '../support/fixtures.js';

/** The secret the tests give every courier (see `giveSecrets`). */
export const TEST_SECRET = 'test-secret-0123456789abcdef';

/** A courier secret as the hub stores it: sealed with the test hubs' SECRETS_KEY (issue #11). */
export function sealedTestSecret(secret = TEST_SECRET): string {
  return secretBox(Buffer.from(TEST_SECRETS_KEY, 'base64')).seal(secret);
}

/** Gives each courier a webhook secret, straight in the database (sealed, as the hub keeps it). */
export async function giveSecrets(sql: (text: string, params?: unknown[]) => Promise<unknown[]>, secret = TEST_SECRET): Promise<void> {
  await sql(`insert into courier_credential (courier_id, secret) select id, $1 from courier`, [sealedTestSecret(secret)]);
}

/** Headers of a native push signed like a courier would: HMAC-SHA256 of `timestamp + "." + body`. */
export function nativeHeaders(body: string, secret = TEST_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-hub-timestamp': String(timestamp), 'x-hub-signature': `sha256=${signature}` };
}

/** POSTs a native batch to `/hooks/couriers/:courier`. */
export async function pushNative(baseUrl: string, courier: string, events: unknown[], options: { secret?: string; timestamp?: number; body?: string } = {}) {
  const body = options.body ?? JSON.stringify({ events });
  const res = await fetch(`${baseUrl}/hooks/couriers/${courier}`, { method: 'POST', headers: nativeHeaders(body, options.secret, options.timestamp), body });
  return { status: res.status, body: (await res.json()) as any };
}

/** POSTs a Kuaidi100 push (form `param` + `sign` = upper-case MD5(param + salt)). */
export async function pushKuaidi100(baseUrl: string, courier: string, param: unknown, salt = TEST_SECRET, sign?: string) {
  const text = JSON.stringify(param);
  const form = new URLSearchParams({
    param: text,
    sign:
      sign ??
      createHash('md5')
        .update(text + salt)
        .digest('hex')
        .toUpperCase(),
  });
  const res = await fetch(`${baseUrl}/hooks/couriers/${courier}/kuaidi100`, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as any };
}

/** POSTs an AfterShip webhook (`aftership-hmac-sha256` = base64 HMAC-SHA256 of the raw body). */
export async function pushAftership(baseUrl: string, courier: string, payload: unknown, secret = TEST_SECRET) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${baseUrl}/hooks/couriers/${courier}/aftership`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'aftership-hmac-sha256': createHmac('sha256', secret).update(body).digest('base64') },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** An ISO time `hoursAgo` hours before now, China offset (as couriers send it). */
export function chinaTime(hoursAgo: number): string {
  const d = new Date(Date.now() - hoursAgo * 3_600_000 + 8 * 3_600_000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

/** The same time as Kuaidi100 writes it: `YYYY-MM-DD HH:mm:ss`, China time, no offset. */
export function kuaidi100Time(hoursAgo: number): string {
  return chinaTime(hoursAgo).slice(0, 19).replace('T', ' ');
}

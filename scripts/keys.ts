/**
 * Admin CLI for API keys (issue #6). Uses DATABASE_URL, or the embedded
 * PostgreSQL under DATA_DIR like `npm start`.
 *
 *   npm run keys -- create --org zto-ops --role COURIER --courier zhongtong [--label ...] [--expires-days 90] [--scopes READ,WRITE]
 *   npm run keys -- create --org pdd-data --role PLATFORM --platform pinduoduo
 *   npm run keys -- create --org shanxi-agri --role OFFICIAL
 *   npm run keys -- list [--org zto-ops] [--all]
 *   npm run keys -- revoke <keyId>
 *   npm run keys -- rotate <keyId> [--grace-hours 24]
 *
 * A created or rotated key is printed once, on stdout alone; progress goes to stderr.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase } from '../src/database.js';
import { createApiKey, listApiKeys, revokeApiKey, rotateApiKey } from '../src/access/api-key.service.js';
import { KeyScope, Role } from '../src/policy/role.js';
import { Redis } from 'ioredis';
import { API_KEY_CHANGED, type ApiKeyChangedEvent } from '../src/access/key-changes.js';

const USAGE = `usage: npm run keys -- create --org <name> --role PLATFORM|COURIER|OFFICIAL|ADMIN [--courier <code>] [--platform <code>] [--label <text>] [--expires-days <n>] [--scopes READ,WRITE]
       npm run keys -- list [--org <name>] [--all]
       npm run keys -- revoke <keyId>
       npm run keys -- rotate <keyId> [--grace-hours <n>]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    org: { type: 'string' },
    role: { type: 'string' },
    courier: { type: 'string' },
    platform: { type: 'string' },
    label: { type: 'string' },
    'expires-days': { type: 'string' },
    scopes: { type: 'string' },
    all: { type: 'boolean' },
    'grace-hours': { type: 'string' },
  },
});
const [command, keyId] = positionals;
if (!command || !['create', 'list', 'revoke', 'rotate'].includes(command)) {
  console.error(USAGE);
  process.exit(2);
}

const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const config = loadConfig();
const db = await openDatabase(config, log, { shareRunningEmbedded: true });

/** Tells running hubs (through Redis, as they tell each other) to drop the key now and close its sockets (issue #12). */
async function broadcast(event: ApiKeyChangedEvent): Promise<void> {
  if (!config.redisUrl) {
    console.error('note: REDIS_URL is unset, so running hubs are not told; they refuse the key within 30 s (their key cache).');
    return;
  }
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.publish(config.redisChannelPrefix + API_KEY_CHANGED, JSON.stringify(event));
  } catch (error) {
    console.error(`warning: could not tell running hubs through Redis (${(error as Error).message}); they refuse the key within 30 s.`);
  } finally {
    redis.disconnect();
  }
}
const em = db.orm.em.fork();
let code = 0;
try {
  if (command === 'create') {
    const role = String(values.role ?? '').toUpperCase();
    if (!values.org || !(role in Role)) throw new Error(`--org and --role (${Object.values(Role).join(', ')}) are required`);
    const scopes = values.scopes?.split(',').map((s) => s.trim().toUpperCase()) as KeyScope[] | undefined;
    if (scopes?.some((s) => !(s in KeyScope))) throw new Error('--scopes takes READ and/or WRITE');
    const issued = await createApiKey(em, {
      organisation: values.org,
      role: role as Role,
      courier: values.courier,
      platform: values.platform,
      label: values.label,
      scopes,
      expiresInDays: values['expires-days'] ? Number(values['expires-days']) : undefined,
    });
    console.error(
      `created key ${issued.key.keyId} (${issued.key.role}, ${values.org}${issued.key.expiresAt ? `, expires ${issued.key.expiresAt.toISOString()}` : ''}); it is shown once:`,
    );
    console.log(issued.plaintext);
  } else if (command === 'list') {
    const keys = await listApiKeys(em, { organisation: values.org, includeRevoked: values.all });
    console.table(
      keys.map((k) => ({
        keyId: k.keyId,
        organisation: k.organisation.name,
        role: k.role,
        scopes: k.scopes.join(','),
        label: k.label ?? '',
        created: k.createdAt.toISOString().slice(0, 16),
        expires: k.expiresAt?.toISOString().slice(0, 16) ?? '',
        revoked: k.revokedAt?.toISOString().slice(0, 16) ?? '',
        lastUsed: k.lastUsedAt?.toISOString().slice(0, 16) ?? '',
      })),
    );
  } else if (!keyId) {
    throw new Error(`${command} needs a keyId (see \`npm run keys -- list\`)`);
  } else if (command === 'revoke') {
    const key = await revokeApiKey(em, keyId);
    await broadcast({ keyId: key.keyId, change: 'revoked' });
    console.error(`revoked ${key.keyId} at ${key.revokedAt!.toISOString()}`);
  } else {
    const graceHours = values['grace-hours'] ? Number(values['grace-hours']) : 0;
    const issued = await rotateApiKey(em, keyId, graceHours);
    await broadcast({ keyId, change: graceHours > 0 ? 'rotated-with-grace' : 'revoked' });
    console.error(`rotated ${keyId} -> ${issued.key.keyId}; the new key is shown once:`);
    console.log(issued.plaintext);
  }
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  code = 1;
} finally {
  await db.close();
}
process.exit(code);

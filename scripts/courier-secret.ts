/**
 * Sets (rotates) a courier's webhook secret. The previous secret stays valid
 * next to the new one until the next rotation (or at once retire it with
 * --retire-previous). Prints the new secret once; it is never logged.
 *
 *   DATABASE_URL=postgres://… SECRETS_KEY=… npm run courier:secret -- zhongtong
 *   DATABASE_URL=postgres://… SECRETS_KEY=… npm run courier:secret -- zhongtong --secret 'a-long-shared-secret' --retire-previous
 */
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../src/database.js';
import { setCourierSecret, useCourierSecretBox } from '../src/logistics/courier-credential.service.js';
import { secretsKeyBytes } from '../src/platform/config.js';
import { secretBox } from '../src/platform/secret-box.js';

const args = process.argv.slice(2);
const courier = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--secret');
const secretAt = args.indexOf('--secret');
const secret = secretAt >= 0 ? args[secretAt + 1] : undefined;
const url = process.env.DATABASE_URL;
if (!courier || !url) {
  console.error('usage: DATABASE_URL=postgres://… npm run courier:secret -- <courier-code> [--secret <at least 16 characters>] [--retire-previous]');
  process.exit(2);
}
// Secrets are stored sealed with the hub's SECRETS_KEY (issue #11).
const key = secretsKeyBytes(process.env.SECRETS_KEY ?? '');
if (!key) {
  console.error("Set SECRETS_KEY to the hub's key (32 bytes, base64 or hex): courier secrets are stored sealed with it.");
  process.exit(2);
}
useCourierSecretBox(secretBox(key));
const orm = await MikroORM.init(ormOptions(url, 2));
try {
  const value = await setCourierSecret(orm.em.fork(), courier, secret, args.includes('--retire-previous'));
  console.log(`new webhook secret of ${courier}: ${value}`);
  console.log(args.includes('--retire-previous') ? 'all earlier secrets are retired.' : 'the previous secret stays valid until the next rotation.');
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await orm.close(true);
}

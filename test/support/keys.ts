import pg from 'pg';
import { generateApiKey } from '../../src/access/api-key.token.js';

/** An API key provisioned straight into a database (for hubs started without startTestHub). */
export async function provisionKey(databaseUrl: string, role: 'ADMIN' | 'OFFICIAL' = 'ADMIN'): Promise<{ plaintext: string; keyId: string }> {
  const key = generateApiKey();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const organisation = `test-${role.toLowerCase()}-keys`;
    const kind = role === 'ADMIN' ? 'OPERATOR' : 'AGENCY';
    const {
      rows: [org],
    } = await client.query(`insert into organisation (name, kind) values ($1, $2) on conflict (name) do update set name = excluded.name returning id`, [
      organisation,
      kind,
    ]);
    await client.query(`insert into api_key (key_id, secret_hash, organisation_id, role, scopes, label) values ($1, $2, $3, $4, '{READ,WRITE}', 'test')`, [
      key.keyId,
      key.secretHash,
      org.id,
      role,
    ]);
  } finally {
    await client.end();
  }
  return { plaintext: key.plaintext, keyId: key.keyId };
}

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse, stripIgnoredCharacters, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';

/**
 * A persisted-operation manifest in Apollo's `apollo-persisted-query-manifest`
 * format (the one `@apollo/generate-persisted-query-manifest`, Apollo Router and
 * GraphOS read): each operation's id is the SHA-256 of its exact body.
 */
export interface PersistedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface PersistedManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: PersistedOperation[];
}

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256'),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

/** Lower-case hex SHA-256 of a text (UTF-8), as APQ and the manifest use. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The form two spellings of one document share: no comments, no insignificant white space. */
export function canonicalDocument(body: string): string | undefined {
  try {
    return stripIgnoredCharacters(body);
  } catch {
    return undefined;
  }
}

/**
 * The manifest of a set of documents: each must hold exactly one named
 * operation (fragments may come with it), names must be unique. Sorted by
 * name so that the committed file changes only where a document did.
 */
export function manifestOf(documents: readonly string[]): PersistedManifest {
  const byName = new Map<string, PersistedOperation>();
  for (const body of documents) {
    const operations = parse(body).definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const name = operations[0]?.name?.value;
    if (operations.length !== 1 || !name) throw new Error(`a persisted document holds exactly one named operation:\n${body}`);
    const other = byName.get(name);
    if (other && other.body !== body) throw new Error(`two different documents name their operation ${name}`);
    byName.set(name, { id: sha256(body), name, type: operations[0].operation, body });
  }
  return { format: 'apollo-persisted-query-manifest', version: 1, operations: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Reads and checks a manifest file: a wrong file stops the hub at start, naming what is wrong. */
export function loadManifest(file: string): PersistedManifest {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS_MANIFEST ${file}: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`TRUSTED_DOCUMENTS_MANIFEST ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const operation of parsed.data.operations) {
    if (sha256(operation.body) !== operation.id)
      throw new Error(`TRUSTED_DOCUMENTS_MANIFEST ${file}: the id of ${operation.name} is not the SHA-256 of its body`);
  }
  return parsed.data as PersistedManifest;
}

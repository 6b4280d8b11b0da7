import { exampleQueries } from '../../src/http/graphiql/example-queries.js';
import { dashboardOperations } from '../../dashboard/src/operations.js';
import { manifestOf, type PersistedManifest } from '../../src/trusted-documents/manifest.js';
import { projectPath } from '../../src/platform/paths.js';

/** Where the committed manifest lives (the hub's default TRUSTED_DOCUMENTS_MANIFEST). */
export const MANIFEST_FILE = projectPath('schema', 'persisted-operations.json');

/** The documents the hub's own clients send: the dashboard's and GraphiQL's example tabs. */
export function trustedDocumentSources(): string[] {
  return [...dashboardOperations, ...exampleQueries.map((tab) => tab.query)];
}

/** The manifest as it should be now, and its file text. */
export function currentManifest(): { manifest: PersistedManifest; text: string } {
  const manifest = manifestOf(trustedDocumentSources());
  return { manifest, text: `${JSON.stringify(manifest, null, 2)}\n` };
}

/**
 * Writes schema/persisted-operations.json, the trusted documents of the hub's
 * own clients (dashboard + GraphiQL examples), in Apollo's persisted-query
 * manifest format. `--check` only says whether the committed file is current.
 *
 *   npm run documents:generate          # after changing a dashboard or GraphiQL document
 *   npm run documents:generate -- --check
 */
import fs from 'node:fs';
import { MANIFEST_FILE, currentManifest } from './lib/trusted-document-sources.js';

const { manifest, text } = currentManifest();
const committed = fs.existsSync(MANIFEST_FILE) ? fs.readFileSync(MANIFEST_FILE, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (committed !== text) {
    console.error(`${MANIFEST_FILE} is out of date: run npm run documents:generate`);
    process.exit(1);
  }
  console.log(`${MANIFEST_FILE}: ${manifest.operations.length} operations, current`);
} else {
  fs.writeFileSync(MANIFEST_FILE, text);
  console.log(`${MANIFEST_FILE}: ${manifest.operations.length} operations${committed === text ? ' (unchanged)' : ''}`);
}

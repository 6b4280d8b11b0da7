import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const OUT = path.resolve('dist/dashboard');
const LOCK = path.resolve('dist/.dashboard-build.lock');
/** Written into the bundle folder (dot file: express.static does not serve it) to say which test run built it. */
const STAMP = path.join(OUT, '.built-for-test-run');

/**
 * Builds the dashboard bundle the hub serves at /dashboard (as `npm run build`
 * does), once per `npm test` run: browser test files run in parallel workers
 * and would otherwise empty dist/dashboard under each other's feet. A lock
 * folder serialises the builds; the stamp (the run's template database name)
 * lets the second worker reuse the first one's bundle.
 */
export async function buildDashboardOnce(): Promise<void> {
  const run = process.env.TEST_TEMPLATE_DB ?? String(process.pid);
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch {
      // A lock left by a killed run (older than a build can take) is taken over.
      const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 180_000) fs.rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === run) return;
    execFileSync(path.resolve('node_modules/.bin/vite'), ['build', '--config', 'dashboard/vite.config.ts', '--logLevel', 'error'], { stdio: 'inherit' });
    fs.writeFileSync(STAMP, run);
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

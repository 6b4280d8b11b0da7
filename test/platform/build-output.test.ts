import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm start` runs the compiled `dist/`, not the sources: whatever the hub
 * reads from disk next to its code (the catalogue's CSV files) must be there
 * too. On a fresh clone the first README command once stopped with ENOENT
 * dist/seeds/catalogue/classes.csv because the build compiled the TypeScript
 * and left the data behind.
 */
it("the build's swc step puts the catalogue data beside the compiled seeds, where the compiled catalogue looks for it", async () => {
  const scripts = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
  const swc = scripts.build.split('&&')[0].trim();
  expect(swc).toMatch(/^swc /);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-build-'));
  try {
    execSync(swc.replace(/-d dist\b/, `-d ${out}`).replace(/^swc /, `${path.resolve('node_modules/.bin/swc')} `), { stdio: 'inherit' });
    const csvs = fs.readdirSync('seeds/catalogue').filter((f) => f.endsWith('.csv'));
    expect(csvs.length).toBeGreaterThan(0);
    for (const file of csvs) expect(fs.existsSync(path.join(out, 'seeds/catalogue', file))).toBe(true);
    const compiled = fs.readFileSync(path.join(out, 'seeds/catalog.data.js'), 'utf8');
    expect(compiled).toContain('./catalogue/');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

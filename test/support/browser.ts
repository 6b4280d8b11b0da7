import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { announceSkip } from './skip.js';

/** Debian's chromium (apt-get install chromium); npm cannot download browsers on our machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/**
 * `describe` when Chromium is installed; otherwise the block is skipped and the reason printed once.
 * CI sets REQUIRE_CHROMIUM=1 (.ci/run installs it): there a missing browser fails the run instead.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (hasChromium) return describe(name, body);
  if (process.env.REQUIRE_CHROMIUM === '1') {
    return describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`);
      });
    });
  }
  announceSkip(`skipping "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  // Skipped on purpose: a machine without Chromium cannot run browser tests (CI installs it; see .ci/run).
  describe.skip(name, body);
}

/** The flags our closed network needs: no sandbox in containers, nothing fetched behind the page's back. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium with those flags (Playwright gives it a fresh profile). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * Lets the page reach `origin` only; every other request is aborted and
 * recorded, so a test can assert that nothing was loaded from a CDN.
 */
export async function onlyOrigin(page: Page, origin: string): Promise<string[]> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

/** Saves a screenshot under test-artifacts/ (gitignored; CI keeps it). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = path.resolve('test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

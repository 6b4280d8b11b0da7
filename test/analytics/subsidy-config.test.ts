import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/platform/config.js';
import { DEFAULT_SUBSIDY_CONFIG, loadSubsidyConfig, parseSubsidyConfig } from '../../src/analytics/subsidy-config.js';
import { startTestHub } from '../support/test-hub.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-subsidy-config-'));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('subsidy configuration', () => {
  it('has documented defaults: 1.0 yuan upstream and 0.4 downstream for 2025 and 2026', () => {
    expect(loadSubsidyConfig(undefined)).toBe(DEFAULT_SUBSIDY_CONFIG);
    expect(DEFAULT_SUBSIDY_CONFIG.rates['2026']).toEqual({ UPSTREAM: 1, DOWNSTREAM: 0.4 });
    expect(DEFAULT_SUBSIDY_CONFIG).toMatchObject({ minWeightKg: 0.05, maxWeightKg: 50, maxParcelsPerPhonePerDay: 5, minTransitHours: { otherProvince: 10 } });
  });

  it('refuses a downstream rate above 0.5 yuan and names every bad field', () => {
    expect(() => parseSubsidyConfig({ rates: { '2026': { UPSTREAM: 1, DOWNSTREAM: 0.6 }, '26': { UPSTREAM: 1, DOWNSTREAM: 0.1 } }, maxWeightKg: -1 })).toThrow(
      ConfigError,
    );
    try {
      parseSubsidyConfig({ rates: { '2026': { UPSTREAM: 1, DOWNSTREAM: 0.6 } }, maxWeightKg: -1 });
    } catch (error) {
      const issues = (error as ConfigError).issues.join('\n');
      expect(issues).toContain('rates.2026.DOWNSTREAM: the downstream subsidy is at most 0.5 yuan per parcel on average');
      expect(issues).toContain('maxWeightKg');
    }
  });

  it('reads a JSON file and says which file is wrong', () => {
    const good = write('good.json', { rates: { '2027': { UPSTREAM: 0.8, DOWNSTREAM: 0.3 } }, maxParcelsPerPhonePerDay: 3 });
    expect(loadSubsidyConfig(good)).toMatchObject({ rates: { '2027': { UPSTREAM: 0.8, DOWNSTREAM: 0.3 } }, maxParcelsPerPhonePerDay: 3, minWeightKg: 0.05 });
    expect(() => loadSubsidyConfig(write('broken.json', '{ rates: '))).toThrow(/SUBSIDY_CONFIG_FILE: cannot read .*broken\.json/);
    expect(() => loadSubsidyConfig(path.join(dir, 'missing.json'))).toThrow(ConfigError);
  });

  it('is what the hub applies, and a bad file stops the hub at start', async () => {
    const file = write('hub.json', { rates: { '2026': { UPSTREAM: 2.5, DOWNSTREAM: 0.5 } } });
    const t = await startTestHub({ SUBSIDY_CONFIG_FILE: file });
    try {
      const res = await t.gql(`{ subsidyReport(county: "140821", month: "2026-06") { rates { upstream downstream } } }`);
      expect(res.data.subsidyReport.rates).toEqual({ upstream: 2.5, downstream: 0.5 });
      const unconfigured = await t.gql(`{ subsidyReport(county: "140821", month: "2025-06") { totalAmount } }`);
      expect(unconfigured.errors![0].message).toContain('No subsidy rates are configured for 2025 (configured: 2026');
    } finally {
      await t.close();
    }
    await expect(startTestHub({ SUBSIDY_CONFIG_FILE: write('bad.json', { rates: { '2026': { UPSTREAM: 1, DOWNSTREAM: 0.9 } } }) })).rejects.toThrow(
      ConfigError,
    );
  });
});

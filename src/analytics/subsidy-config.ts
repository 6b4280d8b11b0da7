import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../platform/config.js';

/**
 * Subsidy rates and fraud-check thresholds (issue #7, DOMAIN.md "Subsidies").
 * Rates are set per year and direction by the provincial policy; the
 * downstream rate is capped at 0.5 yuan per parcel ("平均每件不超过0.5元").
 */
const rate = z.number().min(0).max(20);
const schema = z.object({
  /** Yuan per eligible parcel, by year (`"2026"`) and direction. */
  rates: z.record(
    z.string().regex(/^\d{4}$/, 'years are written as "2026"'),
    z.object({
      UPSTREAM: rate,
      DOWNSTREAM: rate.max(0.5, 'the downstream subsidy is at most 0.5 yuan per parcel on average'),
    }),
  ),
  /** Parcels lighter or heavier than this are flagged WEIGHT_OUT_OF_RANGE (a missing weight too). */
  minWeightKg: z.number().min(0).default(0.05),
  maxWeightKg: z.number().positive().default(50),
  /** More parcels than this to one phone on one day flags all of them. */
  maxParcelsPerPhonePerDay: z.number().int().min(1).default(5),
  /**
   * Least plausible hours between the pickup and the delivery scan, by how far
   * apart origin and destination are. Regions carry no coordinates, so the
   * distance class comes from the region codes: same township, county, city,
   * province, or another province.
   */
  minTransitHours: z
    .object({
      sameTownship: z.number().min(0).default(0.5),
      sameCounty: z.number().min(0).default(1),
      sameCity: z.number().min(0).default(2),
      sameProvince: z.number().min(0).default(4),
      otherProvince: z.number().min(0).default(10),
    })
    .prefault({}),
});

export type SubsidyConfig = z.infer<typeof schema>;

/** The rates in force unless SUBSIDY_CONFIG_FILE says otherwise (documented in the README). */
export const DEFAULT_SUBSIDY_CONFIG: SubsidyConfig = schema.parse({
  rates: {
    '2025': { UPSTREAM: 1.0, DOWNSTREAM: 0.4 },
    '2026': { UPSTREAM: 1.0, DOWNSTREAM: 0.4 },
  },
});

/** Validates a subsidy configuration, naming every bad field. */
export function parseSubsidyConfig(value: unknown, source = 'subsidy configuration'): SubsidyConfig {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** Reads SUBSIDY_CONFIG_FILE (JSON) or returns the defaults. */
export function loadSubsidyConfig(file?: string): SubsidyConfig {
  if (!file) return DEFAULT_SUBSIDY_CONFIG;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`SUBSIDY_CONFIG_FILE: cannot read ${file}: ${(error as Error).message}`]);
  }
  return parseSubsidyConfig(json, `SUBSIDY_CONFIG_FILE ${file}`);
}

let current: SubsidyConfig = DEFAULT_SUBSIDY_CONFIG;

/** Sets the configuration in force; called once by the composition root (src/app.ts). */
export function useSubsidyConfig(config: SubsidyConfig): void {
  current = config;
}

/** The configuration in force. */
export function subsidyConfig(): SubsidyConfig {
  return current;
}

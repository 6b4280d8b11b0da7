import { registerEnumType } from 'type-graphql';

/** Administrative level, by the length of the official code (GB/T 2260 and the statistical codes). */
export enum RegionLevel {
  PROVINCE = 'PROVINCE',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
  TOWNSHIP = 'TOWNSHIP',
  VILLAGE = 'VILLAGE',
}

registerEnumType(RegionLevel, {
  name: 'RegionLevel',
  description: 'Administrative level: province (2-digit code), city (4), county (6), township (9), village (12).',
});

const LEVEL_BY_LENGTH: Record<number, RegionLevel> = {
  2: RegionLevel.PROVINCE,
  4: RegionLevel.CITY,
  6: RegionLevel.COUNTY,
  9: RegionLevel.TOWNSHIP,
  12: RegionLevel.VILLAGE,
};

/** Level of a code by its length, or undefined for a malformed code. */
export function levelOfCode(code: string): RegionLevel | undefined {
  return /^\d+$/.test(code) ? LEVEL_BY_LENGTH[code.length] : undefined;
}

/**
 * Shortens a 12-digit statistical code padded with zeros (as couriers send it,
 * e.g. Kuaidi100's `CN140121000000`) to the code of the level it denotes.
 */
export function canonicalRegionCode(raw: string): string | undefined {
  const digits = raw.replace(/^CN/i, '');
  if (!/^\d{2,12}$/.test(digits)) return undefined;
  if (digits.length !== 12) return levelOfCode(digits) ? digits : undefined;
  for (const [len, zeros] of [
    [2, 10],
    [4, 8],
    [6, 6],
    [9, 3],
  ] as const) {
    if (digits.slice(len) === '0'.repeat(zeros)) return digits.slice(0, len);
  }
  return digits;
}

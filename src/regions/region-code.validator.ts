import { Matches } from 'class-validator';

/** 2, 4, 6, 9 or 12 digits: province, city, county, township or village. */
export const REGION_CODE_PATTERN = /^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$/;

/** Marks an argument or input field as an administrative region code. */
export const IsRegionCode = () => Matches(REGION_CODE_PATTERN, { message: 'must be a region code of 2, 4, 6, 9 or 12 digits (e.g. "14", "140121")' });

/**
 * SQL condition "column is in the subtree of `code`". Codes are hierarchical
 * prefixes and each column has a varchar_pattern_ops index, so this is an
 * index range scan. `code` must already be validated by IsRegionCode.
 */
export function inSubtree(column: string, code: string): [string, string[]] {
  return [`${column} like ?`, [`${code}%`]];
}

import type { MatchOutcome } from './product-matcher.js';

/**
 * Measuring entity resolution on a real price list against a labelled gold
 * set (issue #14): recall is the share of the list's rows matched to a
 * product, precision the share of matched rows matched to the product the
 * gold set says. A gold label `REVIEW` says a name is genuinely ambiguous: the
 * right outcome is the review queue, and a match counts as wrong.
 */

/** The label of a name that must go to review rather than to a product. */
export const REVIEW = 'REVIEW';

export interface ListRow {
  name: string;
  /** How many rows of the list carry the name. */
  rows: number;
  /** The list's own category or section for these rows (`水果`, `干鲜`), when it has such a column. */
  category?: string;
}

export interface GoldLabel {
  list: string;
  name: string;
  rows: number;
  /** Product code, or REVIEW. */
  expected: string;
  note?: string;
}

export interface NameOutcome {
  name: string;
  rows: number;
  matched?: string;
  expected?: string;
  evidence?: string;
  suggestion?: string;
}

export interface MatchReport {
  names: number;
  rows: number;
  matchedRows: number;
  /** Matched rows whose name has a gold label. */
  labelledMatchedRows: number;
  correctRows: number;
  /** Rows matched / rows. */
  recall: number;
  /** Correct / labelled matched rows. */
  precision: number;
  /** Rows whose name the gold set does not label (their matches are not judged). */
  unlabelledRows: number;
  /** Rows the gold set labels REVIEW: names that do not say which product (the right outcome is the review queue). */
  reviewRows: number;
  /** Matched rows among the rows the gold set labels with a product. */
  matchedProductRows: number;
  /** Rows matched / rows the gold set labels with a product (the share of what could be matched that was). */
  productRecall: number;
  wrong: NameOutcome[];
  unmatched: NameOutcome[];
}

/** Adds up rows by name (a list repeats names), and by category when the list has one. */
export function rowsByName(rows: Iterable<ListRow>): ListRow[] {
  const byName = new Map<string, ListRow>();
  for (const r of rows) {
    const key = `${r.name}\u0000${r.category ?? ''}`;
    const seen = byName.get(key);
    if (seen) seen.rows += r.rows;
    else byName.set(key, { ...r });
  }
  return [...byName.values()];
}

/** Evaluates `match` over a list's names against the gold labels of that list. */
export function evaluate(
  list: readonly ListRow[],
  gold: ReadonlyMap<string, GoldLabel>,
  match: (name: string, category?: string) => MatchOutcome,
): MatchReport {
  const report: MatchReport = {
    names: list.length,
    rows: 0,
    matchedRows: 0,
    labelledMatchedRows: 0,
    correctRows: 0,
    recall: 0,
    precision: 0,
    unlabelledRows: 0,
    reviewRows: 0,
    matchedProductRows: 0,
    productRecall: 0,
    wrong: [],
    unmatched: [],
  };
  for (const { name, rows, category } of list) {
    report.rows += rows;
    const outcome = match(name, category);
    const label = gold.get(name);
    if (!label) report.unlabelledRows += rows;
    if (label?.expected === REVIEW) report.reviewRows += rows;
    if (outcome.match && label && label.expected !== REVIEW) report.matchedProductRows += rows;
    if (!outcome.match) {
      report.unmatched.push({
        name,
        rows,
        expected: label?.expected,
        suggestion: outcome.suggestion ? `${outcome.suggestion.productCode} (${outcome.suggestion.evidence})` : undefined,
      });
      continue;
    }
    report.matchedRows += rows;
    if (!label) continue;
    report.labelledMatchedRows += rows;
    if (label.expected === outcome.match.productCode) report.correctRows += rows;
    else report.wrong.push({ name, rows, matched: outcome.match.productCode, expected: label.expected, evidence: outcome.match.evidence });
  }
  report.recall = report.rows ? report.matchedRows / report.rows : 0;
  report.precision = report.labelledMatchedRows ? report.correctRows / report.labelledMatchedRows : 1;
  const productRows = report.rows - report.unlabelledRows - report.reviewRows;
  report.productRecall = productRows ? report.matchedProductRows / productRows : 0;
  report.wrong.sort((a, b) => b.rows - a.rows);
  report.unmatched.sort((a, b) => b.rows - a.rows);
  return report;
}

/** Percent with one decimal, rounded down, so that a reported 95.0 % is never really 94.96 %. */
export function percent(share: number): string {
  return `${(Math.floor(share * 1000) / 10).toFixed(1)} %`;
}

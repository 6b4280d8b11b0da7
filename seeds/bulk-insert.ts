/**
 * The seeds write through the hub's one bulk writer (src/ingest/bulk-insert.ts),
 * the same module the ingest pipeline uses.
 */
export { insertIgnoringConflicts, type SqlValue } from '../src/ingest/bulk-insert.js';

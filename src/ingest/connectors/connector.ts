import type { z } from 'zod';
import type { Logger } from '../../platform/logger.js';
import type { CanonicalRecordInput, MappingFailure } from '../records.js';

/**
 * The one connector interface. A connector is a folder `connectors/<name>/`
 * whose `manifest.ts` default-exports a {@link ConnectorManifest}; it imports
 * only this ingest API (src/ingest/...) and its own helpers. The hub finds
 * connectors through configuration (`CONNECTORS`), never by importing one.
 * See connectors/README.md.
 */

/** pull: the hub reads on a schedule from a cursor; push: the source (or an operator) hands payloads in. */
export type ConnectorKind = 'pull' | 'push';

/** A source record as read, before mapping, and where it was. */
export interface SourceRecord {
  /** The record as the source gave it (a CSV row as an object, a JSON item...): kept verbatim when rejected. */
  raw: unknown;
  /** Where in the source: `file.csv:1234`, `GET /listings page 3 item 7`. */
  position: string;
  /** Field path of the record inside its payload (`events[3]`): prefixes the field a refusal names. */
  path?: string;
  /** What makes a refused record the same one again, with its raw input (see `Rejection.identity`); default: `position`. */
  identity?: string;
}

/** A batch read by a reader, and the cursor to save once the batch is stored. */
export interface ReadBatch {
  records: SourceRecord[];
  /** The reader's cursor or watermark after this batch; saved in the batch's transaction. Undefined: unchanged. */
  cursor?: unknown;
  /** Rows the reader expects in all (for progress), when it knows. */
  total?: number;
  /**
   * The column names of the table the records come from (a file's header row, the fields of a JSON page), when
   * there is one: a connector with `mapperFor` places its columns once per header instead of per row.
   */
  header?: readonly string[];
}

/** What a reader gets. */
export interface ReaderContext<Config> {
  config: Config;
  /** The cursor saved after the last stored batch, or null on a first run. */
  cursor: unknown;
  /** Run options from the CLI or a mutation: a file to read instead of the configured source. */
  options: RunOptions;
  log: Logger;
  /** Aborted when the hub stops or the run is cancelled. */
  signal: AbortSignal;
}

export interface RunOptions {
  /** Read this file (or folder) instead of the configured source. */
  file?: string;
  /** A push connector's payload (a courier's parsed push body, a mutation's input). */
  payload?: unknown;
}

/** A record of a kind of fact registered by another area (e.g. `tracking`), before validation. */
export type FactRecordInput = { kind: string } & Record<string, unknown>;

/** What a mapper hands the pipeline: canonical records (validated by their kind), or refusals. */
export type MappedRecord = CanonicalRecordInput | FactRecordInput | MappingFailure;

/** Maps one source record to canonical records, or refuses it with a reason. */
export type Mapper<Config> = (raw: unknown, config: Config) => MappedRecord | MappedRecord[];

/**
 * Makes the mapper for one table from its header (and its first batch, `sample`), once per file: a connector whose
 * sources name their columns in many ways places them here rather than per row. Throwing refuses the whole table
 * (nothing of it stored; the run fails with the message).
 */
export type MapperFor<Config> = (header: readonly string[], config: Config, sample: readonly SourceRecord[]) => (raw: unknown) => MappedRecord | MappedRecord[];

/** A source a pull connector refused whole and skips until it changes (a price list whose columns cannot be placed). */
export interface RefusedSource {
  /** The file (or URL) as the connector reads it. */
  path: string;
  /** Why, as the run's log said it: what could not be placed and the setting that fixes it. */
  reason: string;
  /** When it was refused (ISO 8601); unknown for a refusal saved before it was kept. */
  refusedAt?: string;
}

/** A connector: manifest, reader and mapper. */
export interface ConnectorManifest<Config = unknown> {
  /** Module name, the folder name: `wholesale-prices`. */
  name: string;
  kind: ConnectorKind;
  description: string;
  /** Default schedule: run every `intervalSeconds` (pull connectors); a connector's config may override it. */
  schedule?: { intervalSeconds: number };
  /** Typed configuration, validated when the connector is loaded. */
  config: z.ZodType<Config>;
  /** Reads records after `ctx.cursor`, in batches (pull connectors; push connectors read the payload they were given). */
  read(ctx: ReaderContext<Config>): AsyncIterable<ReadBatch>;
  /** Source record -> canonical records (a record read without its table's header: a replay, a push). */
  map: Mapper<Config>;
  /** Source record -> canonical records for a batch that carries its table's `header`: see {@link MapperFor}. */
  mapperFor?: MapperFor<Config>;
  /**
   * The sources the reader refused whole and now skips, read from its saved cursor (the cursor's shape is the
   * reader's own): shown to operators as the connector's `refusedFiles`, so that a skipped file is not only a line
   * in the log. Absent: the connector refuses nothing whole.
   */
  refusals?(cursor: unknown): RefusedSource[];
  /**
   * Whose data the connector brings, when a firm's keys may see what was refused (issue #11): e.g.
   * `platform:taobao` for a platform's own listings and sales. Absent: ADMIN only.
   */
  submitter?(config: Config): string | undefined;
}

/** Declares a connector manifest with its config type inferred. */
export function defineConnector<Config>(manifest: ConnectorManifest<Config>): ConnectorManifest<Config> {
  return manifest;
}

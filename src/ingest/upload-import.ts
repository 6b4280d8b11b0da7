import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GraphQLError } from 'graphql';
import { describeBytes } from '../platform/bytes.js';
import { BadUserInputError } from '../platform/errors.js';
import type { RunResult } from './connectors/connector-runner.js';
import type { IngestRuntime } from './ingest-runtime.js';
import type { BatchResult } from './pipeline.js';
import { detectCsvEncoding, formatOf, UnreadableEncodingError } from './tabular-file.js';
import { checkXlsxArchive, UnsafeArchiveError } from './zip-guard.js';

/** Rejections an upload answers with; the rest are in the rejected store (`rejectedRecords`). */
export const UPLOAD_REJECTIONS_SHOWN = 200;

/** A file larger than UPLOAD_MAX_BYTES (HTTP 413). */
export class PayloadTooLargeError extends GraphQLError {
  constructor(limitBytes: number) {
    super(`The file is larger than the upload limit of ${describeBytes(limitBytes)} (UPLOAD_MAX_BYTES); nothing was imported.`, {
      extensions: { code: 'PAYLOAD_TOO_LARGE', limit: limitBytes, http: { status: 413 } },
    });
  }
}

/**
 * An uploaded file the hub cannot read (issue #11): text in no encoding it
 * decodes (415), or an XLSX that is a zip bomb, truncated or corrupt (400).
 * Refused before a row is read, so nothing of it is stored.
 */
export class UnreadableFileError extends GraphQLError {
  constructor(message: string, status: 400 | 415) {
    super(message, { extensions: { code: status === 415 ? 'UNSUPPORTED_ENCODING' : 'UNREADABLE_FILE', argumentName: 'file', http: { status } } });
  }
}

/** Refuses an uploaded file the readers would fail on, before the run starts: see {@link UnreadableFileError}. @internal */
async function checkReadable(file: string): Promise<void> {
  try {
    const format = formatOf(file);
    if (format === 'csv') await detectCsvEncoding(file);
    else if (format === 'xlsx') await checkXlsxArchive(file);
  } catch (error) {
    if (error instanceof UnreadableEncodingError) throw new UnreadableFileError(error.message, 415);
    if (error instanceof UnsafeArchiveError) throw new UnreadableFileError(error.message, 400);
    throw error;
  }
}

/** One refused row of an upload: where, which field, why. */
export interface UploadRejection {
  position?: string | null;
  field?: string | null;
  reason: string;
}

/** A product name of the upload that matched no catalogue entry, and how many stored rows carried it. */
export interface UploadUnmatchedName {
  name: string;
  rows: number;
}

/** What an upload did: the run (counts, status), and the refused rows and unmatched names of this upload only. */
export interface UploadImportResult {
  run: RunResult;
  fileName: string;
  /** Bytes received (uploads only). */
  bytes?: number;
  /** The first {@link UPLOAD_REJECTIONS_SHOWN} refused rows, in file order. */
  rejections: UploadRejection[];
  unmatchedNames: UploadUnmatchedName[];
}

export interface UploadedFile {
  /** The name the client gave; only its last segment is used, for the format and the rows' positions. */
  filename: string;
  /** The bytes, streamed. */
  stream: Readable;
}

/** A file name safe to create inside our own temporary folder, keeping the extension. @internal */
function safeName(filename: string): string {
  const base = path.basename(filename.replaceAll('\\', '/')).normalize('NFC');
  const cleaned = base
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^\.+/, '')
    .slice(-120);
  return cleaned || 'upload';
}

/** Runs `connector` on a file, keeping this run's refused rows and unmatched names. @internal */
async function runCollecting(
  ingest: IngestRuntime,
  connector: string,
  file: string,
): Promise<Pick<UploadImportResult, 'run' | 'rejections' | 'unmatchedNames'>> {
  const rejections: UploadRejection[] = [];
  const unmatched = new Map<string, number>();
  const onBatch = (result: BatchResult) => {
    for (const r of result.rejections) {
      if (rejections.length >= UPLOAD_REJECTIONS_SHOWN) break;
      rejections.push({ position: r.position, field: r.field, reason: r.reason });
    }
    // Stored rows without a product are the ones whose name went to the review queue.
    for (const rows of Object.values(result.rows)) {
      for (const row of rows) {
        if (row.product_id != null || row.raw_name == null) continue;
        const name = String(row.raw_name);
        unmatched.set(name, (unmatched.get(name) ?? 0) + 1);
      }
    }
  };
  const run = await ingest.run(connector, { file, onBatch });
  const unmatchedNames = [...unmatched].map(([name, rows]) => ({ name, rows })).sort((a, b) => b.rows - a.rows || a.name.localeCompare(b.name));
  return { run, rejections, unmatchedNames };
}

/**
 * Imports one spreadsheet through a push connector (issue #15). An upload's
 * bytes are streamed to a private temporary file (never held whole in memory;
 * at most `maxBytes`), read by the same tabular-file reader as a path on
 * the hub's disk, then removed. Answers with the run's counts and this
 * import's refused rows and unmatched names.
 */
export async function importSpreadsheetFile(
  ingest: IngestRuntime,
  connector: string,
  source: UploadedFile | { path: string },
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<UploadImportResult> {
  if ('path' in source) return { ...(await runCollecting(ingest, connector, source.path)), fileName: path.basename(source.path) };
  // The upload can fail at any moment (graphql-upload cuts it at UPLOAD_MAX_BYTES, the client goes away), also while
  // nothing pipes it yet (a refused name, the await below): an 'error' with no listener would end the hub's process.
  let failure: unknown;
  source.stream.on('error', (error) => {
    failure ??= error;
  });
  const fileName = safeName(source.filename);
  if (!formatOf(fileName)) {
    source.stream.resume();
    throw new BadUserInputError(`"${source.filename}" is not a spreadsheet the hub reads: expected a .csv, .xlsx or .json file.`, 'file');
  }
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hub-upload-'));
  try {
    const target = path.join(dir, fileName);
    let bytes = 0;
    // graphql-upload cuts the file at the same limit (its stream then fails with status 413); this counts for ourselves too.
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(bytes > maxBytes ? new PayloadTooLargeError(maxBytes) : null, chunk);
      },
    });
    try {
      await pipeline(source.stream, counter, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    } catch (error) {
      const cause = failure ?? error;
      if (cause instanceof PayloadTooLargeError || (cause as { status?: number }).status === 413) throw new PayloadTooLargeError(maxBytes);
      throw cause;
    }
    await checkReadable(target);
    return { ...(await runCollecting(ingest, connector, target)), fileName, bytes };
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

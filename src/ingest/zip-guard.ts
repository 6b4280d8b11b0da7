import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * A guard against hostile XLSX files (issue #11), run before ExcelJS sees
 * the file: ExcelJS (through JSZip) inflates every part into memory without
 * a bound, so a 200 kB "zip bomb" would expand to gigabytes inside the hub.
 * The guard reads the ZIP's central directory, refuses more than
 * {@link XLSX_MAX_ENTRIES} parts or more than {@link XLSX_MAX_UNCOMPRESSED_BYTES}
 * declared in total, and then inflates each part with `maxOutputLength` set to
 * its declared size, so a part whose header lies about its size is refused
 * too. Truncated or corrupt archives are refused here with a sentence, not
 * thrown from deep inside JSZip. ZIP64 (parts over 4 GiB) is never an
 * officials' sheet and is refused.
 */

/** Most bytes an XLSX may expand to, all parts together. @default 100 MiB */
export const XLSX_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024;
/** Most parts (files) in an XLSX archive. @default 10,000 */
export const XLSX_MAX_ENTRIES = 10_000;

/** An archive the hub will not open: a bomb, truncated, corrupt, or not a ZIP at all. */
export class UnsafeArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeArchiveError';
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Refuses `file` unless it is a well-formed ZIP within the limits; see the module comment. */
export async function checkXlsxArchive(file: string, limits = { maxBytes: XLSX_MAX_UNCOMPRESSED_BYTES, maxEntries: XLSX_MAX_ENTRIES }): Promise<void> {
  const name = path.basename(file);
  const buf = await fs.readFile(file);
  const corrupt = (why: string) => new UnsafeArchiveError(`${name}: not a readable XLSX file (${why}); nothing was imported.`);
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no ZIP directory: truncated, or not an XLSX');
  const entries = buf.readUInt16LE(eocd + 10);
  const directorySize = buf.readUInt32LE(eocd + 12);
  const directoryOffset = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || directoryOffset === 0xffffffff) throw corrupt('ZIP64 archive');
  if (entries > limits.maxEntries)
    throw new UnsafeArchiveError(`${name}: ${entries} parts in the archive, at most ${limits.maxEntries}; nothing was imported.`);
  if (directoryOffset + directorySize > eocd) throw corrupt('directory outside the file');
  let at = directoryOffset;
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > eocd || buf.readUInt32LE(at) !== CENTRAL) throw corrupt('broken directory');
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const local = buf.readUInt32LE(at + 42);
    const next = at + 46 + buf.readUInt16LE(at + 28) + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    total += size;
    if (total > limits.maxBytes) throw new UnsafeArchiveError(`${name}: expands to more than ${limits.maxBytes} bytes (a "zip bomb"?); nothing was imported.`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw corrupt('broken part header');
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) throw corrupt('a part is cut off');
    const data = buf.subarray(start, start + compressed);
    if (method === 0) {
      if (compressed !== size) throw corrupt('a stored part has two sizes');
    } else if (method === 8) {
      let inflated: Buffer;
      try {
        // One byte more than declared: a part that inflates beyond its declared size fails here, bounded.
        inflated = zlib.inflateRawSync(data, { maxOutputLength: size + 1 });
      } catch {
        throw new UnsafeArchiveError(`${name}: a part is corrupt or expands beyond its declared size (a "zip bomb"?); nothing was imported.`);
      }
      if (inflated.length !== size) throw corrupt('a part does not match its declared size');
    } else {
      throw corrupt(`compression method ${method}`);
    }
    at = next;
  }
}

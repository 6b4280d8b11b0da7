import { applyMask } from '../policy/masking.js';
import { toGlobalId } from '../relay/global-id.js';
import type { AccessRecord } from '../policy/access-record.js';
import type { DataClass } from '../policy/role.js';
import { PK, type Shape } from './compile.js';
import { isoTimeOf } from './json-time.js';

/** What the walk saw, applied to the access record only when the compiled response is sent. */
interface Noted {
  rows: object[];
  classified: [name: string, level: DataClass, row: object, personal: boolean][];
  refs: Map<string, object>;
}

/**
 * JSON that cannot be the response: a null where the schema says non-null (a row gone between two reads), a time
 * isoTimeOf does not read. graphql-js answers instead (with its error, if any).
 */
class NotAnswerable extends Error {}

/**
 * Finishes the statement's JSON in place: global IDs, enum names, masks of
 * classified fields (the field policy's functions and decision), and the
 * access record's notes, in the order graphql-js would complete the fields.
 * Returns false when the JSON cannot be the response (a null in a non-null
 * field, a time in a form not read); the access record is then left untouched.
 */
export function finish(data: Record<string, unknown>, shape: Shape, record: AccessRecord): boolean {
  const noted: Noted = { rows: [], classified: [], refs: new Map() };
  try {
    walk(data, shape, noted);
  } catch (error) {
    if (error instanceof NotAnswerable) return false;
    throw error;
  }
  for (const row of noted.rows) record.row(row);
  for (const [name, level, row, personal] of noted.classified) record.classified(name, level, row, personal);
  return true;
}

function notAnswerable(): never {
  throw new NotAnswerable();
}

function walk(object: Record<string, unknown>, shape: Shape, noted: Noted): void {
  let identity: object = object;
  if (shape.identity) {
    // One object per key, as the request's DataLoader hands out one object per key.
    const key = `${shape.identity}\u0000${shape.typeName}:${String(object[PK])}`;
    let known = noted.refs.get(key);
    if (!known) noted.refs.set(key, (known = {}));
    identity = known;
    // Left undefined, not deleted: JSON.stringify leaves the key out all the same, and a delete turns the object into
    // a dictionary that JSON.stringify then writes about half as fast (issue #10: ~30 µs a request on shape c).
    object[PK] = undefined;
  }
  if (shape.row) noted.rows.push(identity);
  for (const field of shape.fields) {
    const value = object[field.key];
    if (value == null) {
      if (field.nonNull) throw new NotAnswerable();
      continue;
    }
    if (field.kind === 'leaf') {
      if (field.globalIdOf) object[field.key] = toGlobalId(field.globalIdOf, String(value));
      else if (field.isoTime) object[field.key] = isoTimeOf(String(value)) ?? notAnswerable();
      else if (field.enumNames) object[field.key] = field.enumNames.get(value) ?? value;
      const classified = field.classified;
      if (classified) {
        noted.classified.push([classified.name, classified.level, identity, classified.personal]);
        if (!classified.clear) object[field.key] = applyMask(classified.mask, value);
      }
    } else if (field.kind === 'object') {
      if (field.shape.walk) walk(value as Record<string, unknown>, field.shape, noted);
    } else if (field.shape.walk) {
      for (const item of value as (Record<string, unknown> | null)[]) {
        if (item == null) throw new NotAnswerable();
        walk(item, field.shape, noted);
      }
    }
  }
}

import type { DataClass } from './role.js';

/**
 * What one operation did with classified data, filled in by the access
 * middleware while fields resolve and written to the audit trail at the end.
 */
export class AccessRecord {
  /** `Type.field` -> level, for every classified field returned. */
  readonly touched = new Map<string, DataClass>();
  #rows = new WeakSet<object>();
  #personal = new WeakSet<object>();
  rowsReturned = 0;
  personalRecords = 0;
  /** Set by resolvers of sensitive admin reads (keys, the audit log) so that they are audited too. */
  sensitive = false;

  /** Counts an object resolved in the response (once per object). */
  row(object: object): void {
    if (this.#rows.has(object)) return;
    this.#rows.add(object);
    this.rowsReturned++;
  }

  /** Notes a classified field returned on `object`. */
  classified(field: string, level: DataClass, object: unknown, personal: boolean): void {
    this.touched.set(field, level);
    if (personal && object && typeof object === 'object' && !this.#personal.has(object)) {
      this.#personal.add(object);
      this.personalRecords++;
    }
  }
}

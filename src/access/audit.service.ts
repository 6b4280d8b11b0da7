import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { AccessConfig } from '../platform/config.js';
import { raiseAlerts } from '../alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import { applyMask, maskFreeText, PERSONAL_KEYS } from '../policy/masking.js';
import type { Viewer } from '../policy/viewer.js';
import { AuditUnavailableError } from '../policy/access.errors.js';
import { auditJson, auditText, auditTextOrNull } from './audit-normalise.js';
import { AuditWriter } from './audit-writer.js';

/** A PostgreSQL text[] literal; every element quoted, quotes and backslashes escaped. @internal */
function pgTextArray(items: string[]): string {
  return `{${items.map((item) => `"${item.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** One operation to record. */
export interface AuditInput {
  viewer:
    | Pick<Viewer, 'actor' | 'credential' | 'role' | 'organisationName' | 'ip' | 'unmaskReason'>
    | { actor: string; credential: string; role: null; organisationName: null; ip: string | null; unmaskReason: null };
  transport: 'http' | 'ws' | 'hook';
  operationType: string;
  operationName?: string | null;
  /** The operation text (or the webhook path); stored as its SHA-256. */
  operationText: string;
  variables?: Record<string, unknown> | null;
  classifiedFields?: string[];
  rowsReturned?: number;
  personalRecords?: number;
  /** `OK` or the error codes. */
  outcome: string;
}

const SECRET_KEY = /pass(word)?|secret|token|api.?key|authori[sz]ation|credential|signature|^sign$|hmac|cookie|salt/i;
const SECRET_VALUE = /^(hh_[0-9a-f]{12}_|eyJ[\w-]+\.[\w-]+\.)/;

/**
 * Variables as they may be kept for six months: secrets replaced by
 * `[redacted]` (by key name or by shape: API keys, JWTs), personal values
 * masked like the API masks them: by key as in a kept record (`phone`, `收件人`…,
 * src/policy/masking.ts PERSONAL_KEYS), and every other string as free text (a
 * phone, name or address inside a scan's `description`). Free text was kept in
 * clear, so `auditLog` showed admins without an unmask reason what
 * `TrackingEvent.rawText` masks (found by probing, session 6).
 */
export function redactVariables(value: unknown, key = '', depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) || SECRET_VALUE.test(value)) return '[redacted]';
    const personal = PERSONAL_KEYS.find(([pattern]) => pattern.test(key));
    const masked = personal ? (applyMask(personal[1], value) as string) : maskFreeText(value);
    return masked.length > 500 ? `${masked.slice(0, 500)}…` : masked;
  }
  if (typeof value === 'number' && PERSONAL_KEYS.some(([pattern]) => pattern.test(key))) {
    return applyMask(PERSONAL_KEYS.find(([pattern]) => pattern.test(key))![1], String(value));
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, 50).map((v) => redactVariables(v, key, depth + 1));
    return value.length > 50 ? [...items, `… ${value.length - 50} more`] : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v != null ? '[redacted]' : redactVariables(v, k, depth + 1)]));
  }
  return value;
}

/**
 * The audit trail (issue #6): append-only rows, an hourly personal-data budget
 * per actor that raises ABNORMAL_ACCESS into the alert stream, and pruning
 * after the retention period.
 */
export class AuditService {
  private readonly writer: AuditWriter;
  /** Dedupe keys of ABNORMAL_ACCESS alerts this instance has stored or found (actor and hour). */
  private readonly raised = new Set<string>();
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly rootEm: EntityManager,
    private readonly pubSub: HubPubSub,
    private readonly config: AccessConfig['audit'],
    private readonly log: Logger,
    /** Called on every failed audit write (a metric). */
    private readonly onFailure?: () => void,
    /** Called on every statement the audit writer runs (a metric). */
    onStatement?: () => void,
  ) {
    this.writer = new AuditWriter(
      async () => (await rootEm.getConnection().getNativeClient()) as unknown as Pick<pg.Pool, 'query'>,
      (error) => log.warn({ err: (error as Error).message }, 'could not prune the personal-read counters'),
      onStatement,
    );
  }

  /**
   * Writes one row and checks the actor's personal-data reads over the last
   * hour, in the same statement (audit-writer.ts: rows of concurrent operations
   * are written together, each operation awaits its batch's commit). Every
   * value is cleaned and cut to its column first (audit-normalise.ts), so no
   * input of the caller can make the insert fail. Throws AuditUnavailableError
   * when the row (or the abnormal-access alert) could not be written: the
   * caller fails closed (issue #11).
   */
  async record(input: AuditInput): Promise<void> {
    const v = input.viewer;
    const personalRecords = Math.max(0, Math.trunc(input.personalRecords ?? 0));
    try {
      const written = await this.writer.write({
        actor: auditText(v.actor, 200),
        credential: auditText(v.credential, 16),
        role: auditTextOrNull(v.role, 16),
        organisation: auditTextOrNull(v.organisationName, 100),
        ip: auditTextOrNull(v.ip, 64),
        transport: auditText(input.transport, 8),
        operationType: auditText(input.operationType, 16),
        operationName: auditTextOrNull(input.operationName, 200),
        operationHash: this.hashOf(input.operationText),
        variables: JSON.stringify(auditJson(redactVariables(input.variables ?? {})) ?? {}),
        classifiedFields: pgTextArray((input.classifiedFields ?? []).slice(0, 500).map((f) => auditText(f, 200))),
        rowsReturned: Math.max(0, Math.trunc(input.rowsReturned ?? 0)),
        personalRecords,
        unmaskReason: v.role === 'ADMIN' && personalRecords > 0 ? auditTextOrNull(v.unmaskReason, 500) : null,
        outcome: auditText(input.outcome, 200),
      });
      // Not skippable: it runs for every row with personal records, and its failure fails the operation too.
      if (personalRecords > 0) await this.checkAbnormal(input, written.personalLastHour);
    } catch (error) {
      this.log.error({ err: (error as Error).message, actor: v.actor, operation: input.operationName?.slice(0, 200) }, 'could not write audit entry');
      this.onFailure?.();
      throw new AuditUnavailableError();
    }
  }

  /** SHA-256 of an operation text; the texts of the last operations are remembered (a client repeats the same few). */
  private hashOf(text: string): string {
    let hash = this.hashes.get(text);
    if (hash === undefined) {
      hash = createHash('sha256').update(text).digest('hex');
      if (this.hashes.size >= 1000) this.hashes.clear();
      if (text.length <= 8192) this.hashes.set(text, hash);
    }
    return hash;
  }

  /** Resolves once every audit row handed in so far is written (at shutdown). */
  flushed(): Promise<void> {
    return this.writer.flushed();
  }

  /** Like `record`, for rows whose loss must not change the answer (refusals, webhook outcomes): logs instead of throwing. */
  async recordQuietly(input: AuditInput): Promise<void> {
    await this.record(input).catch(() => undefined);
  }

  /** Raises ABNORMAL_ACCESS when the actor's personal records of the last hour (this row's included) are over the threshold. */
  private async checkAbnormal(input: AuditInput, total: number): Promise<void> {
    const threshold = this.config.personalReadsPerHour;
    if (total <= threshold) return;
    const hour = new Date().toISOString().slice(0, 13);
    const dedupeKey = `abnormal-access:${input.viewer.actor}:${hour}`;
    // The alert of this actor and hour is stored once (its dedupe key); once this instance has stored or found it,
    // asking again would change nothing.
    if (this.raised.has(dedupeKey)) return;
    await raiseAlerts(this.rootEm.fork(), this.pubSub, [
      {
        kind: AlertKind.ABNORMAL_ACCESS,
        severity: AlertSeverity.CRITICAL,
        message: `${input.viewer.actor} (${input.viewer.organisationName ?? input.viewer.credential}, ${input.viewer.role ?? 'anonymous'}) read ${total} personal records in the last hour; the threshold is ${threshold}.`,
        dedupeKey,
        details: {
          actor: input.viewer.actor,
          organisation: input.viewer.organisationName,
          role: input.viewer.role,
          personalRecords: Number(total),
          threshold,
          windowMinutes: 60,
        },
      },
    ]);
    if (this.raised.size > 10_000) this.raised.clear();
    this.raised.add(dedupeKey);
    this.log.warn({ actor: input.viewer.actor, personalRecords: Number(total), threshold }, 'abnormal access: personal-data reads over the hourly threshold');
  }
}

import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../platform/logger.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { AccessConfig } from '../platform/config.js';
import { raiseAlerts } from '../alerts/stream/alert.service.js';
import { AlertKind, AlertSeverity } from '../alerts/stream/alert-kind.js';
import { applyMask, MaskKind } from '../policy/masking.js';
import type { Viewer } from '../policy/viewer.js';

/** One operation to record. */
export interface AuditInput {
  viewer: Pick<Viewer, 'actor' | 'credential' | 'role' | 'organisationName' | 'ip' | 'unmaskReason'> | { actor: string; credential: string; role: null; organisationName: null; ip: string | null; unmaskReason: null };
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
const PERSONAL_KEY: [RegExp, MaskKind][] = [
  [/phone|mobile|tel$/i, MaskKind.PHONE],
  [/address/i, MaskKind.ADDRESS],
  [/recipient.?name|^name$|consignee|receiver/i, MaskKind.NAME],
];
const SECRET_VALUE = /^(hh_[0-9a-f]{12}_|eyJ[\w-]+\.[\w-]+\.)/;

/**
 * Variables as they may be kept for six months: secrets replaced by
 * `[redacted]` (by key name or by shape: API keys, JWTs), personal values
 * masked like the API masks them.
 */
export function redactVariables(value: unknown, key = '', depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) || SECRET_VALUE.test(value)) return '[redacted]';
    const personal = PERSONAL_KEY.find(([pattern]) => pattern.test(key));
    const masked = personal ? (applyMask(personal[1], value) as string) : value;
    return masked.length > 500 ? `${masked.slice(0, 500)}…` : masked;
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
  constructor(
    private readonly rootEm: EntityManager,
    private readonly pubSub: HubPubSub,
    private readonly config: AccessConfig['audit'],
    private readonly log: Logger,
  ) {}

  /** Writes one row; then checks the actor's personal-data reads over the last hour. Never throws (logs instead). */
  async record(input: AuditInput): Promise<void> {
    const em = this.rootEm.fork();
    const v = input.viewer;
    try {
      await em.getConnection().execute(
        `insert into audit_entry (actor, credential, role, organisation, ip, transport, operation_type, operation_name, operation_hash,
                                  variables, classified_fields, rows_returned, personal_records, unmask_reason, outcome)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::text[], ?, ?, ?, ?)`,
        [
          v.actor, v.credential, v.role, v.organisationName, v.ip, input.transport, input.operationType, input.operationName ?? null,
          createHash('sha256').update(input.operationText).digest('hex'),
          JSON.stringify(redactVariables(input.variables ?? {}) ?? {}),
          `{${(input.classifiedFields ?? []).map((f) => `"${f.replace(/"/g, '')}"`).join(',')}}`,
          input.rowsReturned ?? 0, input.personalRecords ?? 0, (v.role === 'ADMIN' && (input.personalRecords ?? 0) > 0 ? v.unmaskReason : null) ?? null,
          input.outcome.slice(0, 200),
        ],
      );
      if ((input.personalRecords ?? 0) > 0) await this.checkAbnormal(em, input);
    } catch (error) {
      // An audit failure must be loud in the logs; the response has already been computed.
      this.log.error({ err: (error as Error).message, actor: v.actor, operation: input.operationName }, 'could not write audit entry');
    }
  }

  private async checkAbnormal(em: EntityManager, input: AuditInput): Promise<void> {
    const [{ total }] = await em.getConnection().execute<{ total: string }[]>(
      `select coalesce(sum(personal_records), 0) as total from audit_entry where actor = ? and at > now() - interval '1 hour'`,
      [input.viewer.actor],
    );
    const threshold = this.config.personalReadsPerHour;
    if (Number(total) <= threshold) return;
    const hour = new Date().toISOString().slice(0, 13);
    await raiseAlerts(em, this.pubSub, [{
      kind: AlertKind.ABNORMAL_ACCESS,
      severity: AlertSeverity.CRITICAL,
      message: `${input.viewer.actor} (${input.viewer.organisationName ?? input.viewer.credential}, ${input.viewer.role ?? 'anonymous'}) read ${total} personal records in the last hour; the threshold is ${threshold}.`,
      dedupeKey: `abnormal-access:${input.viewer.actor}:${hour}`,
      details: { actor: input.viewer.actor, organisation: input.viewer.organisationName, role: input.viewer.role, personalRecords: Number(total), threshold, windowMinutes: 60 },
    }]);
    this.log.warn({ actor: input.viewer.actor, personalRecords: Number(total), threshold }, 'abnormal access: personal-data reads over the hourly threshold');
  }
}

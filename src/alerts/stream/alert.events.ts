import type { AlertKind } from './alert-kind.js';

/** Pub/sub topic of raised alerts. */
export const ALERT_RAISED = 'ALERT_RAISED';

/** What is published per stored alert: the row plus what subscribers filter on (plain JSON: it crosses Redis). */
export interface AlertRaisedEvent {
  row: Record<string, unknown>;
  kind: AlertKind;
  regionCode: string | null;
}

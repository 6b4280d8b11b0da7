import { registerEnumType } from 'type-graphql';

/** Every kind of alert in the one alert stream (courier feeds, price analytics, access control). */
export enum AlertKind {
  /** No scan for too long, or past the promised delivery time. */
  DELAYED = 'DELAYED',
  /** The courier reported an exception (damage, loss, problem parcel). */
  EXCEPTION = 'EXCEPTION',
  /** A delivery attempt failed. */
  FAILED_ATTEMPT = 'FAILED_ATTEMPT',
  /** A temperature reading outside the product's allowed range. */
  COLD_CHAIN_EXCURSION = 'COLD_CHAIN_EXCURSION',
  /** A price moved up beyond the usual band. */
  PRICE_SPIKE = 'PRICE_SPIKE',
  /** A price moved down beyond the usual band. */
  PRICE_DROP = 'PRICE_DROP',
  /** An API key read an unusual amount of personal data. */
  ABNORMAL_ACCESS = 'ABNORMAL_ACCESS',
}
registerEnumType(AlertKind, { name: 'AlertKind', description: 'What an alert is about.' });

export enum AlertSeverity {
  INFO = 'INFO',
  WARNING = 'WARNING',
  CRITICAL = 'CRITICAL',
}
registerEnumType(AlertSeverity, { name: 'AlertSeverity' });

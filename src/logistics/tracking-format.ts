import { registerEnumType } from 'type-graphql';

/** The wire format a tracking event arrived in; each has its own status mapping table. */
export enum TrackingFormat {
  /** Harvest Hub's own JSON batch (schema/courier-batch.schema.json). */
  NATIVE = 'NATIVE',
  /** Kuaidi100 push (form fields `param` + `sign`). */
  KUAIDI100 = 'KUAIDI100',
  /** AfterShip webhook (`aftership-hmac-sha256`). */
  AFTERSHIP = 'AFTERSHIP',
  /** GS1 EPCIS 2.0 document (sensor reports, cold chain). */
  EPCIS = 'EPCIS',
  /** The `ingestTrackingEvents` GraphQL mutation. */
  GRAPHQL = 'GRAPHQL',
}
registerEnumType(TrackingFormat, { name: 'TrackingFormat', description: 'Wire format a tracking event arrived in.' });

import { registerEnumType } from 'type-graphql';

/** What a caller may do (issue #6). Every API key and every JWT maps onto exactly one role. */
export enum Role {
  /** An e-commerce platform: its own listings and sales in detail, others' only in aggregate. */
  PLATFORM = 'PLATFORM',
  /** A courier firm: only its own shipments and tracking events. */
  COURIER = 'COURIER',
  /** An agriculture or postal official: reads everything (personal data masked). */
  OFFICIAL = 'OFFICIAL',
  /** Operator of the hub: manages keys, reads the audit log, may unmask personal data with a reason. */
  ADMIN = 'ADMIN',
}
registerEnumType(Role, { name: 'Role', description: 'Role of a caller: PLATFORM, COURIER, OFFICIAL or ADMIN.' });

/** Kind of organisation a key belongs to. */
export enum OrganisationKind {
  PLATFORM = 'PLATFORM',
  COURIER = 'COURIER',
  AGENCY = 'AGENCY',
  OPERATOR = 'OPERATOR',
}
registerEnumType(OrganisationKind, { name: 'OrganisationKind', description: 'Platform, courier firm, government agency or the hub operator.' });

/** What a key may do besides its role's rules: `READ` only, or `READ` and `WRITE`. */
export enum KeyScope {
  READ = 'READ',
  WRITE = 'WRITE',
}
registerEnumType(KeyScope, { name: 'KeyScope', description: 'READ: queries and subscriptions; WRITE: mutations too (still subject to the role).' });

/** Data classification (数据分类分级), shown in the schema with `@classified(level: ...)`. */
export enum DataClass {
  PUBLIC = 'PUBLIC',
  /** Business figures of one firm: amounts, asking prices, seller names. */
  COMMERCIAL = 'COMMERCIAL',
  /** Personal information (个人信息): recipients' names, phones, addresses. */
  PERSONAL = 'PERSONAL',
}
// Not registered with type-graphql: it appears in the schema through the @classified directive (classification.ts).

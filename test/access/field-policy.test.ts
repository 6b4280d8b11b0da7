import { isObjectType, type GraphQLField, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildHubSchema } from '../../src/schema.js';
import type { HubPubSub } from '../../src/platform/pubsub.js';
import type { HubContext } from '../../src/graphql/context.js';
import { classificationOf } from '../../src/policy/classification.js';
import { applyMask, MaskKind } from '../../src/policy/masking.js';
import { AccessRecord } from '../../src/policy/access-record.js';
import { DataClass, Role } from '../../src/policy/role.js';
import { anonymousViewer, type Viewer } from '../../src/policy/viewer.js';

/**
 * Issue #10: access is decided per field when the schema is built, not by a
 * middleware on every field. Masking now lives in the classified fields' own
 * resolvers, so it holds however deep or by whichever path (lists, node(id),
 * nested fields, federation's resolver map) a query reaches them. This walks
 * every classified field of the schema, so a newly classified field is covered.
 */
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildHubSchema(createPubSub() as HubPubSub);
});

const SAMPLES: Record<MaskKind, unknown> = {
  [MaskKind.PHONE]: '13812341234',
  [MaskKind.NAME]: '欧阳娜娜',
  [MaskKind.ADDRESS]: '山西省运城市临猗县北景乡西张村12号',
  [MaskKind.TEXT]: '临猗果业合作社',
  [MaskKind.WITHHOLD]: 88.5,
  [MaskKind.FREE_TEXT]: '已签收，签收人张三 13812341234，山西省运城市临猗县北景乡西张村12号',
  [MaskKind.RECORD]: { phone: '13812341234', name: '张三', address: '山西省运城市临猗县北景乡西张村12号' },
};

const viewer = (role: Role | null, extra: Partial<Viewer> = {}): Viewer => ({
  ...anonymousViewer(),
  role,
  credential: role ? 'api_key' : 'anonymous',
  ...extra,
});

function classifiedFields() {
  const found: { type: string; field: GraphQLField<unknown, unknown> }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const classification = classificationOf(field);
      if (classification && classification.level !== DataClass.PUBLIC) found.push({ type: type.name, field });
    }
  }
  return found;
}

async function resolveAs(who: Viewer, type: string, field: GraphQLField<unknown, unknown>, value: unknown) {
  const context = { viewer: who, accessRecord: new AccessRecord() } as unknown as HubContext;
  const info = {
    fieldName: field.name,
    parentType: schema.getType(type),
    path: { key: field.name, prev: { key: 0, prev: undefined } },
  } as unknown as GraphQLResolveInfo;
  const row = { [field.name]: value };
  const result = await field.resolve!(row, {}, context, info);
  return { result, record: context.accessRecord };
}

describe('every classified field masks in its own resolver', () => {
  it('finds the classified fields (recipient name, phone and address; sellers, prices and amounts)', () => {
    const names = classifiedFields().map(({ type, field }) => `${type}.${field.name}`);
    expect(names).toEqual(expect.arrayContaining(['Shipment.recipientName', 'Shipment.recipientPhone', 'Shipment.recipientAddress']));
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each([
    ['a COURIER', viewer(Role.COURIER, { courierId: 1 })],
    ['an anonymous demo caller', viewer(null)],
    ['an ADMIN without an unmask reason (personal data)', viewer(Role.ADMIN)],
  ])('masks for %s and records the field for the audit trail', async (_who, who) => {
    for (const { type, field } of classifiedFields()) {
      const { level, mask } = classificationOf(field)!;
      if (level === DataClass.COMMERCIAL && who.role === Role.ADMIN) continue;
      const { result, record } = await resolveAs(who, type, field, SAMPLES[mask]);
      expect({ field: `${type}.${field.name}`, result }).toEqual({ field: `${type}.${field.name}`, result: applyMask(mask, SAMPLES[mask]) });
      expect(result).not.toEqual(SAMPLES[mask]);
      expect(record.touched.get(`${type}.${field.name}`)).toBe(level);
    }
  });

  it('shows personal data in clear only to an ADMIN with a reason, commercial figures to officials', async () => {
    for (const { type, field } of classifiedFields()) {
      const { level, mask } = classificationOf(field)!;
      const who = level === DataClass.PERSONAL ? viewer(Role.ADMIN, { unmaskReason: 'ticket 881' }) : viewer(Role.OFFICIAL);
      const { result, record } = await resolveAs(who, type, field, SAMPLES[mask]);
      expect(result).toEqual(SAMPLES[mask]);
      expect(record.touched.get(`${type}.${field.name}`)).toBe(level);
      if (level === DataClass.PERSONAL) expect(record.personalRecords).toBe(1);
    }
  });

  it('leaves an unclassified field unwrapped: the value as stored, nothing recorded', async () => {
    const type = schema.getType('PriceObservation');
    if (!isObjectType(type)) throw new Error('PriceObservation is not an object type');
    const { result, record } = await resolveAs(viewer(Role.COURIER), 'PriceObservation', type.getFields().rawName, '红富士');
    expect(result).toBe('红富士');
    expect(record.touched.size).toBe(0);
  });
});

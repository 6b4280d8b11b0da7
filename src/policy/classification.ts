import { DirectiveLocation, GraphQLDirective, GraphQLEnumType, GraphQLNonNull, type GraphQLField } from 'graphql';
import { Directive, Extensions } from 'type-graphql';
import { DataClass } from './role.js';
import { MaskKind } from './masking.js';

/** How a field is classified and masked; read by the access middleware from the field's extensions. */
export interface Classification {
  level: DataClass;
  mask: MaskKind;
}

const DataClassEnum = new GraphQLEnumType({
  name: 'DataClass',
  description: "Classification (数据分类分级) of a field: PUBLIC, COMMERCIAL (one firm's business figures) or PERSONAL (个人信息).",
  values: Object.fromEntries(Object.values(DataClass).map((v) => [v, { value: v }])),
});

const MaskKindEnum = new GraphQLEnumType({
  name: 'MaskKind',
  description:
    'How a classified value is shown to a caller not allowed to see it in clear: PHONE `138****1234`, NAME `张*`, ADDRESS cut after the township, TEXT first character and `**`, WITHHOLD null.',
  values: Object.fromEntries(Object.values(MaskKind).map((v) => [v, { value: v }])),
});

/**
 * `@classified(level: PERSONAL, mask: PHONE)` on a field definition: the
 * classification is part of the public contract, printed in
 * schema/schema.graphql, so a newly exposed personal field shows in review.
 */
export const classifiedDirective = new GraphQLDirective({
  name: 'classified',
  description:
    'Data classification of a field. PERSONAL is masked for every role but ADMIN with an unmask reason; COMMERCIAL is masked for roles outside the owning firm (COURIER, anonymous demo).',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    level: { type: new GraphQLNonNull(DataClassEnum) },
    mask: { type: new GraphQLNonNull(MaskKindEnum) },
  },
});

/**
 * Classifies a field: put it next to `@Field` on an entity property or a
 * `@FieldResolver`. Adds the schema directive and the extension the masking
 * middleware reads.
 */
export function Classified(level: DataClass, mask: MaskKind): PropertyDecorator & MethodDecorator {
  const directive = Directive(`@classified(level: ${level}, mask: ${mask})`);
  const extensions = Extensions({ classification: { level, mask } satisfies Classification });
  return ((target: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    (directive as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(target, key, descriptor);
    (extensions as (t: object, k: string | symbol, d?: PropertyDescriptor) => void)(target, key, descriptor);
  }) as PropertyDecorator & MethodDecorator;
}

/** The classification of a schema field, if any. */
export function classificationOf(field: GraphQLField<unknown, unknown> | undefined): Classification | undefined {
  return field?.extensions?.classification as Classification | undefined;
}

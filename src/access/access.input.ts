import { IsIn, IsInt, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { ConnectionArgs } from '../relay/connection.args.js';
import { KeyScope, Role } from '../policy/role.js';

@InputType({ description: 'A new API key. COURIER keys name their courier, PLATFORM keys their platform (market code).' })
export class CreateApiKeyInput {
  @Field({ description: 'Organisation name; created on first use.' })
  @MaxLength(100)
  organisation!: string;

  @Field(() => Role)
  role!: Role;

  @Field({ nullable: true, description: 'Courier code (COURIER keys), e.g. `zhongtong`.' })
  @IsOptional()
  @MaxLength(64)
  courier?: string;

  @Field({ nullable: true, description: 'Platform market code (PLATFORM keys), e.g. `pinduoduo`.' })
  @IsOptional()
  @MaxLength(64)
  platform?: string;

  @Field(() => [KeyScope], { nullable: true, description: 'Default: READ and WRITE.' })
  @IsOptional()
  @IsIn(Object.values(KeyScope), { each: true })
  scopes?: KeyScope[];

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(200)
  label?: string;

  @Field(() => Int, { nullable: true, description: 'Days until the key expires (1-3650); none = no expiry.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

@ArgsType()
export class AuditLogArgs extends ConnectionArgs {
  @Field({ nullable: true, description: 'Only this actor (API key id, `jwt:<sub>`, `anonymous`, `hook:<path>`).' })
  @IsOptional()
  @MaxLength(200)
  actor?: string;

  @Field({ nullable: true, description: 'Only this operation type: query, mutation, subscription, or an HTTP method for webhooks.' })
  @IsOptional()
  @MaxLength(16)
  operationType?: string;

  @Field({ nullable: true, description: 'Only rows that touched personal data.' })
  personalOnly?: boolean;

  @Field({ nullable: true, description: 'At or after this time.' })
  since?: Date;
}

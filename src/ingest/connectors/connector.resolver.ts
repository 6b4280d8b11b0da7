import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Field, Float, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { NotFoundError } from '../../platform/errors.js';
import type { IngestContext, IngestRuntime } from '../ingest-runtime.js';
import type { LoadCounts as LoadCountsShape } from '../pipeline.js';
import type { ConnectorInstance } from './connector-registry.js';
import { CONNECTOR_STATUS_CHANGED, type ConnectorStatusEvent, type RunResult } from './connector-runner.js';
import { ConnectorState, ConnectorStatus } from './connector-state.entity.js';

@ObjectType({ description: 'Counts of a load: read = stored + duplicates + rejected.' })
export class LoadCounts {
  @Field(() => Int, { description: 'Source records read.' })
  read!: number;

  @Field(() => Int, { description: 'Facts stored.' })
  stored!: number;

  @Field(() => Int, { description: 'Facts already stored (same connector and source key), or repeated in the load.' })
  duplicates!: number;

  @Field(() => Int, { description: 'Records refused, kept in the rejected store (see `rejectedRecords`).' })
  rejected!: number;

  @Field(() => Int, { description: 'Stored facts whose product name waits in the review queue (see `unmatchedNames`).' })
  unmatched!: number;
}

@ObjectType('Connector', { description: 'A configured source of facts (issue #4): its schedule, health and counts.' })
export class ConnectorType {
  @Field({ description: 'Instance name; the `source.connector` of the facts it stores.' })
  name!: string;

  @Field({ description: 'Module under connectors/, e.g. `wholesale-prices`.' })
  module!: string;

  @Field({ description: '`pull` (read on a schedule from a cursor) or `push` (payloads handed in).' })
  kind!: string;

  @Field()
  description!: string;

  @Field()
  enabled!: boolean;

  @Field(() => Int, { nullable: true, description: 'Seconds between scheduled runs; null: on demand only.' })
  intervalSeconds?: number | null;

  @Field(() => ConnectorStatus)
  status!: ConnectorStatus;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Saved cursor or watermark.' })
  cursor?: unknown;

  @Field({ nullable: true })
  lastRunAt?: Date;

  @Field({ nullable: true })
  lastSuccessAt?: Date;

  @Field(() => Float, { nullable: true, description: 'Seconds since the last successful run (null: never succeeded).' })
  lagSeconds?: number | null;

  @Field({ nullable: true })
  lastError?: string;

  @Field({ nullable: true })
  lastErrorAt?: Date;

  @Field(() => LoadCounts, { nullable: true, description: 'Counts of the last run.' })
  lastCounts?: LoadCountsShape;

  @Field(() => LoadCounts, { nullable: true, description: 'Counts of all successful runs.' })
  totalCounts?: LoadCountsShape;
}

@ObjectType({ description: 'Outcome of running a connector now.' })
export class ConnectorRunPayload {
  @Field(() => ConnectorType)
  connector!: ConnectorType;

  @Field(() => LoadCounts)
  counts!: LoadCountsShape;

  @Field(() => ConnectorStatus)
  status!: ConnectorStatus;

  @Field({ nullable: true })
  error?: string;

  @Field(() => Int)
  durationMs!: number;
}

function runtime(ctx: IngestContext): IngestRuntime {
  if (!ctx.ingest) throw new Error('connectors are not available in this process');
  return ctx.ingest;
}

function view(instance: ConnectorInstance, state: ConnectorState | null | undefined): ConnectorType {
  const lastSuccessAt = state?.lastSuccessAt ?? undefined;
  return {
    name: instance.name,
    module: instance.module,
    kind: instance.manifest.kind,
    description: instance.manifest.description,
    enabled: instance.enabled,
    intervalSeconds: instance.intervalSeconds || null,
    status: state?.status ?? ConnectorStatus.IDLE,
    cursor: state?.cursor ?? null,
    lastRunAt: state?.lastRunAt ?? undefined,
    lastSuccessAt,
    lagSeconds: lastSuccessAt ? Math.round((Date.now() - new Date(lastSuccessAt).getTime()) / 1000) : null,
    lastError: state?.lastError ?? undefined,
    lastErrorAt: state?.lastErrorAt ?? undefined,
    lastCounts: state?.lastCounts ?? undefined,
    totalCounts: state?.totalCounts ?? undefined,
  };
}

/** Connectors: health, on-demand runs and status changes. */
@Resolver(() => ConnectorType)
export class ConnectorResolver {
  @Query(() => [ConnectorType], { description: 'Configured connectors, plus modules that ran on demand, with status, last success, lag, counts and last error.' })
  async connectors(@Ctx() ctx: HubContext & IngestContext): Promise<ConnectorType[]> {
    const ingest = runtime(ctx);
    const states = await ctx.em.find(ConnectorState, {}, { orderBy: { name: 'asc' } });
    const byName = new Map(states.map((s) => [s.name, s]));
    const views = ingest.connectors.map((c) => view(c, byName.get(c.name)));
    // Modules run on demand (CLI, uploads) under a name that is not configured still have state worth showing.
    for (const state of states) {
      if (ingest.connectors.some((c) => c.name === state.name)) continue;
      const instance = await ingest.instance(state.module).catch(() => undefined);
      if (instance) views.push(view({ ...instance, name: state.name, intervalSeconds: undefined }, state));
    }
    return views;
  }

  @Query(() => ConnectorType, { nullable: true, description: 'One connector by name.' })
  async connector(@Arg('name') name: string, @Ctx() ctx: HubContext & IngestContext): Promise<ConnectorType | null> {
    const all = await this.connectors(ctx);
    return all.find((c) => c.name === name) ?? null;
  }

  @Mutation(() => ConnectorRunPayload, { description: 'Runs a connector now (admins). A failing source is reported in the payload, not as an error.' })
  async runConnector(
    @Arg('name') name: string,
    @Ctx() ctx: HubContext & IngestContext,
    @Arg('file', { nullable: true, description: 'A file or folder on the hub host to read instead of the configured source.' }) file?: string,
  ): Promise<ConnectorRunPayload> {
    const result = await runtime(ctx).run(name, { file });
    return this.payload(ctx, name, result);
  }

  @Mutation(() => ConnectorRunPayload, {
    description: 'Imports an officials\' price spreadsheet (XLSX, CSV or JSON) from a path on the hub host through the spreadsheet-upload connector (admins). Same mapping as the CLI.',
  })
  async importSpreadsheet(
    @Arg('path') path: string,
    @Ctx() ctx: HubContext & IngestContext,
    @Arg('connector', { defaultValue: 'spreadsheet-upload', description: 'Connector to run it through.' }) connector: string,
  ): Promise<ConnectorRunPayload> {
    const result = await runtime(ctx).run(connector, { file: path });
    return this.payload(ctx, connector, result);
  }

  private async payload(ctx: HubContext & IngestContext, name: string, result: RunResult): Promise<ConnectorRunPayload> {
    ctx.em.clear();
    const connector = await this.connector(name, ctx);
    if (!connector) throw new NotFoundError(`No connector named "${name}".`);
    return { connector, counts: result.counts, status: result.status, error: result.error, durationMs: result.durationMs };
  }

  @Subscription(() => ConnectorType, {
    topics: CONNECTOR_STATUS_CHANGED,
    filter: ({ payload, args }) => !args.name || (payload as ConnectorStatusEvent).name === args.name,
    description: 'A connector started, succeeded or failed.',
  })
  async connectorStatusChanged(
    @Root() event: ConnectorStatusEvent,
    @Ctx() ctx: HubContext & IngestContext,
    @Arg('name', { nullable: true }) _name?: string,
  ): Promise<ConnectorType> {
    const em = ctx.em.fork();
    const ingest = runtime(ctx);
    const state = await em.findOne(ConnectorState, { name: event.name });
    const instance = ingest.connectors.find((c) => c.name === event.name) ?? { ...(await ingest.instance(state?.module ?? event.name)), name: event.name };
    return view(instance, state);
  }
}

import { GraphQLJSON } from 'graphql-scalars';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { Arg, Authorized, Ctx, Field, Float, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { HubContext } from '../../graphql/context.js';
import { BadUserInputError, NotFoundError } from '../../platform/errors.js';
import { ForbiddenError } from '../../policy/access.errors.js';
import { Role } from '../../policy/role.js';
import type { IngestContext, IngestRuntime } from '../ingest-runtime.js';
import { importSpreadsheetFile, PayloadTooLargeError, UPLOAD_REJECTIONS_SHOWN, type UploadImportResult } from '../upload-import.js';
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

@ObjectType({
  description:
    "A file a connector refused whole and skips (a price list whose columns cannot be placed): read again once the file or the connector's `columns`/`unit` setting changes.",
})
export class RefusedFile {
  @Field({ description: 'The file, as the connector reads it (a path on the hub host).' })
  path!: string;

  @Field({ description: 'Why: what could not be placed, the headers seen and the setting that fixes it.' })
  reason!: string;

  @Field(() => Date, { nullable: true, description: 'When it was refused (null: refused before the hub kept the time).' })
  refusedAt?: Date | null;
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

  @Field(() => [RefusedFile], {
    description:
      "Files the connector refused whole and skips until they change (a watched folder's price lists whose columns cannot be placed), by path. A run that skips one still succeeds: this is where it shows.",
  })
  refusedFiles!: RefusedFile[];
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

@ObjectType({ description: 'A row of an imported sheet that was refused (kept in the rejected store for replay).' })
export class ImportRejection {
  @Field(() => String, { nullable: true, description: 'File and line (CSV) or sheet and row (XLSX), e.g. `prices.csv:12` or `prices.xlsx:价格!7`.' })
  position?: string | null;

  @Field(() => String, { nullable: true, description: 'The column or field at fault.' })
  field?: string | null;

  @Field()
  reason!: string;
}

@ObjectType({
  description:
    'A product name in an imported sheet that matched no catalogue entry: its rows are stored unlinked and the name waits in the review queue (`unmatchedNames`).',
})
export class ImportUnmatchedName {
  @Field()
  name!: string;

  @Field(() => Int, { description: 'Rows of this import that carried it.' })
  rows!: number;
}

@ObjectType({ description: 'Outcome of importing a spreadsheet: the run, and what became of its rows.' })
export class SpreadsheetImportPayload extends ConnectorRunPayload {
  @Field({ nullable: true, description: "The uploaded file's name as imported (null for a path on the hub host)." })
  fileName?: string;

  @Field(() => Float, { nullable: true, description: 'Bytes received (null for a path on the hub host).' })
  bytes?: number;

  @Field(() => [ImportRejection], {
    description: `Refused rows with their reasons, in file order (the first ${UPLOAD_REJECTIONS_SHOWN}; \`counts.rejected\` has them all, \`rejectedRecords\` lists them).`,
  })
  rejections!: ImportRejection[];

  @Field(() => [ImportUnmatchedName], { description: 'Product names that matched nothing, most rows first.' })
  unmatchedNames!: ImportUnmatchedName[];
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
    // The cursor's shape is the reader's: the connector says which sources it refused (ConnectorManifest.refusals).
    refusedFiles: (instance.manifest.refusals?.(state?.cursor ?? null) ?? []).map((r) => ({
      path: r.path,
      reason: r.reason,
      refusedAt: r.refusedAt ? new Date(r.refusedAt) : null,
    })),
  };
}

/** Connectors: health, on-demand runs and status changes. */
@Resolver(() => ConnectorType)
export class ConnectorResolver {
  // Operations (cursors, error texts, paths on the hub host): officials and admins only.
  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => [ConnectorType], {
    description: '(OFFICIAL, ADMIN) Configured connectors, plus modules that ran on demand, with status, last success, lag, counts and last error.',
  })
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

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Query(() => ConnectorType, { nullable: true, description: '(OFFICIAL, ADMIN) One connector by name.' })
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

  @Authorized(Role.OFFICIAL)
  @Mutation(() => SpreadsheetImportPayload, {
    description:
      "Imports an officials' price spreadsheet (XLSX, CSV or JSON) through the spreadsheet-upload connector: `file` as a GraphQL multipart upload " +
      '(OFFICIAL and ADMIN; send the header `Apollo-Require-Preflight: true`; at most UPLOAD_MAX_BYTES), or `path` on the hub host (ADMIN only). Same mapping as the CLI.',
  })
  async importSpreadsheet(
    @Ctx() ctx: HubContext & IngestContext,
    @Arg('file', () => GraphQLUpload, {
      nullable: true,
      description: 'The sheet, as a GraphQL multipart request file (https://github.com/jaydenseric/graphql-multipart-request-spec).',
    })
    file?: Promise<FileUpload>,
    @Arg('path', { nullable: true, description: 'Or: a file on the hub host (ADMIN only).' }) path?: string,
    @Arg('connector', { defaultValue: 'spreadsheet-upload', description: 'Connector to run it through.' }) connector: string = 'spreadsheet-upload',
  ): Promise<SpreadsheetImportPayload> {
    if ((file == null) === (path == null))
      throw new BadUserInputError('Give exactly one of `file` (an upload) and `path` (a file on the hub host).', file == null ? 'file' : 'path');
    let imported: UploadImportResult;
    if (path != null) {
      // Reading the hub's own disk is an operator's privilege.
      if (ctx.viewer.role !== Role.ADMIN)
        throw new ForbiddenError('Importing by `path` (a file on the hub host) needs the role ADMIN; upload the file as `file` instead.');
      imported = await importSpreadsheetFile(runtime(ctx), connector, { path });
    } else {
      const upload = await file!;
      let stream: ReturnType<FileUpload['createReadStream']>;
      try {
        stream = upload.createReadStream();
      } catch (error) {
        // graphql-upload throws the file's own error here when it failed before the resolver ran: over the limit when
        // the whole body arrived first (it answered 500 "Unexpected error" under load; test/security/hostile-input.test.ts).
        if ((error as { status?: number }).status === 413) throw new PayloadTooLargeError(ctx.uploadMaxBytes ?? 0);
        throw error;
      }
      imported = await importSpreadsheetFile(runtime(ctx), connector, { filename: upload.filename, stream }, ctx.uploadMaxBytes);
    }
    const payload = await this.payload(ctx, connector, imported.run);
    return { ...payload, fileName: imported.fileName, bytes: imported.bytes, rejections: imported.rejections, unmatchedNames: imported.unmatchedNames };
  }

  private async payload(ctx: HubContext & IngestContext, name: string, result: RunResult): Promise<ConnectorRunPayload> {
    ctx.em.clear();
    const connector = await this.connector(name, ctx);
    if (!connector) throw new NotFoundError(`No connector named "${name}".`);
    return { connector, counts: result.counts, status: result.status, error: result.error, durationMs: result.durationMs };
  }

  @Authorized(Role.OFFICIAL, Role.ADMIN)
  @Subscription(() => ConnectorType, {
    topics: CONNECTOR_STATUS_CHANGED,
    filter: ({ payload, args }) => !args.name || (payload as ConnectorStatusEvent).name === args.name,
    description: '(OFFICIAL, ADMIN) A connector started, succeeded or failed.',
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

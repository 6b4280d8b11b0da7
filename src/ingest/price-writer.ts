import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../platform/errors.js';
import type { HubPubSub } from '../platform/pubsub.js';
import type { PriceObservationInput } from '../pricing/price.input.js';
import { BatchRefusedError, IngestSession } from './pipeline.js';
import type { CanonicalRecordInput } from './records.js';
import { pipelineReplayer, registerReplayer } from './replay.js';

/** The pipeline name of prices recorded through the GraphQL mutation (for replay). */
export const RECORD_PRICES_PIPELINE = 'recordPriceObservations';

export interface StorePricesResult {
  /** Rows stored by this call, as database rows. */
  stored: Record<string, unknown>[];
  /** Inputs whose (connector, sourceKey) was already stored. */
  duplicates: number;
}

/** A mutation input (GraphQL gives explicit nulls) as a canonical price record. */
function mapPriceInput(raw: unknown): CanonicalRecordInput {
  const fields = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined));
  return { kind: 'price', ...fields } as CanonicalRecordInput;
}

registerReplayer(RECORD_PRICES_PIPELINE, pipelineReplayer({ pipeline: RECORD_PRICES_PIPELINE, map: mapPriceInput }));

/**
 * Stores a batch of price quotes from one source through the ingest pipeline,
 * all or nothing: when any quote is refused (unknown market or region,
 * inconsistent prices) nothing is stored, every refused quote is kept in the
 * rejected store (replayable with `replayRejected`), and the error names the
 * first one's index and field. Re-sending a quote (same connector and
 * sourceKey) stores nothing new. Names that match no catalogue product are
 * stored with a null product and queued for review. Stored rows are
 * published to `priceObserved` subscribers after commit.
 */
export async function storePrices(
  em: EntityManager,
  pubSub: HubPubSub,
  connector: string,
  inputs: readonly PriceObservationInput[],
): Promise<StorePricesResult> {
  const session = new IngestSession(em, { connector, pipeline: RECORD_PRICES_PIPELINE, map: mapPriceInput, pubSub });
  const records = inputs.map((input, index) => ({ raw: { ...input }, position: `observations[${index}]` }));
  try {
    const result = await session.write(records, { atomic: true });
    return { stored: result.rows.price ?? [], duplicates: result.counts.duplicates };
  } catch (error) {
    if (!(error instanceof BatchRefusedError)) throw error;
    const first = error.rejections[0];
    const argumentName = `${first.position}${first.field ? `.${first.field}` : ''}`;
    throw new BadUserInputError(`Nothing stored: ${first.position}: ${first.reason}.`, argumentName, {
      rejected: error.rejections.map((r) => ({ position: r.position, field: r.field ?? null, reason: r.reason })),
      rejectedRecordIds: error.rejectedIds,
    });
  }
}

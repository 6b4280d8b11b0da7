import { Arg, Ctx, Field, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { HubContext } from '../graphql/context.js';
import { PriceObservation } from '../pricing/price-observation.entity.js';
import { RecordPricesInput } from '../pricing/price.input.js';
import { storePrices } from './price-writer.js';

@ObjectType({ description: 'Outcome of recording a batch of prices.' })
export class RecordPricesPayload {
  @Field(() => Int, { description: 'Quotes stored by this call.' })
  stored!: number;

  @Field(() => Int, { description: 'Quotes already stored before (same connector, sourceKey and observedOn); nothing changed.' })
  duplicates!: number;

  @Field(() => [PriceObservation], { description: 'The stored quotes.' })
  observations!: PriceObservation[];
}

/** Prices recorded through GraphQL go through the ingest pipeline like every other source. */
@Resolver()
export class PriceIngestResolver {
  @Mutation(() => RecordPricesPayload, {
    description: 'Records price quotes from one source, all-or-nothing; re-sent quotes (same sourceKey and observedOn) are not stored twice.',
  })
  async recordPriceObservations(@Arg('input') input: RecordPricesInput, @Ctx() ctx: HubContext): Promise<RecordPricesPayload> {
    const result = await storePrices(ctx.em, ctx.pubSub, input.connector, input.observations);
    return {
      stored: result.stored.length,
      duplicates: result.duplicates,
      observations: result.stored.map((row) => ctx.em.map(PriceObservation, row)),
    };
  }
}

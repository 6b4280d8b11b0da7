import { registerEnumType } from 'type-graphql';

/** Where farm products change hands. */
export enum MarketChannel {
  WHOLESALE_MARKET = 'WHOLESALE_MARKET',
  ORIGIN_MARKET = 'ORIGIN_MARKET',
  ECOMMERCE_PLATFORM = 'ECOMMERCE_PLATFORM',
  RETAIL = 'RETAIL',
  COLD_CHAIN_HUB = 'COLD_CHAIN_HUB',
}
registerEnumType(MarketChannel, {
  name: 'MarketChannel',
  description: 'Sales channel: wholesale market, field/origin market (产地市场), e-commerce platform, retail, cold-chain hub.',
});

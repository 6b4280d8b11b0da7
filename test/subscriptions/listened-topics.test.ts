import { createHubPubSub, hasSubscribers } from '../../src/platform/pubsub.js';
import { createLogger } from '../../src/platform/logger.js';

/**
 * A publisher may skip building what nobody can receive (issue #13: a bulk
 * courier push with no subscriber costs no per-event publishing work), so the
 * in-process bus must say exactly which topics have a listener; with Redis a
 * listener may be on another instance, so it always says yes.
 */
describe('hasSubscribers', () => {
  it('is true exactly while a subscription listens to the topic on the in-process bus', async () => {
    const bus = createHubPubSub(undefined, createLogger('silent'));
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:A1')).toBe(false);
    const one = bus.pubSub.subscribe('SHIPMENT_UPDATED:A1')[Symbol.asyncIterator]();
    const two = bus.pubSub.subscribe('SHIPMENT_UPDATED:A1')[Symbol.asyncIterator]();
    const next = one.next();
    const nextTwo = two.next();
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:A1')).toBe(true);
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:B2')).toBe(false);
    bus.pubSub.publish('SHIPMENT_UPDATED:A1', { n: 1 });
    expect(await next).toEqual({ done: false, value: { n: 1 } });
    expect(await nextTwo).toEqual({ done: false, value: { n: 1 } });
    await one.return?.();
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:A1')).toBe(true);
    await two.return?.();
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:A1')).toBe(false);
    await bus.close();
  });

  it('is always true with Redis (the subscriber may be on another instance)', async () => {
    const bus = createHubPubSub('redis://127.0.0.1:1', createLogger('silent'));
    expect(hasSubscribers(bus.pubSub, 'SHIPMENT_UPDATED:A1')).toBe(true);
    await bus.close();
  });
});

import type { HubPubSub } from '../platform/pubsub.js';
import type { Logger } from '../platform/logger.js';
import { forgetApiKey } from './authenticate.js';

/**
 * Pub/sub topic: an API key was revoked, rotated or its expiry moved
 * (issue #12). With REDIS_URL it reaches every hub instance, which drops the
 * key from its lookup cache and closes the key's WebSocket sockets; before,
 * a key revoked through one instance worked on the others for up to the
 * cache's 30 s.
 */
export const API_KEY_CHANGED = 'API_KEY_CHANGED';

/** What is published (plain JSON: it crosses Redis). */
export interface ApiKeyChangedEvent {
  keyId: string;
  /** `revoked`: refused from now on, its sockets are closed. `rotated-with-grace`: works until its new expiry. */
  change: 'revoked' | 'rotated-with-grace';
}

/** Announces a key change: this process forgets the key now, the other instances when the event reaches them. */
export function announceKeyChange(pubSub: HubPubSub | undefined, event: ApiKeyChangedEvent): void {
  forgetApiKey(event.keyId);
  pubSub?.publish(API_KEY_CHANGED, event);
}

/**
 * Listens for key changes made on any instance (or by `npm run keys` with
 * REDIS_URL): forgets the key in this process and tells `onRevoked` (which
 * closes the key's sockets). Returns a stop function.
 */
export function listenForKeyChanges(pubSub: HubPubSub, log: Logger, onRevoked: (keyId: string) => void): { stop(): Promise<void> } {
  const events = pubSub.subscribe(API_KEY_CHANGED);
  const done = (async () => {
    for await (const payload of events) {
      const event = payload as ApiKeyChangedEvent;
      if (typeof event?.keyId !== 'string') continue;
      forgetApiKey(event.keyId);
      if (event.change === 'revoked') {
        try {
          onRevoked(event.keyId);
        } catch (error) {
          log.error({ err: error, keyId: event.keyId }, 'could not close the sockets of a revoked key');
        }
      }
    }
  })();
  return {
    async stop() {
      await events.return?.();
      await done.catch(() => {});
    },
  };
}

/**
 * WebSocket close codes the hub sends besides graphql-ws's own (`CloseCode`:
 * 4400 bad request, 4401 unauthorised, 4403 forbidden, 4406 subprotocol,
 * 4408 init timeout, 4409 duplicate id, 4429 too many inits, 4500 internal).
 * Documented in the README ("Live updates: buffer limits and close codes").
 */
export enum HubCloseCode {
  /** The hub is shutting down (graceful stop); reconnect to another instance. */
  GoingAway = 1001,
  /**
   * The subscriber did not read fast enough: more than WS_MAX_BUFFERED_BYTES
   * were waiting to be written to its socket. Nothing is dropped silently: the
   * socket is closed instead, and a client that reconnects knows it missed
   * updates from that point (issue #13).
   */
  SubscriberTooSlow = 4413,
  /** Too many failed authentications, or the rate limit (reason says when to retry). */
  TooManyRequests = 4429,
}

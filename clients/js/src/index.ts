// trove-client for browsers (and any runtime with a global WebSocket).
export { TroveClient } from './client.js';
export type {
  ClientError, ClientEvents, ConnectionState, Token, TokenSource, TroveClientOptions,
  WebSocketConstructor, WebSocketLike,
} from './client.js';
export { backoffCeiling, backoffDelay, kDefaultBackoff } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export { BoxPoller, parseEtag } from './poller.js';
export type { PollerOptions } from './poller.js';
export { parseServerMessage } from './protocol.js';
export type { Box, BoxPayload, BoxState, ClientOp, IngestAck, ServerMessage } from './protocol.js';

// TroveClient: one WebSocket to trove-server's /v1/ws with get, subscribe
// (boxes or a hunt), an 'update' event per box update, reconnection with
// exponential backoff and full jitter, resubscription after a reconnect, a
// token sent with the `auth` op and refreshed before it expires, an optional
// application-level heartbeat, and HTTP polling of subscribed boxes while
// the WebSocket is down. Browser-safe: no runtime dependency (node.ts adds
// the `ws` package for Node without a global WebSocket).
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { BoxPoller } from './poller.js';
import { parseServerMessage, type Box, type ClientOp, type HuntPosition, type ServerMessage, type SyncMode } from './protocol.js';

/** The part of the WHATWG WebSocket this client uses (browsers, Node 22, `ws`). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** A token and when it expires (ms since the epoch); refreshed before then. */
export interface Token {
  token: string;
  expiresAt?: number;
}
export type TokenSource = () => Token | Promise<Token>;

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Close codes of a server with client tokens: no valid token, and a token that expired. */
const kCloseUnauthenticated = 4401;
const kCloseTokenExpired = 4408;

export interface ClientError {
  kind: 'malformed' | 'server' | 'transport' | 'token' | 'listener' | 'poll';
  message?: string;
  raw?: string;
  cause?: unknown;
}

export interface ClientEvents<D> {
  update: Box<D>;
  /**
   * A hunt's subscription caught up: `recovered` (only the changes missed
   * since the position held were sent) or `full` (the whole state was sent:
   * boxes of the hunt not pushed since the subscribe are gone).
   */
  synced: { hunt: string; boxes: number; sync: SyncMode };
  /** A box resubscription with the versions held caught up: `boxes` were sent. */
  boxesSynced: { boxes: number; sync: SyncMode };
  state: ConnectionState;
  /** Reported, never thrown: malformed frames, server errors, failing listeners. */
  error: ClientError;
}

export interface TroveClientOptions {
  /** ws(s)://host:port of the data plane; `/v1/ws` is appended when no path is given. */
  url: string;
  /** http(s)://host:port for the polling fallback; derived from `url` by default. */
  httpUrl?: string;
  WebSocket?: WebSocketConstructor;
  token?: TokenSource;
  /** Refresh a token this long before it expires, ms. Default 30 000. */
  tokenRefreshMarginMs?: number;
  backoff?: BackoffOptions;
  /** [0, 1) source for the backoff's jitter. Default Math.random. */
  random?: () => number;
  /** Send a `ping` op this often and reconnect when one goes unanswered until the next, ms; 0 = off (default: the server's WebSocket pings keep the connection). */
  heartbeatMs?: number;
  /** Poll subscribed boxes over HTTP after this many failed connection attempts in a row; false = never. */
  pollFallback?: { afterFailures?: number; intervalMs?: number } | false;
  /** A request unanswered this long fails, ms. Default 10 000. */
  requestTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

interface Pending {
  resolve(message: ServerMessage<unknown>): void;
  reject(error: Error): void;
}

const kOpen = 1;
const kMaxBoxesPerOp = 4096;

export class TroveClient<D = unknown> extends Emitter<ClientEvents<D>> {
  private socket: WebSocketLike | undefined;
  private socketState: ConnectionState = 'idle';
  private pending: Pending[] = [];
  private readonly boxes = new Set<number>();
  private readonly hunts = new Set<string>();
  private readonly seqs = new Map<number, { seq: number; boot?: string }>();
  // Recovery (docs/api.md): each hunt's resume point, and the hunts whose
  // `synced` arrived on the current connection (only then do pushes move it).
  private readonly positions = new Map<string, HuntPosition>();
  private readonly syncedHunts = new Set<string>();
  private latestBoot: string | undefined;  // the incarnation of the latest push or synced
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private awaitingHeartbeat = false;
  private authSupported = true;
  private readonly poller: BoxPoller<D>;
  private opened: { resolve(): void; promise: Promise<void> } | undefined;

  constructor(private readonly options: TroveClientOptions) {
    super();
    const httpUrl = options.httpUrl ?? new URL(options.url).origin.replace(/^ws/, 'http');
    const fallback = options.pollFallback || {};
    this.poller = new BoxPoller<D>(
      { baseUrl: httpUrl, intervalMs: fallback.intervalMs, fetch: options.fetch },
      (box) => this.deliver(box),
      (message, cause) => this.emit('error', { kind: 'poll', message, cause }),
    );
  }

  get state(): ConnectionState {
    return this.socketState;
  }

  /** Opens the connection; resolves once it is open (reconnecting meanwhile). */
  connect(): Promise<void> {
    if (!this.opened) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.opened = { resolve, promise };
    }
    if (this.socketState === 'idle' || this.socketState === 'closed') void this.open();
    return this.opened.promise;
  }

  /** Closes for good: no reconnect, pending requests fail. */
  close(): void {
    this.setState('closed');
    this.clearTimers();
    this.poller.stop();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
    this.failPending(new Error('client closed'));
  }

  /** The position a resubscription to `hunt` resumes from, once its first `synced` arrived. */
  huntPosition(hunt: string): HuntPosition | undefined {
    const p = this.positions.get(hunt);
    return p && { ...p };
  }

  /** The box's current state, or null when the server has no such box. */
  async get(box: number): Promise<Box<D> | null> {
    const reply = await this.request({ op: 'get', box });
    if (reply.op === 'get' && 'payload' in reply) {
      const b = reply as Box<D>;
      return { box: b.box, seq: b.seq, boot: b.boot, payload: b.payload };
    }
    if (reply.op === 'get' && 'code' in reply && reply.code === 404) return null;
    throw new Error(`get ${box}: ${String((reply as { error?: unknown }).error)}`);
  }

  /** Subscribes (kept across reconnects); 'update' events follow, the current state first. */
  async subscribe(target: { boxes: number[] } | { hunt: string }): Promise<void> {
    if ('hunt' in target) this.hunts.add(target.hunt);
    else for (const b of target.boxes) this.boxes.add(b);
    this.poller.setBoxes(this.boxes);
    if (!this.isOpen()) return;
    const op: ClientOp = 'hunt' in target ? this.huntSubscribeOp(target.hunt) : { op: 'subscribe', boxes: target.boxes };
    const reply = await this.request(op);
    if (reply.op === 'error') throw new Error(`subscribe: ${String((reply as { error: string }).error)}`);
  }

  async unsubscribe(target: { boxes: number[] } | { hunt: string } | 'all'): Promise<void> {
    if (target === 'all') {
      this.boxes.clear();
      this.hunts.clear();
      this.positions.clear();
      this.syncedHunts.clear();
    } else if ('hunt' in target) {
      this.hunts.delete(target.hunt);
      this.positions.delete(target.hunt);
      this.syncedHunts.delete(target.hunt);
    } else for (const b of target.boxes) this.boxes.delete(b);
    this.poller.setBoxes(this.boxes);
    if (!this.isOpen()) return;
    const op: ClientOp = target === 'all' ? { op: 'unsubscribe' } : 'hunt' in target ? { op: 'unsubscribe', hunt: target.hunt } : { op: 'unsubscribe', boxes: target.boxes };
    await this.request(op);
  }

  /** Round trip through the server's message path, ms. */
  async ping(): Promise<number> {
    const started = Date.now();
    await this.request({ op: 'ping', id: started });
    return Date.now() - started;
  }

  // ---- connection ----

  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let Ctor: WebSocketConstructor;
    try {
      Ctor = await this.webSocketConstructor();
    } catch (cause) {
      this.emit('error', { kind: 'transport', message: 'no WebSocket implementation', cause });
      return this.setState('closed');
    }
    if (this.socketState === 'closed') return;
    const url = new URL(this.options.url);
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/ws';
    const socket = new Ctor(url.toString());
    this.socket = socket;
    socket.onopen = () => void this.onOpen(socket);
    socket.onmessage = (ev) => this.socket === socket && this.onMessage(ev.data);
    socket.onerror = () => {};  // the close that follows decides
    socket.onclose = (ev) => this.onClose(socket, ev);
  }

  /** Overridden in node.ts (the `ws` package when Node has no global WebSocket). */
  protected async webSocketConstructor(): Promise<WebSocketConstructor> {
    const Ctor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('no global WebSocket; pass options.WebSocket');
    return Ctor;
  }

  // The token and the subscriptions go first; the client reports 'open' (and
  // takes requests) only then, so a server that wants auth sees it first.
  private async onOpen(socket: WebSocketLike): Promise<void> {
    if (this.socket !== socket) return;
    this.attempt = 0;
    // The seqs held stay: they name the versions a resubscription holds
    // (boxesSubscribeOp) and still filter stale pushes; a hunt's `full`
    // answer clears them (onSubscribed), and another boot wins anyway.
    this.syncedHunts.clear();
    this.poller.stop();
    this.startHeartbeat();
    if (this.options.token) await this.sendToken();
    if (this.socket !== socket) return;
    this.resubscribe();
    this.setState('open');
    this.opened?.resolve();
  }

  private resubscribe(): void {
    const boxes = [...this.boxes];
    for (let i = 0; i < boxes.length; i += kMaxBoxesPerOp) {
      this.requestReported(this.boxesSubscribeOp(boxes.slice(i, i + kMaxBoxesPerOp)));
    }
    for (const hunt of this.hunts) {
      this.requestReported(this.huntSubscribeOp(hunt), (reply) => this.onHuntResubscribed(hunt, reply));
    }
  }

  /**
   * A box resubscription with the version held of each box (recovery): the
   * server sends only the boxes whose version differs. The versions are of
   * the latest incarnation seen; boxes of another one count as not held.
   */
  private boxesSubscribeOp(boxes: number[]): ClientOp {
    const boot = this.latestBoot;
    const since = boxes.map((b) => {
      const known = this.seqs.get(b);
      return boot !== undefined && known?.boot === boot ? known.seq : 0;
    });
    // Whatever differs comes back, older versions too (a server that
    // restored less than this client saw): none may be dropped as stale.
    for (const b of boxes) this.seqs.delete(b);
    if (boot === undefined || since.every((v) => v === 0)) return { op: 'subscribe', boxes };
    return { op: 'subscribe', boxes, since, boot };
  }

  /** A hunt's subscribe, with the position held for it (recovery). */
  private huntSubscribeOp(hunt: string): ClientOp {
    const p = this.positions.get(hunt);
    return p ? { op: 'subscribe', hunt, since: p.hpos, boot: p.boot } : { op: 'subscribe', hunt };
  }

  // A position the server refuses (not one it handed out: a server replaced
  // behind the same address with a clock behind the old one) is dropped and
  // the hunt subscribed afresh, for its whole state.
  private onHuntResubscribed(hunt: string, reply: ServerMessage<unknown>): void {
    if (reply.op !== 'error') return this.onSubscribed(reply);
    this.emit('error', { kind: 'server', message: String(reply.error) });
    if (!this.positions.delete(hunt) || !this.hunts.has(hunt)) return;
    this.requestReported({ op: 'subscribe', hunt }, (r) => this.onSubscribed(r));
  }

  private onSubscribed(reply: ServerMessage<unknown>): void {
    if (reply.op === 'error') return this.emit('error', { kind: 'server', message: String(reply.error) });
    // The whole state follows: older seqs of another process mean nothing.
    if (reply.op === 'subscribed' && (reply as { sync?: SyncMode }).sync === 'full') this.seqs.clear();
  }

  private onClose(socket: WebSocketLike, ev: { code?: number; reason?: string }): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.stopHeartbeat();
    this.failPending(new Error(`connection closed (${ev.code ?? 'no code'})`));
    if (this.socketState === 'closed') return;
    // The server's token close codes (docs/client-auth.md): the reconnection
    // below asks the token callback again.
    if (ev.code === kCloseUnauthenticated || ev.code === kCloseTokenExpired) {
      this.emit('error', { kind: 'token', message: `closed ${ev.code}: ${ev.reason || 'token refused'}` });
    }
    const delay = backoffDelay(this.attempt, this.options.random ?? Math.random, this.options.backoff);
    this.attempt += 1;
    const fallback = this.options.pollFallback;
    if (fallback !== false && this.attempt >= ((fallback && fallback.afterFailures) ?? 3) && this.boxes.size) {
      this.poller.start();
    }
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.open();
    }, delay);
  }

  private onMessage(data: unknown): void {
    const raw = typeof data === 'string' ? data : String(data);
    const parsed = parseServerMessage<D>(raw);
    if ('malformed' in parsed) {
      return this.emit('error', { kind: 'malformed', message: parsed.malformed, raw });
    }
    const message = parsed.message;
    if (message.op === 'push') {
      const push = message as Box<D>;
      if (push.boot !== undefined) this.latestBoot = push.boot;
      this.advancePositions(push);
      return this.deliver(push);
    }
    if (message.op === 'synced') {
      const m = message as { hunt?: string; boxes: number; sync: SyncMode; boot: string; hpos: number };
      this.latestBoot = m.boot;
      if (m.hunt === undefined) return this.emit('boxesSynced', { boxes: m.boxes, sync: m.sync });
      if (this.hunts.has(m.hunt)) {
        this.positions.set(m.hunt, { boot: m.boot, hpos: m.hpos });
        this.syncedHunts.add(m.hunt);
      }
      return this.emit('synced', { hunt: m.hunt, boxes: m.boxes, sync: m.sync });
    }
    // Every request gets exactly one reply, in order; pushes come in between.
    const pending = this.pending.shift();
    if (pending) return pending.resolve(message);
    if (message.op === 'error') return this.emit('error', { kind: 'server', message: String(message.error), raw });
    this.emit('error', { kind: 'malformed', message: 'a reply nobody asked for', raw });
  }

  /**
   * A live push's hpos promises every earlier change of this connection's
   * subscriptions has been sent (docs/api.md, Recovery): it moves the
   * position of every hunt already synced on this connection.
   */
  private advancePositions(push: Box<D>): void {
    if (push.hpos === undefined || push.boot === undefined) return;
    for (const hunt of this.syncedHunts) {
      const p = this.positions.get(hunt);
      if (p && p.boot === push.boot && push.hpos > p.hpos) p.hpos = push.hpos;
    }
  }

  /**
   * A box's seq never goes backwards within one incarnation: older states are
   * dropped. Another `boot` means the server's numbering started again, so
   * the newer message wins whatever its seq.
   */
  private deliver(box: Box<D>): void {
    const known = this.seqs.get(box.box);
    if (known !== undefined && known.boot === box.boot && box.seq <= known.seq) return;
    this.seqs.set(box.box, { seq: box.seq, boot: box.boot });
    const update: Box<D> = { box: box.box, seq: box.seq, boot: box.boot, payload: box.payload };
    if (box.hpos !== undefined) update.hpos = box.hpos;
    this.emit('update', update);
  }

  // ---- requests ----

  private isOpen(): boolean {
    return this.socket !== undefined && this.socket.readyState === kOpen && this.socketState === 'open';
  }

  private request(op: ClientOp): Promise<ServerMessage<unknown>> {
    if (!this.isOpen()) return Promise.reject(new Error('not connected'));
    return this.send(op);
  }

  /** Sends on the socket whatever the state (the open sequence's own requests). */
  private send(op: ClientOp): Promise<ServerMessage<unknown>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== kOpen) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      // A timed-out request keeps its place: its reply, if it ever comes,
      // must not be taken for the next request's.
      const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
      const timer = setTimeout(() => reject(new Error(`no reply to ${op.op} within ${timeoutMs} ms`)), timeoutMs);
      this.pending.push({
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      socket.send(JSON.stringify(op));
    });
  }

  /** A request whose failure is reported as an event (resubscribe, token refresh). */
  private requestReported(op: ClientOp, onReply?: (m: ServerMessage<unknown>) => void): void {
    this.send(op).then(
      (reply) => {
        if (onReply) return onReply(reply);
        if (reply.op === 'error') this.emit('error', { kind: 'server', message: String(reply.error) });
      },
      () => {},  // the connection closed; the next one sends it again
    );
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) p.reject(error);
  }

  // ---- token ----

  // A server without client auth answers the `auth` op with code "auth_off"
  // (an older one with "unknown op"): harmless, the client stops sending
  // tokens and the connection works as before.
  private async sendToken(): Promise<void> {
    if (!this.options.token || !this.authSupported) return;
    let token: Token;
    try {
      token = await this.options.token();
    } catch (cause) {
      this.emit('error', { kind: 'token', message: 'token callback failed', cause });
      return;
    }
    if (this.socket?.readyState !== kOpen) return;
    this.requestReported({ op: 'auth', token: token.token }, (reply) => {
      if (reply.op !== 'error') return;
      if (isAuthOff(reply)) this.authSupported = false;
      else this.emit('error', { kind: 'token', message: String(reply.error) });
    });
    if (token.expiresAt !== undefined) {
      const margin = this.options.tokenRefreshMarginMs ?? 30_000;
      if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
      this.tokenTimer = setTimeout(() => {
        this.tokenTimer = undefined;
        void this.sendToken();
      }, Math.max(0, token.expiresAt - Date.now() - margin));
    }
  }

  // ---- heartbeat ----

  private startHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 0;
    if (every <= 0) return;
    this.awaitingHeartbeat = false;
    this.heartbeatTimer = setInterval(() => {
      if (this.awaitingHeartbeat) {
        this.emit('error', { kind: 'transport', message: `no pong within ${every} ms` });
        return this.socket?.close(4000, 'heartbeat');
      }
      this.awaitingHeartbeat = true;
      this.requestReported({ op: 'ping' }, () => (this.awaitingHeartbeat = false));
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    if (this.tokenTimer !== undefined) clearTimeout(this.tokenTimer);
    this.reconnectTimer = this.tokenTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (this.socketState === state) return;
    this.socketState = state;
    this.emit('state', state);
  }
}

/** The server has no client auth: it says so with code "auth_off", or does not know the op. */
function isAuthOff(reply: ServerMessage<unknown>): boolean {
  const m = reply as { error?: unknown; code?: unknown };
  return m.code === 'auth_off' || /unknown op/.test(String(m.error));
}

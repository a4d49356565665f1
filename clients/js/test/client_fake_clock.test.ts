// TroveClient behaviour that depends on time, with vitest's fake clock and a
// scripted socket: backoff timing, token refresh, malformed frames.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEtag, TroveClient, type ClientError } from '../src/index.js';
import { FakeSocket } from './fake_socket.js';

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.reset();
});
afterEach(() => vi.useRealTimers());

function client(extra: Partial<ConstructorParameters<typeof TroveClient>[0]> = {}) {
  return new TroveClient<{ hp: number }>({ url: 'ws://trove.test:1', WebSocket: FakeSocket, pollFallback: false, ...extra });
}

describe('reconnection', () => {
  it('waits full-jitter exponential delays between attempts, capped', async () => {
    FakeSocket.fail = true;
    const t0 = Date.now();
    const c = client({ random: () => 0.5, backoff: { baseMs: 100, capMs: 1000 } });
    void c.connect();
    await vi.advanceTimersByTimeAsync(3000);
    c.close();
    // Attempt k waits 0.5 * min(1000, 100 * 2^k): 50, 100, 200, 400, 500, 500 ...
    // so by 3000 ms: attempts at 0, 50, 150, 350, 750, 1250, 1750, 2250, 2750.
    expect(FakeSocket.instances.length).toBe(9);
    expect(Date.now() - t0).toBe(3000);
  });

  it('opens at the jittered times exactly and resets the backoff after a success', async () => {
    FakeSocket.fail = true;
    const opened: number[] = [];
    const t0 = Date.now();
    const Recording = class extends FakeSocket {
      constructor(url: string) {
        super(url);
        opened.push(Date.now() - t0);
      }
    };
    const c = client({ WebSocket: Recording, random: () => 0.25, backoff: { baseMs: 400, capMs: 2000 } });
    void c.connect();
    await vi.advanceTimersByTimeAsync(2000);
    // 0.25 * 400, 0.25 * 800, 0.25 * 1600, 0.25 * 2000 ...
    expect(opened.slice(0, 5)).toEqual([0, 100, 300, 700, 1200]);
    FakeSocket.fail = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(c.state).toBe('open');
    const before = opened.length;
    FakeSocket.instances.at(-1)!.close(1001);
    await vi.advanceTimersByTimeAsync(100);
    expect(opened.length).toBe(before + 1);  // back to the first delay: 0.25 * 400
    expect(opened.at(-1)! - opened.at(-2)!).toBeGreaterThanOrEqual(100);
    c.close();
  });
});

describe('malformed server messages', () => {
  it('are reported as errors, never thrown, and the connection goes on', async () => {
    const c = client();
    const errors: ClientError[] = [];
    const updates: number[] = [];
    c.on('error', (e) => errors.push(e));
    c.on('update', (b) => updates.push(b.payload.data!.hp));
    await c.connect();
    const socket = FakeSocket.instances[0];
    for (const bad of ['not json', '[1,2]', '"push"', '{"no":"op"}', '{"op":"push","box":"1","seq":1,"payload":{}}',
      '{"op":"push","box":1,"seq":1,"payload":3}', '{"op":"synced"}', '{"op":"unsubscribed"}',
      '{"op":"push","box":1,"seq":1,"boot":"xyz","payload":{}}',
      // Recovery fields: positions are safe integers, sync is one of two words.
      '{"op":"push","box":1,"seq":1,"hpos":-4,"payload":{}}', '{"op":"push","box":1,"seq":1,"hpos":1e300,"payload":{}}',
      '{"op":"synced","hunt":"h","boxes":1,"sync":"maybe","boot":"00c0ffee12345678","hpos":5}',
      '{"op":"synced","hunt":"h","boxes":1,"sync":"full","boot":"00c0ffee12345678"}',
      '{"op":"synced","hunt":"h","boxes":1,"sync":"full","boot":"00c0ffee12345678","hpos":"5"}',
      '{"op":"synced","boxes":1,"sync":"full"}', '{"op":"synced","hunt":7,"boxes":1,"sync":"full","boot":"00c0ffee12345678","hpos":5}']) {
      expect(() => socket.receive(bad)).not.toThrow();
    }
    expect(errors.map((e) => e.kind)).toEqual(Array(16).fill('malformed'));
    expect(errors[0].raw).toBe('not json');
    c.on('update', () => { throw new Error('a broken listener'); });
    socket.receive({ op: 'push', box: 1, seq: 2, payload: { box: 1, data: { hp: 7 } } });
    socket.receive({ op: 'push', box: 1, seq: 1, payload: { box: 1, data: { hp: 6 } } });  // older: dropped
    expect(updates).toEqual([7]);
    expect(errors.at(-1)!.kind).toBe('listener');
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
    c.close();
  });
});

describe('token', () => {
  it('is sent on connect and refreshed before it expires', async () => {
    let calls = 0;
    FakeSocket.reply = (op) => (op.op === 'auth' ? { op: 'auth', ok: true } : op.op === 'ping' ? { op: 'pong' } : null);
    const c = client({
      token: () => ({ token: `t${++calls}`, expiresAt: Date.now() + 60_000 }),
      tokenRefreshMarginMs: 10_000,
    });
    await c.connect();
    await vi.advanceTimersByTimeAsync(1);
    const socket = FakeSocket.instances[0];
    expect(socket.sent).toEqual([{ op: 'auth', token: 't1' }]);
    await vi.advanceTimersByTimeAsync(49_998);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(calls).toBe(2);
    expect(socket.sent.at(-1)).toEqual({ op: 'auth', token: 't2' });
    await vi.advanceTimersByTimeAsync(50_000);
    expect(calls).toBe(3);
    c.close();
  });

  it.each([
    ['has no client auth', { op: 'error', error: 'client auth is off on this server', code: 'auth_off' }],
    ['does not know the auth op', { op: 'error', error: 'unknown op (get | subscribe | unsubscribe | ping)' }],
  ])('stops refreshing, harmlessly, when the server %s', async (_why, answer) => {
    let calls = 0;
    FakeSocket.reply = (op) => (op.op === 'auth' ? answer : null);
    const errors: ClientError[] = [];
    const c = client({ token: () => ({ token: `t${++calls}`, expiresAt: Date.now() + 60_000 }) });
    c.on('error', (e) => errors.push(e));
    await c.connect();
    await vi.advanceTimersByTimeAsync(240_000);
    expect(calls).toBe(1);
    expect(FakeSocket.instances[0].sent).toEqual([{ op: 'auth', token: 't1' }]);
    expect(errors).toEqual([]);
    c.close();
  });
});

describe('incarnations', () => {
  it('orders seqs within one boot, and takes a push of another boot whatever its seq', async () => {
    const c = client();
    const seen: [number, string | undefined][] = [];
    c.on('update', (b) => seen.push([b.seq, b.boot]));
    await c.connect();
    const socket = FakeSocket.instances[0];
    socket.receive({ op: 'push', box: 1, seq: 5, boot: '00000000000000aa', payload: { box: 1 } });
    socket.receive({ op: 'push', box: 1, seq: 4, boot: '00000000000000aa', payload: { box: 1 } });  // older: dropped
    socket.receive({ op: 'push', box: 1, seq: 1, boot: '00000000000000bb', payload: { box: 1 } });  // a restart
    socket.receive({ op: 'push', box: 1, seq: 1, boot: '00000000000000bb', payload: { box: 1 } });  // the same: dropped
    expect(seen).toEqual([[5, '00000000000000aa'], [1, '00000000000000bb']]);
    c.close();
  });

  it('parses ETags "<boot>-<seq>" and bare "<seq>", and refuses anything else', () => {
    expect(parseEtag('"9f3c2a1b00d4e567-5"')).toEqual({ seq: 5, boot: '9f3c2a1b00d4e567' });
    expect(parseEtag('W/"9f3c2a1b00d4e567-12"')).toEqual({ seq: 12, boot: '9f3c2a1b00d4e567' });
    expect(parseEtag('"7"')).toEqual({ seq: 7 });
    for (const bad of ['', '5', '"0"', '"9f3c-5"', '"9F3C2A1B00D4E567-5"', '"9f3c2a1b00d4e567-"', '"9f3c2a1b00d4e567-05"',
      '"99999999999999999999"', '"a"-"1"']) {
      expect(parseEtag(bad)).toBeNull();
    }
  });
});

describe('token close codes', () => {
  it.each([[4401, 'expired'], [4408, 'token expired']])('reports close %i as a token error and reconnects with a new token', async (code, reason) => {
    let calls = 0;
    const errors: ClientError[] = [];
    const c = client({ token: () => ({ token: `t${++calls}` }), random: () => 0 });
    c.on('error', (e) => errors.push(e));
    await c.connect();
    FakeSocket.instances[0].close(code, reason);
    await vi.advanceTimersByTimeAsync(10);
    expect(errors).toEqual([{ kind: 'token', message: `closed ${code}: ${reason}` }]);
    expect(FakeSocket.instances.length).toBe(2);
    expect(FakeSocket.instances[1].sent[0]).toEqual({ op: 'auth', token: 't2' });
    c.close();
  });
});

describe('heartbeat', () => {
  it('reconnects when a ping op goes unanswered', async () => {
    FakeSocket.reply = () => null;  // a server that has stopped answering
    const c = client({ heartbeatMs: 1000, random: () => 0 });
    await c.connect();
    await vi.advanceTimersByTimeAsync(2001);
    expect(FakeSocket.instances.length).toBe(2);
    c.close();
  });
});

describe('resubscription', () => {
  it('sends the token, then every subscription, before taking requests again', async () => {
    const replies: Record<string, unknown> = { auth: { op: 'auth' }, subscribe: { op: 'subscribed' }, unsubscribe: { op: 'unsubscribed' } };
    FakeSocket.reply = (op) => replies[op.op as string] ?? null;
    const c = client({ token: () => ({ token: 'jwt' }), random: () => 0 });
    await c.connect();
    const boxes = Array.from({ length: 5000 }, (_, i) => i + 1);
    await c.subscribe({ boxes });
    await c.subscribe({ hunt: 'spring' });
    await c.unsubscribe({ boxes: [5000] });
    FakeSocket.instances[0].close(1001);
    await vi.advanceTimersByTimeAsync(10);
    const sent = FakeSocket.instances[1].sent;
    expect(sent.map((m) => m.op)).toEqual(['auth', 'subscribe', 'subscribe', 'subscribe']);
    expect((sent[1].boxes as number[]).length).toBe(4096);  // the server's limit per op
    expect((sent[2].boxes as number[]).length).toBe(903);
    expect(sent[3]).toEqual({ op: 'subscribe', hunt: 'spring' });
    expect(c.state).toBe('open');
    c.close();
  });
});

describe('request timeout', () => {
  it('fails a request left unanswered, and its late reply is not taken for the next one', async () => {
    FakeSocket.reply = () => null;
    const c = client({ requestTimeoutMs: 1000 });
    await c.connect();
    const late = c.get(1);
    const caught = late.catch((e: Error) => e.message);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await caught).toMatch(/no reply to get within 1000 ms/);
    const next = c.get(2);
    const socket = FakeSocket.instances[0];
    socket.receive({ op: 'get', box: 1, seq: 1, payload: { box: 1 } });  // the late reply
    socket.receive({ op: 'get', box: 2, seq: 4, payload: { box: 2 } });
    expect(await next).toEqual({ box: 2, seq: 4, payload: { box: 2 } });
    c.close();
  });
});

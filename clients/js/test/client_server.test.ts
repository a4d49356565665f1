// TroveClient against a real trove-server (TROVE_SERVER_BIN), through the
// Node entry point: Node 20 has no global WebSocket, so this also covers the
// `ws` fallback.
import { afterEach, describe, expect, it } from 'vitest';
import { BoxPoller, TroveClient, type Box, type ClientError, type ConnectionState } from '../src/node.js';
import { FakeSocket } from './fake_socket.js';
import { startServer, waitFor, type RunningServer } from './trove_server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer(options);
  cleanups.push(() => s.stop());
  return s;
}

function client<D = unknown>(s: RunningServer, extra: Partial<ConstructorParameters<typeof TroveClient>[0]> = {}) {
  const c = new TroveClient<D>({ url: s.wsUrl, backoff: { baseMs: 50, capMs: 400 }, ...extra });
  const updates: Box<D>[] = [];
  const errors: ClientError[] = [];
  const states: ConnectionState[] = [];
  c.on('update', (b) => updates.push(b));
  c.on('error', (e) => errors.push(e));
  c.on('state', (st) => states.push(st));
  cleanups.push(() => c.close());
  return { c, updates, errors, states };
}

describe('against trove-server', () => {
  it('gets boxes, answers pings and sends an update per box write', async () => {
    const s = await server();
    await s.ingest(['{"box":1,"hunt":"h","state":"open","x":1.5,"y":2}', '{"box":2,"hunt":"h"}']);
    const { c, updates, errors } = client<{ hp: number }>(s);
    await c.connect();
    expect(await c.get(1)).toEqual({
      box: 1, seq: 1, boot: expect.stringMatching(/^[0-9a-f]{16}$/), payload: { box: 1, state: 'open', x: 1.5, y: 2 },
    });
    expect(await c.get(99)).toBeNull();
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
    await c.subscribe({ boxes: [1, 2, 3] });
    await waitFor(() => updates.length === 2, 5000, 'current state of boxes 1 and 2');
    await s.ingest(['{"box":3,"state":"claimed"}', '{"box":1,"state":"empty"}']);
    await waitFor(() => updates.length === 4, 5000, 'live updates');
    expect(updates.slice(2).map((u) => [u.box, u.seq, u.payload.state]).sort()).toEqual([[1, 2, 'empty'], [3, 1, 'claimed']]);
    await c.unsubscribe({ boxes: [1] });
    await s.ingest(['{"box":1,"state":"open"}', '{"box":3,"state":"open"}']);
    await waitFor(() => updates.length === 5, 5000, 'box 3 only');
    expect(updates[4].box).toBe(3);
    expect(errors).toEqual([]);
  });

  it('serves a box\'s data typed by the caller, over get and pushes', async () => {
    interface Player { hp: number; inv: string[]; pos: { x: number; y: number }; note: string | null }
    const s = await server({ args: ['--max-data-bytes', '2048'] });
    const first: Player = { hp: 87, inv: ['sword', 'caf\u00e9'], pos: { x: 1.5, y: -2 }, note: null };
    await s.ingest([`{"box":7,"hunt":"d","data": ${JSON.stringify(first, null, 2).replace(/\n/g, ' ')}}`]);
    const { c, updates, errors } = client<Player>(s);
    await c.connect();
    const got = await c.get(7);
    expect(got?.payload).toEqual({ box: 7, data: first });
    const hp: number | undefined = got?.payload.data?.hp; // typed: Player['hp']
    expect(hp).toBe(87);
    await c.subscribe({ hunt: 'd' });
    await waitFor(() => updates.length === 1, 5000, 'current state of box 7');
    const second: Player = { ...first, hp: 12, inv: [] };
    await s.ingest([`{"box":7,"state":"open","data":${JSON.stringify(second)}}`]);
    await waitFor(() => updates.length === 2, 5000, 'the push with the new data');
    expect(updates[1].payload).toEqual({ box: 7, state: 'open', data: second });
    const tooBig = await s.ingest([`{"box":8,"data":"${'x'.repeat(2047)}"}`]);
    expect(tooBig.accepted).toBe(0);
    expect(errors).toEqual([]);
  });

  it('subscribes to a hunt and reports its synced marker', async () => {
    const s = await server();
    await s.ingest(Array.from({ length: 50 }, (_, i) => `{"box":${i + 1},"hunt":${i % 2 ? '"odd"' : '"even"'}}`));
    const { c, updates } = client(s);
    const synced: { hunt: string; boxes: number; sync: string }[] = [];
    c.on('synced', (m) => synced.push(m));
    await c.connect();
    await c.subscribe({ hunt: 'odd' });
    await waitFor(() => synced.length === 1, 5000, 'synced');
    expect(synced[0]).toEqual({ hunt: 'odd', boxes: 25, sync: 'full' });
    expect(new Set(updates.map((u) => u.box % 2))).toEqual(new Set([0]));  // odd hunt = even ids (i odd -> id even)
    expect(updates.length).toBe(25);
  });

  it('reconnects across a server restart and resubscribes', async () => {
    const first = await startServer();
    await first.ingest(['{"box":5,"hunt":"r","state":"open"}']);
    const { c, updates, states, errors } = client(first);
    const synced: string[] = [];
    c.on('synced', (m) => synced.push(m.hunt));
    await c.connect();
    await c.subscribe({ hunt: 'r' });
    await waitFor(() => synced.length === 1 && updates.length === 1, 5000, 'first snapshot');
    await first.stop();
    await waitFor(() => states.includes('reconnecting'), 5000, 'reconnecting');
    await expect(c.get(5)).rejects.toThrow(/not connected|closed/);
    const second = await server({ port: first.dataPort });
    await waitFor(() => c.state === 'open', 10_000, 'reopened');
    await waitFor(() => synced.length === 2, 5000, 'resubscribed snapshot');
    await second.ingest(['{"box":5,"hunt":"r","state":"claimed"}']);
    // The new server's first version of box 5 is seq 1 again: not dropped as old.
    await waitFor(() => updates.some((u) => u.payload.state === 'claimed'), 5000, 'update after restart');
    expect(updates.at(-1)).toMatchObject({ box: 5, seq: 1 });
    expect(errors.filter((e) => e.kind !== 'transport')).toEqual([]);
  });

  it('sends the token with the auth op, harmlessly to a server without client auth (auth_off)', async () => {
    const s = await server();
    await s.ingest(['{"box":8}']);
    let calls = 0;
    const { c, errors } = client(s, { token: () => ({ token: `jwt-${++calls}`, expiresAt: Date.now() + 3_600_000 }) });
    await c.connect();
    expect(calls).toBe(1);
    expect((await c.get(8))?.seq).toBe(1);
    await c.subscribe({ boxes: [8] });
    expect(errors).toEqual([]);
  });

  it('polls subscribed boxes over HTTP with If-None-Match while the WebSocket cannot open', async () => {
    const s = await server();
    await s.ingest(['{"box":4,"state":"open"}']);
    FakeSocket.reset();
    FakeSocket.fail = true;  // e.g. a proxy that refuses upgrades
    let polls = 0;
    let notModified = 0;
    const counting: typeof fetch = async (input, init) => {
      const r = await fetch(input, init);
      polls += 1;
      if (r.status === 304) notModified += 1;
      return r;
    };
    const { c, updates } = client(s, {
      WebSocket: FakeSocket, fetch: counting, random: () => 0, pollFallback: { afterFailures: 2, intervalMs: 20 },
    });
    await c.subscribe({ boxes: [4] });
    void c.connect();
    await waitFor(() => updates.length === 1 && notModified >= 2, 5000, 'a poll, then 304s');
    expect(updates[0]).toMatchObject({ box: 4, seq: 1, boot: expect.stringMatching(/^[0-9a-f]{16}$/), payload: { state: 'open' } });
    await s.ingest(['{"box":4,"state":"empty"}']);
    await waitFor(() => updates.length === 2, 5000, 'the polled update');
    expect(updates[1]).toMatchObject({ box: 4, seq: 2, payload: { state: 'empty' } });
    expect(polls).toBeGreaterThan(notModified);
    c.close();
    FakeSocket.reset();
  });

  it('BoxPoller reports only changed boxes', async () => {
    const s = await server();
    await s.ingest(['{"box":1}', '{"box":2}']);
    const seen: Box[] = [];
    const errors: string[] = [];
    const p = new BoxPoller({ baseUrl: s.httpUrl }, (b) => seen.push(b), (m) => errors.push(m));
    p.setBoxes([1, 2, 3]);
    await p.pollOnce();
    expect(seen.map((b) => b.box).sort()).toEqual([1, 2]);
    await p.pollOnce();
    expect(seen.length).toBe(2);
    await s.ingest(['{"box":2,"state":"open"}']);
    await p.pollOnce();
    expect(seen.at(-1)).toMatchObject({ box: 2, seq: 2 });
    expect(errors).toEqual([]);
  });
});

describe('liveness', () => {
  it('a client that only listens stays connected across server pings', async () => {
    const s = await server({ args: ['--ws-ping-interval-s', '1', '--idle-timeout-ms', '600'] });
    const { c, states } = client(s);
    await c.connect();
    await new Promise((r) => setTimeout(r, 3500));
    expect(c.state).toBe('open');
    expect(states).toEqual(['connecting', 'open']);
  });
});

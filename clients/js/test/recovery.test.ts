// Hunt recovery against a real trove-server (docs/api.md, Recovery): after a
// reconnect the client resubscribes with the position it holds and receives
// only the updates it missed, then `synced: recovered`; a server restarted
// without its state dir is another incarnation and answers `full`.
import { afterEach, describe, expect, it } from 'vitest';
import { TroveClient, type Box, type ClientError } from '../src/node.js';
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

function hunt(ids: number[], state: string): string[] {
  return ids.map((b) => `{"box":${b},"hunt":"h","state":"${state}"}`);
}

// Every reconnect waits ~1 s (the jitter pinned near its top): the updates a
// test makes while the client is away land before it resubscribes, however
// slow the server (a sanitizer build) is to store them.
function client(s: RunningServer) {
  const c = new TroveClient({ url: s.wsUrl, backoff: { baseMs: 1000, capMs: 1000 }, random: () => 0.999 });
  const updates: Box[] = [];
  const errors: ClientError[] = [];
  const synced: { hunt: string; boxes: number; sync: string }[] = [];
  c.on('update', (b) => updates.push(b));
  c.on('error', (e) => errors.push(e));
  c.on('synced', (m) => synced.push(m));
  cleanups.push(() => c.close());
  return { c, updates, errors, synced };
}

// Drops the connection under the client (as a network failure would): the
// client did not ask to close, so it reconnects; the server keeps its store.
async function dropConnection(c: TroveClient): Promise<void> {
  (c as unknown as { socket?: { close(code?: number): void } }).socket?.close(4000);
}

describe('hunt recovery', () => {
  it('after missing updates, a reconnecting client receives only those and synced: recovered', async () => {
    const s = await server();
    const ids = Array.from({ length: 200 }, (_, i) => i + 1);
    await s.ingest(hunt(ids, 'open'));
    const { c, updates, errors, synced } = client(s);
    await c.connect();
    await c.subscribe({ hunt: 'h' });
    await waitFor(() => synced.length === 1, 5000, 'first snapshot');
    expect(synced[0]).toEqual({ hunt: 'h', boxes: 200, sync: 'full' });
    await s.ingest(hunt([1], 'claimed'));
    await waitFor(() => updates.length === 201, 5000, 'a live update');
    const before = c.huntPosition('h')!;
    expect(before.hpos).toBe(updates[200].hpos);

    // Away: the connection drops, and ten boxes change meanwhile.
    const states: string[] = [];
    c.on('state', (st) => states.push(st));
    await dropConnection(c);
    await waitFor(() => states.includes('reconnecting'), 5000, 'reconnecting');
    await s.ingest(hunt([11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 'empty'));
    await waitFor(() => synced.length === 2, 10_000, 'recovered');
    expect(synced[1]).toEqual({ hunt: 'h', boxes: 10, sync: 'recovered' });
    const missed = updates.slice(201);
    expect(missed.map((u) => u.box).sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(missed.every((u) => u.payload.state === 'empty')).toBe(true);
    expect(c.huntPosition('h')!.hpos).toBeGreaterThan(before.hpos);

    // Nothing missed: only synced.
    await dropConnection(c);
    await waitFor(() => synced.length === 3, 10_000, 'recovered again');
    expect(synced[2]).toEqual({ hunt: 'h', boxes: 0, sync: 'recovered' });
    expect(updates.length).toBe(211);
    expect(errors.filter((e) => e.kind !== 'transport')).toEqual([]);
  });

  it('boxes resubscribe with the versions held and receive only the changed ones', async () => {
    const s = await server();
    await s.ingest(['{"box":1,"state":"open"}', '{"box":2,"state":"open"}', '{"box":3,"state":"open"}']);
    const { c, updates, errors } = client(s);
    const boxesSynced: { boxes: number; sync: string }[] = [];
    c.on('boxesSynced', (m) => boxesSynced.push(m));
    const states: string[] = [];
    c.on('state', (st) => states.push(st));
    await c.connect();
    await c.subscribe({ boxes: [1, 2, 3] });
    await waitFor(() => updates.length === 3, 5000, 'first states');
    await dropConnection(c);
    await waitFor(() => states.includes('reconnecting'), 5000, 'reconnecting');
    await s.ingest(['{"box":2,"state":"claimed"}']);
    await waitFor(() => boxesSynced.length === 1, 10_000, 'boxes recovered');
    expect(boxesSynced[0]).toEqual({ boxes: 1, sync: 'recovered' });
    expect(updates.slice(3).map((u) => [u.box, u.seq, u.payload.state])).toEqual([[2, 2, 'claimed']]);
    expect(errors.filter((e) => e.kind !== 'transport')).toEqual([]);
  });

  it('after a server restart without state dir it gets the whole state: synced: full', async () => {
    const first = await startServer();
    await first.ingest(hunt([1, 2, 3], 'open'));
    const { c, updates, errors, synced } = client(first);
    await c.connect();
    await c.subscribe({ hunt: 'h' });
    await waitFor(() => synced.length === 1, 5000, 'first snapshot');
    const oldBoot = c.huntPosition('h')!.boot;
    await first.stop();
    const second = await server({ port: first.dataPort });
    await second.ingest(hunt([1, 2], 'claimed'));
    await waitFor(() => synced.length === 2, 10_000, 'resubscribed');
    expect(synced[1].sync).toBe('full');
    await waitFor(() => updates.length === 5, 5000, 'boxes 1 and 2 of the new incarnation');
    // seq 1 of the new incarnation is not dropped as older than seq 1 of the old one.
    expect(updates.slice(3).map((u) => [u.box, u.seq, u.payload.state]).sort()).toEqual([[1, 1, 'claimed'], [2, 1, 'claimed']]);
    expect(c.huntPosition('h')!.boot).not.toBe(oldBoot);
    expect(errors.filter((e) => e.kind !== 'transport')).toEqual([]);
  });
});

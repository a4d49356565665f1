// The HTTP polling fallback: GET /v1/boxes/{id} with If-None-Match, so an
// unchanged box costs a 304 with no body. Used while the WebSocket cannot be
// opened (a proxy that refuses upgrades, a server restarting); hunts cannot
// be polled, boxes can.
import type { Box, BoxPayload } from './protocol.js';

export interface PollerOptions {
  /** http(s)://host:port of the data plane. */
  baseUrl: string;
  /** Time between two rounds over every box, ms. Default 1000. */
  intervalMs?: number;
  fetch?: typeof globalThis.fetch;
}

export class BoxPoller<D = unknown> {
  private readonly etags = new Map<number, string>();
  private boxes: number[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly options: PollerOptions,
    private readonly onBox: (box: Box<D>) => void,
    private readonly onError: (message: string, cause?: unknown) => void,
  ) {}

  setBoxes(boxes: Iterable<number>): void {
    this.boxes = [...boxes];
  }

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.round();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Polls every box once; resolves when all answered. */
  async pollOnce(): Promise<void> {
    await Promise.all(this.boxes.map((id) => this.pollBox(id)));
  }

  private async round(): Promise<void> {
    await this.pollOnce();
    if (this.running) this.timer = setTimeout(() => void this.round(), this.options.intervalMs ?? 1000);
  }

  private async pollBox(id: number): Promise<void> {
    const fetchFn = this.options.fetch ?? globalThis.fetch;
    const headers: Record<string, string> = {};
    const etag = this.etags.get(id);
    if (etag) headers['If-None-Match'] = etag;
    try {
      const r = await fetchFn(`${this.options.baseUrl}/v1/boxes/${id}`, { headers });
      if (r.status === 304 || r.status === 404) return;
      if (r.status !== 200) return this.onError(`poll of box ${id}: HTTP ${r.status}`);
      const tag = r.headers.get('etag') ?? '';
      const version = parseEtag(tag);
      const payload = (await r.json()) as BoxPayload<D>;
      if (!version) return this.onError(`poll of box ${id}: bad ETag ${tag}`);
      this.etags.set(id, tag);
      this.onBox({ box: id, seq: version.seq, boot: version.boot, payload });
    } catch (cause) {
      this.onError(`poll of box ${id} failed`, cause);
    }
  }
}

/**
 * The box version an ETag names: `"<boot>-<seq>"` (boot = the server's
 * incarnation, 16 hex digits), or a bare `"<seq>"` from a server without
 * incarnations. Null for anything else.
 */
export function parseEtag(tag: string): { seq: number; boot?: string } | null {
  const m = /^(?:W\/)?"(?:([0-9a-f]{16})-)?([1-9][0-9]*)"$/.exec(tag);
  if (!m) return null;
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(seq)) return null;
  return m[1] === undefined ? { seq } : { seq, boot: m[1] };
}

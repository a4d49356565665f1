// A scripted WebSocket for tests that need a fake clock: it opens (or fails)
// on a microtask, records what the client sends and answers with `reply`.
import type { WebSocketLike } from '../src/client.js';

export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  static fail = false;
  static reply: (op: Record<string, unknown>) => unknown = FakeSocket.defaultReply;

  static defaultReply(op: Record<string, unknown>): unknown {
    if (op.op === 'ping') return { op: 'pong', id: op.id };
    return op.op === 'subscribe' ? { op: 'subscribed' } : null;
  }

  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
    queueMicrotask(() => {
      if (FakeSocket.fail) {
        this.readyState = 3;
        this.onerror?.({});
        this.onclose?.({ code: 1006 });
      } else {
        this.readyState = 1;
        this.onopen?.({});
      }
    });
  }

  send(data: string): void {
    const op = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(op);
    const answer = FakeSocket.reply(op);
    if (answer !== null) queueMicrotask(() => this.receive(answer));
  }

  /** Delivers a server frame (an object is sent as its JSON). */
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  static reset(): void {
    FakeSocket.instances = [];
    FakeSocket.fail = false;
    FakeSocket.reply = FakeSocket.defaultReply;
  }
}

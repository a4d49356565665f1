// The messages of trove-server's /v1/ws endpoint, as docs/protocol/asyncapi.yaml
// defines them. Box ids are JSON numbers: exact up to 2^53-1 in JavaScript.

export type BoxState = 'closed' | 'open' | 'claimed' | 'empty';

/** A box's stored payload; `data` is the app's own JSON, typed by the caller. */
export interface BoxPayload<D = unknown> {
  box: number;
  state?: BoxState;
  x?: number;
  y?: number;
  ts?: number;
  player?: string;
  data?: D;
}

/**
 * One box as the server last sent it; `seq` is its version within the
 * incarnation `boot` (16 hex digits). A different `boot` means the server's
 * version numbering started again: compare `seq`s of the same `boot` only.
 */
export interface Box<D = unknown> {
  box: number;
  seq: number;
  boot?: string;
  /** Live pushes of a hunt's box: the hunt position a resubscription resumes from. */
  hpos?: number;
  payload: BoxPayload<D>;
}

/**
 * Where a hunt subscription resumes: the position `hpos` of the incarnation
 * `boot` (docs/api.md, Recovery). Positions stay below 2^53, so a JavaScript
 * number holds them exactly.
 */
export interface HuntPosition {
  boot: string;
  hpos: number;
}

/** How a hunt subscription caught up: only the missed changes, or the whole state. */
export type SyncMode = 'recovered' | 'full';

/** The acknowledgement of an ingest batch (the ingest listener's answer). */
export interface IngestAck {
  seq: number;
  boot: string;
  ack: 'memory' | 'durable';
  accepted: number;
  rejected: { index: number; error: string; code: string; field?: string }[];
  rejectedTotal?: number;
  /** Why a durable ack could not be given (the batch is in memory only). */
  error?: string;
}

export type ClientOp =
  | { op: 'get'; box: number }
  | { op: 'subscribe'; boxes: number[]; since?: number[]; boot?: string }
  | { op: 'subscribe'; hunt: string; since?: number; boot?: string }
  | { op: 'unsubscribe'; boxes?: number[]; hunt?: string }
  | { op: 'ping'; id?: number | string }
  | { op: 'auth'; token: string };

export type ServerMessage<D = unknown> =
  | { op: 'get'; box: number; seq: number; boot: string; payload: BoxPayload<D> }
  | { op: 'get'; box: number; error: string; code: number }
  | { op: 'subscribed'; boxes?: number; hunt?: string; sync?: SyncMode }
  | { op: 'unsubscribed' }
  | { op: 'push'; box: number; seq: number; boot: string; hpos?: number; payload: BoxPayload<D> }
  | { op: 'authenticated'; exp: number }
  | { op: 'synced'; hunt: string; boxes: number; sync: SyncMode; boot: string; hpos: number }
  | { op: 'synced'; boxes: number; sync: SyncMode; boot: string }
  | { op: 'pong'; id?: number | string }
  | { op: 'error'; error: string; code?: string | number }
  | { op: string; [member: string]: unknown };

/**
 * Parses one text frame. Returns the message, or a reason it is not one this
 * client understands (never throws: a malformed frame is reported, not fatal).
 */
export function parseServerMessage<D>(text: string): { message: ServerMessage<D> } | { malformed: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { malformed: 'not a JSON object' };
  }
  const m = value as Record<string, unknown>;
  if (typeof m.op !== 'string') return { malformed: 'no "op"' };
  if (m.op === 'push' || (m.op === 'get' && !('error' in m))) {
    if (!isBoxId(m.box) || !isBoxId(m.seq) || !isObject(m.payload)) {
      return { malformed: `"${m.op}" needs box, seq and an object payload` };
    }
    if (m.boot !== undefined && !isBoot(m.boot)) return { malformed: `"${m.op}" has a boot that is not 16 hex digits` };
  }
  if (m.op === 'push' && m.hpos !== undefined && !isPosition(m.hpos)) return { malformed: '"push" has an hpos that is not a position' };
  if (m.op === 'synced') {
    if (m.hunt !== undefined && typeof m.hunt !== 'string') return { malformed: '"synced" has a hunt that is not a string' };
    if (!isPosition(m.boxes)) return { malformed: '"synced" needs boxes' };
    if (m.sync !== 'recovered' && m.sync !== 'full') return { malformed: '"synced" needs sync: recovered or full' };
    if (!isBoot(m.boot)) return { malformed: '"synced" needs boot' };
    if (m.hunt !== undefined && !isPosition(m.hpos)) return { malformed: 'a hunt\'s "synced" needs hpos' };
  }
  if (m.op === 'error' && typeof m.error !== 'string') return { malformed: '"error" needs error' };
  return { message: m as ServerMessage<D> };
}

function isBoxId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function isPosition(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isBoot(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

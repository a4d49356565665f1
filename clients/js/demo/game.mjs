// A small simulated game for the live demo: BOXES treasure boxes of one hunt
// wander over a WORLD_W x WORLD_H map and change state, and every tick each
// moved box is written to trove through the ingest listener (--ingest URL:
// the server's --ingest-port, not its public port, which answers 404).
//
//   node game.mjs --ingest http://127.0.0.1:8081 [--boxes 300] [--hunt demo] [--tick-ms 100]
//
// A failed POST (the server is restarting) is retried on the next tick with
// every box, so a restarted server gets the whole hunt back.
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    ingest: { type: 'string' },
    boxes: { type: 'string', default: '300' },
    hunt: { type: 'string', default: 'demo' },
    'tick-ms': { type: 'string', default: '100' },
  },
});
if (!args.ingest) {
  console.error('game.mjs: --ingest URL is required');
  process.exit(2);
}
const kIngestUrl = `${args.ingest.replace(/\/$/, '')}/v1/ingest`;
const kBoxes = Number(args.boxes);
const kTickMs = Number(args['tick-ms']);
// The page draws the same world size (app.js), so coordinates map 1:1.
const kWorldW = 1000;
const kWorldH = 600;
const kStates = ['closed', 'open', 'claimed', 'empty'];
// Each tick a box changes state with this chance: a few state changes per
// second across a few hundred boxes, slow enough to watch.
const kStateChangeChance = 0.004;
// Only some boxes move each tick, so the hunt has still and moving boxes.
const kMoveChance = 0.5;
const kMaxSpeed = 6;

const boxes = Array.from({ length: kBoxes }, (_, i) => ({
  box: i + 1,
  x: Math.random() * kWorldW,
  y: Math.random() * kWorldH,
  vx: (Math.random() * 2 - 1) * kMaxSpeed,
  vy: (Math.random() * 2 - 1) * kMaxSpeed,
  state: kStates[i % kStates.length],
}));

function step(b) {
  b.x += b.vx;
  b.y += b.vy;
  if (b.x < 0 || b.x > kWorldW) b.vx = -b.vx;
  if (b.y < 0 || b.y > kWorldH) b.vy = -b.vy;
  b.x = Math.min(kWorldW, Math.max(0, b.x));
  b.y = Math.min(kWorldH, Math.max(0, b.y));
  if (Math.random() < kStateChangeChance) b.state = kStates[Math.floor(Math.random() * kStates.length)];
}

const line = (b) => JSON.stringify({ box: b.box, hunt: args.hunt, x: Math.round(b.x * 10) / 10,
  y: Math.round(b.y * 10) / 10, state: b.state });

let resendAll = true;
let stopped = false;
let sent = 0;
async function tick() {
  const moved = resendAll ? boxes : boxes.filter(() => Math.random() < kMoveChance);
  for (const b of moved) step(b);
  try {
    const r = await fetch(kIngestUrl, { method: 'POST', body: moved.map(line).join('\n') + '\n' });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    await r.arrayBuffer();
    sent += moved.length;
    resendAll = false;
  } catch {
    resendAll = true;  // the server is down or restarting: send every box next time
  }
}

async function run() {
  console.log(`game: ${kBoxes} boxes of hunt "${args.hunt}" -> ${kIngestUrl} every ${kTickMs} ms`);
  while (!stopped) {
    const started = Date.now();
    await tick();
    await new Promise((r) => setTimeout(r, Math.max(0, kTickMs - (Date.now() - started))));
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopped) return;
    stopped = true;
    console.log(`game: stopped after ${sent} box writes`);
  });
}
run();

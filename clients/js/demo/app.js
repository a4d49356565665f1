// The demo page: subscribes to one hunt with trove-client and draws every
// box on a canvas, coloured by state, with the connection status and
// counters in the DOM (the browser test reads them).
import { TroveClient } from '/trove-client/index.js';

// The game's world size (game.mjs), scaled onto the canvas.
const kWorldW = 1000;
const kWorldH = 600;
const kColours = { closed: '#8a9ba8', open: '#f5c542', claimed: '#e8553e', empty: '#4a6fa5' };
const kRadius = 5;
// Updates per second over a sliding one-second window, shown every 250 ms.
const kRateWindowMs = 1000;
const kStatsEveryMs = 250;

const $ = (id) => document.getElementById(id);
const canvas = $('map');
const ctx = canvas.getContext('2d');
const boxes = new Map();   // box id -> { x, y, state }
const recent = [];         // arrival times of updates inside the rate window
const stats = { updates: 0, reconnects: 0, synced: 0, errors: 0, states: [] };
window.demoStats = stats;  // for the browser test

$('legend').innerHTML = Object.entries(kColours).map(([s, c]) => `<span style="background:${c}"></span>${s}`).join('');

function draw() {
  ctx.fillStyle = '#1d2b36';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const b of boxes.values()) {
    ctx.fillStyle = kColours[b.state] ?? '#fff';
    ctx.beginPath();
    // Inset by one radius so boxes on the world's edge are drawn whole.
    const x = kRadius + (b.x / kWorldW) * (canvas.width - 2 * kRadius);
    const y = kRadius + (b.y / kWorldH) * (canvas.height - 2 * kRadius);
    ctx.arc(x, y, kRadius, 0, 2 * Math.PI);
    ctx.fill();
  }
  requestAnimationFrame(draw);
}

function showStats() {
  const now = performance.now();
  while (recent.length && now - recent[0] > kRateWindowMs) recent.shift();
  $('boxes').textContent = boxes.size;
  $('ups').textContent = recent.length;
  $('updates').textContent = stats.updates;
  $('reconnects').textContent = stats.reconnects;
  $('synced').textContent = stats.synced;
  $('errors').textContent = stats.errors;
}

async function main() {
  const config = await (await fetch('/api/config')).json();
  $('hunt').textContent = config.hunt;
  const client = new TroveClient({ url: config.wsUrl, backoff: { baseMs: 100, capMs: 2000 } });
  client.on('update', ({ box, payload }) => {
    const b = boxes.get(box) ?? {};
    boxes.set(box, { x: payload.x ?? b.x ?? 0, y: payload.y ?? b.y ?? 0, state: payload.state ?? b.state });
    stats.updates += 1;
    recent.push(performance.now());
  });
  client.on('synced', () => { stats.synced += 1; });
  client.on('error', (e) => {
    stats.errors += 1;
    console.warn(`trove-client ${e.kind}: ${e.message}`);
  });
  client.on('state', (state) => {
    if (state === 'reconnecting' && stats.states.at(-1) !== 'reconnecting') stats.reconnects += 1;
    stats.states.push(state);
    $('status').textContent = state;
    $('status').dataset.state = state;
  });
  $('restart').addEventListener('click', async () => {
    $('restart').disabled = true;
    try { await fetch('/api/restart', { method: 'POST' }); } finally { $('restart').disabled = false; }
  });
  setInterval(showStats, kStatsEveryMs);
  requestAnimationFrame(draw);
  await client.connect();
  await client.subscribe({ hunt: config.hunt });
}

main().catch((e) => console.error(`demo: ${e.message}`));

// The live demo (`make demo`): starts trove-server, the simulated game
// (game.mjs) and a tiny static server for the page (index.html, app.js and
// trove-client's tsc output in ../dist). trove-server's data plane serves
// only the WebSocket the page's client connects to; the page itself comes
// from here.
//
//   TROVE_SERVER_BIN=build/release/server/app/trove-server node demo.mjs \
//     [--http-port 8090] [--boxes 300] [--port-file FILE]
//
// POST /api/restart stops trove-server (SIGTERM) and starts it again on the
// same ports: the page's "restart server" button, and the browser test.
// Ctrl-C (SIGINT) or SIGTERM stops the game and trove-server by their PIDs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    'http-port': { type: 'string', default: '8090' },
    boxes: { type: 'string', default: '300' },
    hunt: { type: 'string', default: 'demo' },
    'port-file': { type: 'string' },
  },
});
const kServerBin = process.env.TROVE_SERVER_BIN ?? join(here, '../../../build/release/server/app/trove-server');
const kStartTimeoutMs = 10_000;
const kStatic = { '/': join(here, 'index.html'), '/app.js': join(here, 'app.js') };
const kDistDir = join(here, '../dist');
const kTypes = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

const workDir = mkdtempSync(join(tmpdir(), 'trove-demo-'));
let trove = null;      // { proc, ports }
let game = null;
let restarts = 0;
// Restarts run one after another: two at once would start two servers on
// the same port.
let restartChain = Promise.resolve();
let stopping = false;

// The one place that says where ingest is: the server's ingest listener (the
// public one answers /v1/ingest 404).
const ingestUrl = (ports) => `http://127.0.0.1:${ports.ingest}`;

async function startTrove(previous) {
  const portFile = join(workDir, 'ports.json');
  rmSync(portFile, { force: true });
  // Ephemeral ports (the ingest default 8081 could collide), kept across restarts.
  const portArgs = ['--port', String(previous?.data ?? 0), '--admin-port', String(previous?.admin ?? 0),
    '--ingest-port', String(previous?.ingest ?? 0)];
  const proc = spawn(kServerBin, [...portArgs, '--port-file', portFile, '--workers', '1', '--arena-mib', '8',
    '--max-boxes', '65536', '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const deadline = Date.now() + kStartTimeoutMs;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8').trim() === '') {
    if (proc.exitCode !== null) throw new Error(`trove-server exited early (${proc.exitCode})`);
    if (Date.now() > deadline) throw new Error('trove-server wrote no port file');
    await new Promise((r) => setTimeout(r, 20));
  }
  const ports = JSON.parse(readFileSync(portFile, 'utf8'));
  console.log(`demo: trove-server pid ${proc.pid} on data port ${ports.data}, ingest ${ingestUrl(ports)}`);
  return { proc, ports };
}

function stopProcess(proc, signal = 'SIGTERM') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  return exited;
}

function restartTrove() {
  restartChain = restartChain.catch(() => {}).then(async () => {
    const ports = trove.ports;
    await stopProcess(trove.proc);
    trove = await startTrove(ports);
    restarts += 1;
  });
  return restartChain;
}

function serveFile(res, file) {
  if (!existsSync(file)) return send(res, 404, 'text/plain', 'not found\n');
  send(res, 200, kTypes[extname(file)] ?? 'application/octet-stream', readFileSync(file));
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://demo').pathname;
  if (path === '/api/config') {
    return send(res, 200, 'application/json', JSON.stringify({
      wsUrl: `ws://${req.headers.host?.split(':')[0] ?? '127.0.0.1'}:${trove.ports.data}`,
      hunt: args.hunt, boxes: Number(args.boxes), restarts, pids: { trove: trove.proc.pid, game: game.pid },
    }));
  }
  if (path === '/api/restart' && req.method === 'POST') {
    await restartTrove();
    return send(res, 200, 'application/json', JSON.stringify({ restarts, pid: trove.proc.pid }));
  }
  if (kStatic[path]) return serveFile(res, kStatic[path]);
  if (path.startsWith('/trove-client/')) {
    // Only files directly inside dist/: no path escapes the package.
    const name = normalize(path.slice('/trove-client/'.length));
    if (name.includes('/') || name.startsWith('.')) return send(res, 404, 'text/plain', 'not found\n');
    return serveFile(res, join(kDistDir, name));
  }
  send(res, 404, 'text/plain', 'not found\n');
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await stopProcess(game, 'SIGTERM');
  await stopProcess(trove?.proc, 'SIGTERM');
  rmSync(workDir, { recursive: true, force: true });
  if (args['port-file']) rmSync(args['port-file'], { force: true });
  console.log('demo: stopped');
  process.exit(code);
}

async function main() {
  if (!existsSync(join(kDistDir, 'index.js'))) throw new Error(`${kDistDir}/index.js missing: build trove-client first (npm run build)`);
  trove = await startTrove(null);
  game = spawn(process.execPath, [join(here, 'game.mjs'), '--ingest', ingestUrl(trove.ports),
    '--boxes', args.boxes, '--hunt', args.hunt], { stdio: ['ignore', 'inherit', 'inherit'] });
  const http = createServer((req, res) => handle(req, res).catch((e) => send(res, 500, 'text/plain', `${e.message}\n`)));
  http.listen(Number(args['http-port']), '127.0.0.1', () => {
    const port = http.address().port;
    if (args['port-file']) writeFileSync(args['port-file'], JSON.stringify({ http: port, data: trove.ports.data }));
    console.log(`demo: open http://127.0.0.1:${port}/  (Ctrl-C stops everything)`);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => shutdown(0));
main().catch((e) => {
  console.error(`demo: ${e.message}`);
  shutdown(1);
});

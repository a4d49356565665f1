// The demo's own HTTP server (clients/js/demo/demo.mjs) against hostile and
// malformed requests: paths that try to leave the served folders, methods it
// does not take, an oversized request line, restarts sent all at once; and
// that SIGTERM stops trove-server and the game it started.
//
//   node demo_server.mjs DEMO_DIR   (env TROVE_SERVER_BIN)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const demoDir = resolve(process.argv[2] ?? '');
const kTimeoutMs = 15_000;
// Above node's default 16 KiB header limit: the server must refuse it, not hang.
const kOversizedPathBytes = 64 * 1024;
let failures = 0;

function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}

// Sends `path` exactly as given (no URL normalisation by the client).
function get(port, path, method = 'GET') {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode, body }));
    });
    req.on('error', (e) => done({ status: 0, body: e.message }));
    req.end();
  });
}

async function waitFor(check_, what) {
  const deadline = Date.now() + kTimeoutMs;
  while (!(await check_())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The trove-server processes `parent` started (Linux /proc): after any
// number of restarts there must be exactly one.
function troveChildren(parent) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, comm, rest] = stat.match(/^\d+ \((.*)\) (.*)$/s);
      if (comm === 'trove-server' && Number(rest.split(' ')[1]) === parent) pids.push(Number(entry));
    } catch { /* the process ended while we looked */ }
  }
  return pids;
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function hostileRequests(port) {
  for (const path of ['/trove-client/../package.json', '/trove-client/%2e%2e/package.json',
    '/trove-client/..%2fpackage.json', '/trove-client/.%2e/.%2e/README.md', '/trove-client/',
    '/trove-client/.hidden', '/../../etc/passwd', '/demo.mjs', '/nope']) {
    const r = await get(port, path);
    check(r.status === 404, `${path} -> 404 (got ${r.status})`);
  }
  const ok = await get(port, '/trove-client/index.js');
  check(ok.status === 200 && ok.body.includes('TroveClient'), '/trove-client/index.js is served');
  check((await get(port, '/api/restart')).status === 404, 'GET /api/restart is not a restart');
  const big = await get(port, `/${'a'.repeat(kOversizedPathBytes)}`);
  // Node answers 431 and closes; the close can win the race with the reply.
  const refused = [400, 414, 431].includes(big.status) || (big.status === 0 && /ECONNRESET|EPIPE|hang up/.test(big.body));
  check(refused, `oversized request line refused (${big.status} ${big.status ? '' : big.body})`);
  check((await get(port, '/api/config')).status === 200, 'the server still answers after it');
}

async function concurrentRestarts(port, demoPid) {
  const before = JSON.parse((await get(port, '/api/config')).body);
  const replies = await Promise.all([1, 2, 3].map(() => get(port, '/api/restart', 'POST')));
  check(replies.every((r) => r.status === 200), `three restarts at once all answered 200 (${replies.map((r) => r.status)})`);
  const after = JSON.parse((await get(port, '/api/config')).body);
  check(after.restarts === before.restarts + 3, `restarts counted: ${after.restarts}`);
  check(!alive(before.pids.trove) && alive(after.pids.trove), 'the old trove-server is gone, the new one runs');
  const children = troveChildren(demoPid);
  check(children.length === 1 && children[0] === after.pids.trove, `one trove-server left running (${children})`);
  const dataPort = Number(new URL(after.wsUrl).port);
  await waitFor(async () => (await get(dataPort, '/v1/boxes/1')).status === 200, 'the game to refill the restarted server');
  check(true, 'the restarted server on the same port holds the game\'s boxes again');
  return after.pids;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'trove-demo-server-'));
  const portFile = join(work, 'demo.json');
  const demo = spawn(process.execPath, [join(demoDir, 'demo.mjs'), '--http-port', '0', '--port-file', portFile,
    '--boxes', '20'], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitFor(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim() !== '', 'the demo to start');
    const { http } = JSON.parse(readFileSync(portFile, 'utf8'));
    await hostileRequests(http);
    const pids = await concurrentRestarts(http, demo.pid);
    const exited = new Promise((r) => demo.once('exit', (code) => r(code)));
    demo.kill('SIGTERM');
    check((await exited) === 0, 'the demo exits 0 on SIGTERM');
    check(!alive(pids.trove) && !alive(pids.game), 'trove-server and the game stopped with it');
  } finally {
    if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  if (failures) throw new Error(`${failures} checks failed`);
}

main().then(() => console.log('demo server test: passed'), (e) => {
  console.error(`demo server test: FAILED: ${e.message}`);
  process.exitCode = 1;
});

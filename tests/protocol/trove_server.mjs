// Starts the real trove-server on ephemeral ports (--port 0 + --port-file)
// and stops it by its pid. Ingest goes to the server's own ingest listener
// (--ingest-port 0: the port file's "ingest").
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SLOW = Number(process.env.TROVE_TEST_SLOWDOWN || '1');

export async function startServer(args = [], { portFile, dir } = {}) {
  const bin = process.env.TROVE_SERVER_BIN;
  if (!bin) throw new Error('TROVE_SERVER_BIN is not set');
  dir = dir ?? mkdtempSync(join(tmpdir(), 'trove-proto-'));
  portFile = portFile ?? join(dir, 'ports.json');
  rmSync(portFile, { force: true });
  const proc = spawn(bin, ['--port', '0', '--admin-port', '0', '--port-file', portFile,
    '--ingest-port', '0', '--workers', '2', '--arena-mib', '4', '--max-boxes', '4096', ...args],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  proc.stderr.on('data', (b) => { output += b; });
  const deadline = Date.now() + 10000 * SLOW;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8').trim() === '') {
    if (proc.exitCode !== null) throw new Error(`trove-server exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`trove-server wrote no port file:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ports = JSON.parse(readFileSync(portFile, 'utf8'));
  const ingestPort = ports.ingest;
  return {
    proc, dir, ports,
    data: `http://127.0.0.1:${ports.data}`,
    ws: `ws://127.0.0.1:${ports.data}`,
    admin: `http://127.0.0.1:${ports.admin}`,
    ingest: `http://127.0.0.1:${ingestPort}`,
    ingestWs: `ws://127.0.0.1:${ingestPort}`,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const done = new Promise((r) => proc.once('exit', (code) => r(code)));
      proc.kill(signal);
      return done;
    },
  };
}

// Starts the real trove-server for the tests (TROVE_SERVER_BIN) on ephemeral
// ports, or on given ones for a restart, and stops it by its pid. Ingest goes
// to the server's own ingest listener (--ingest-port, the port file's
// "ingest"); the data port answers /v1/ingest with 404.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningServer {
  proc: ChildProcess;
  dataPort: number;
  adminPort: number;
  ingestPort: number;
  wsUrl: string;
  httpUrl: string;
  ingestUrl: string;
  ingest(lines: string[]): Promise<{ accepted: number }>;
  stop(): Promise<number | null>;
}

const kStartTimeoutMs = 10_000;

export async function startServer(options: { port?: number; ingestPort?: number; args?: string[] } = {}): Promise<RunningServer> {
  const bin = process.env.TROVE_SERVER_BIN;
  if (!bin) throw new Error('TROVE_SERVER_BIN is not set (ctest sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'trove-client-'));
  const portFile = join(dir, 'ports.json');
  const proc = spawn(bin, ['--port', String(options.port ?? 0), '--admin-port', '0', '--port-file', portFile,
    '--ingest-port', String(options.ingestPort ?? 0), '--workers', '2', '--arena-mib', '4', '--max-boxes', '4096', ...(options.args ?? [])],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  proc.stderr!.on('data', (b) => (output += b));
  const deadline = Date.now() + kStartTimeoutMs;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8').trim() === '') {
    if (proc.exitCode !== null) throw new Error(`trove-server exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`trove-server wrote no port file:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ports = JSON.parse(readFileSync(portFile, 'utf8')) as { data: number; admin: number; ingest: number };
  const ingestPort = ports.ingest;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  return {
    proc, dataPort: ports.data, adminPort: ports.admin, ingestPort,
    wsUrl: `ws://127.0.0.1:${ports.data}`,
    httpUrl: `http://127.0.0.1:${ports.data}`,
    ingestUrl,
    async ingest(lines) {
      const r = await fetch(`${ingestUrl}/v1/ingest`, { method: 'POST', body: lines.join('\n') + '\n' });
      return (await r.json()) as { accepted: number };
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      const done = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      proc.kill('SIGTERM');
      const code = await done;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Resolves once `check` returns true, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

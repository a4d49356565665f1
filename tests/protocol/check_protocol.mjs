// Checks docs/protocol/openapi.yaml and asyncapi.yaml against the real
// trove-server, so the documents cannot drift from the code:
//   1. both documents pass their official tooling (@redocly/cli lint,
//      @asyncapi/parser validate) with no warnings;
//   2. a running server is driven through every HTTP route and WebSocket op
//      (good and bad input); every response and message it sends is checked
//      with ajv against the document's schema for it, and every documented
//      server message type must have been seen;
//   3. ops the server refuses are refused by the client-message schema too.
// Usage: node check_protocol.mjs (TROVE_SERVER_BIN, TROVE_NPM_PROTOCOL = the
// folder hack/npm-tools.sh installed package.json's tools into).
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './trove_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const tools = process.env.TROVE_NPM_PROTOCOL || join(root, 'build/npm-protocol');
if (!existsSync(join(tools, 'node_modules'))) {
  console.error(`no npm packages in ${tools}: run hack/npm-tools.sh (make tools)`);
  process.exit(1);
}
const require = createRequire(join(tools, 'package.json'));
const YAML = require('yaml');
const Ajv = require('ajv').default;
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const WebSocket = require('ws');
const { Parser } = require('@asyncapi/parser');

const openapiPath = join(root, 'docs/protocol/openapi.yaml');
const asyncapiPath = join(root, 'docs/protocol/asyncapi.yaml');
const failures = [];
const fail = (what) => { failures.push(what); console.log(`FAIL ${what}`); };

// ---- 1. official tooling ----
function lintOpenapi() {
  const redocly = join(tools, 'node_modules/.bin/redocly');
  const r = spawnSync(redocly, ['lint', '--config', join(here, 'redocly.yaml'), openapiPath], {
    encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  const out = `${r.stdout}${r.stderr}`;
  // Redocly exits 0 with warnings; it counts them in its last lines.
  if (r.status !== 0 || /You have \d+ warning|error/i.test(out.replace(/^[\s\S]*validating/, ''))) fail(`redocly lint:\n${out}`);
  else console.log('ok   redocly lint openapi.yaml');
}

async function validateAsyncapi() {
  const diagnostics = await new Parser().validate(readFileSync(asyncapiPath, 'utf8'));
  // Severity 0 = error, 1 = warning; 2 and 3 are information and hints.
  const bad = diagnostics.filter((d) => d.severity <= 1);
  for (const d of bad) fail(`asyncapi parser: ${d.code} ${d.message} at ${JSON.stringify(d.path)}`);
  if (!bad.length) console.log('ok   @asyncapi/parser validate asyncapi.yaml');
}

// ---- schemas ----
const asyncDoc = YAML.parse(readFileSync(asyncapiPath, 'utf8'));
const openDoc = YAML.parse(readFileSync(openapiPath, 'utf8'));
const ajv7 = new Ajv({ strict: false, allErrors: true });
addFormats(ajv7);
ajv7.addSchema(asyncDoc, 'asyncapi');
const ajv20 = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv20);
ajv20.addSchema(openDoc, 'openapi');
const asyncSchema = (name) => ajv7.getSchema(`asyncapi#/components/schemas/${name}`);
const variants = (name) => asyncDoc.components.schemas[name].oneOf.map((v) => v.$ref.split('/').pop());

const seen = new Map();  // asyncapi schema name -> messages that matched it
function checkServerMessage(text, where) {
  let msg;
  try { msg = JSON.parse(text); } catch { return fail(`${where}: not JSON: ${text}`); }
  const names = variants('ServerMessage').filter((n) => asyncSchema(n)(msg));
  if (names.length !== 1) {
    // The errors of the schemas for this op say what differs.
    const why = variants('ServerMessage')
      .filter((n) => asyncDoc.components.schemas[n].properties.op.const === msg.op)
      .map((n) => { const v = asyncSchema(n); v(msg); return `${n}: ${ajv7.errorsText(v.errors)}`; });
    return fail(`${where}: ${text} matches ${names.length} ServerMessage schemas; ${why.join('; ')}`);
  }
  seen.set(names[0], (seen.get(names[0]) ?? 0) + 1);
}
function checkAck(text, where, schema) {
  const v = schema();
  if (!v(JSON.parse(text))) fail(`${where}: ${text}: ${ajv7.errorsText(v.errors)}`);
  else seen.set('IngestAck', (seen.get('IngestAck') ?? 0) + 1);
}

// ---- 2. a recorded session over WebSocket ----
function openSocket(url) {
  const ws = new WebSocket(url);
  const inbox = [];
  let waiter = null;
  ws.on('message', (data) => { inbox.push(data.toString()); if (waiter) waiter(); });
  const opened = new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  return {
    opened,
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    // Resolves with the messages received up to and including the first that `until` accepts.
    async read(until, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex((t) => until(JSON.parse(t)));
        if (i >= 0) return inbox.splice(0, i + 1);
        if (Date.now() > deadline) throw new Error(`timed out; inbox: ${inbox.join(' | ')}`);
        await new Promise((r) => { waiter = r; setTimeout(r, 50); });
      }
    },
    close: () => ws.close(),
  };
}

// Client ops sent, with the server's verdict: valid ones must pass the
// ClientMessage schema, refused ones must fail it.
const clientOps = [
  [{ op: 'get', box: 1 }, true], [{ op: 'get', box: 999 }, true],
  [{ op: 'subscribe', boxes: [1, 2, 404] }, true], [{ op: 'subscribe', hunt: 'spring' }, true],
  [{ op: 'ping', id: 'r-1' }, true], [{ op: 'ping', id: 42 }, true], [{ op: 'ping' }, true],
  [{ op: 'unsubscribe', boxes: [2] }, true], [{ op: 'unsubscribe', hunt: 'spring' }, true],
  [{ op: 'unsubscribe' }, true],
  [{ op: 'get', box: 0 }, false], [{ op: 'get', box: 'one' }, false], [{ op: 'teleport' }, false],
  [{ op: 'subscribe' }, false], [{ op: 'subscribe', boxes: [] }, false],
  [{ op: 'subscribe', boxes: [1], hunt: 'spring' }, false], [{ op: 'subscribe', hunt: '' }, false],
  [{ op: 'subscribe', hunt: 'h'.repeat(65) }, false], [{ op: 'ping', id: 1.5 }, false],
  [{ op: 'ping', id: 'x'.repeat(65) }, false], [{ op: 'ping', id: null }, false],
  // A position of another incarnation: well formed, answered with the whole state.
  [{ op: 'subscribe', hunt: 'spring', since: 5, boot: '0000000000000001' }, true],
  [{ op: 'subscribe', hunt: 'spring', since: -1, boot: '0000000000000001' }, false],
  [{ op: 'subscribe', hunt: 'spring', since: 5 }, false],
  [{ op: 'subscribe', hunt: 'spring', since: 5, boot: 'ABCDEF0123456789' }, false],
  [{ op: 'subscribe', boxes: [1], since: 5, boot: '0000000000000001' }, false],
  [{ op: 'subscribe', boxes: [1], since: [-5], boot: '0000000000000001' }, false],
  // Without --client-auth-keys the op is well formed but answered auth_off.
  [{ op: 'auth', token: 'a.b.c' }, 'auth_off'], [{ op: 'auth' }, false], [{ op: 'auth', token: '' }, false],
];

async function recordClientSocket(server) {
  const ws = openSocket(`${server.ws}/v1/ws`);
  await ws.opened;
  const clientSchema = asyncSchema('ClientMessage');
  for (const [op, verdict] of clientOps) {
    const valid = verdict !== false;
    if (clientSchema(op) !== valid) fail(`ClientMessage schema ${valid ? 'refuses' : 'accepts'} ${JSON.stringify(op)}`);
    ws.send(op);
    const got = await ws.read((m) => !['push', 'synced'].includes(m.op));
    for (const t of got) checkServerMessage(t, `reply to ${JSON.stringify(op)}`);
    const reply = JSON.parse(got[got.length - 1]);
    if (verdict === 'auth_off') {
      if (reply.op !== 'error' || reply.code !== 'auth_off') fail(`auth op without client auth: ${got.at(-1)}`);
    } else if ((reply.op === 'error') === valid) fail(`server ${valid ? 'refused' : 'accepted'} ${JSON.stringify(op)}: ${got.at(-1)}`);
  }
  // A live push and a hunt snapshot with its synced (full).
  ws.send({ op: 'subscribe', hunt: 'spring' });
  const full = await ws.read((m) => m.op === 'synced');
  for (const t of full) checkServerMessage(t, 'hunt snapshot');
  const held = JSON.parse(full.at(-1));
  if (held.sync !== 'full') fail(`a subscribe without a position: ${full.at(-1)}`);
  await ingestHttp(server, ['{"box":1,"hunt":"spring","state":"claimed","x":1.5,"y":-2,"ts":5,"player":"q","data":{"hp":3,"inv":["a"],"ok":null}}']);
  for (const t of await ws.read((m) => m.op === 'push' && m.payload.state === 'claimed')) checkServerMessage(t, 'live push');
  ws.close();
  // Recovery: a change missed while away, then a resubscribe with the position held.
  await ingestHttp(server, ['{"box":1,"hunt":"spring","state":"empty"}']);
  const back = openSocket(`${server.ws}/v1/ws`);
  await back.opened;
  back.send({ op: 'subscribe', hunt: 'spring', since: held.hpos, boot: held.boot });
  const recovered = await back.read((m) => m.op === 'synced');
  for (const t of recovered) checkServerMessage(t, 'hunt recovery');
  if (JSON.parse(recovered.at(-1)).sync !== 'recovered') fail(`a resubscribe with its position: ${recovered.at(-1)}`);
  // Boxes with the versions held: box 1 changed, box 2 did not.
  back.send({ op: 'get', box: 2 });
  const box2 = JSON.parse((await back.read((m) => m.op === 'get')).at(-1));
  back.send({ op: 'subscribe', boxes: [1, 2], since: [1, box2.seq], boot: held.boot });
  const boxes = await back.read((m) => m.op === 'synced');
  for (const t of boxes) checkServerMessage(t, 'box recovery');
  if (JSON.parse(boxes.at(-1)).sync !== 'recovered') fail(`boxes resubscribed with their versions: ${boxes.at(-1)}`);
  back.close();
}

// Lines the server accepts pass the IngestMessage schema; lines it rejects
// for their shape fail it (the schema cannot see ranges JSON loses, such as
// 1e400, so the batch holds none of those).
const ingestLines = [
  '{"box":7,"hunt":"spring","state":"open","x":-0.5,"y":3,"ts":0,"player":"p","extra":{"a":[1]}}',
  '{"box":"x"}', 'not json', '{"box":8,"state":"lost"}', '{"hunt":"spring"}', '{"box":0}',
  `{"box":9,"player":"${'p'.repeat(65)}"}`, '{"box":10,"ts":-1}', '{"box":11,"x":"1"}',
  '{"box":12,"data":[1,"two",{"three":3.5}]}', '{"box":13,"data":null}', '{"box":14,"data":"s","state":"empty"}',
];

async function recordIngestSocket(server) {
  const ws = openSocket(`${server.ingestWs}/v1/ingest`);
  await ws.opened;
  ws.send(ingestLines.join('\n') + '\n');
  const [text] = await ws.read(() => true);
  checkAck(text, 'ws ingest ack', () => asyncSchema('IngestAck'));
  const rejected = new Set(JSON.parse(text).rejected.map((r) => r.index));
  const schema = asyncSchema('IngestMessage');
  ingestLines.forEach((line, i) => {
    let valid = false;
    try { valid = schema(JSON.parse(line)); } catch { /* not JSON: invalid */ }
    if (valid === rejected.has(i)) fail(`IngestMessage schema ${valid ? 'accepts' : 'refuses'} a line the server ${rejected.has(i) ? 'rejected' : 'accepted'}: ${line}`);
  });
  ws.close();
}

// ---- 2. HTTP routes ----
async function ingestHttp(server, lines) {
  const r = await fetch(`${server.ingest}/v1/ingest`, { method: 'POST', body: lines.join('\n') + '\n' });
  return [r, await r.text()];
}

// A 405 is documented on the route's own operations (any method may get it).
function documentedResponse(path, method, status) {
  const item = openDoc.paths[path] ?? {};
  const ops = item[method.toLowerCase()] ? [item[method.toLowerCase()]]
    : status === 405 ? ['get', 'put', 'post'].map((m) => item[m]).filter(Boolean) : [];
  let res = ops.map((op) => op.responses?.[String(status)]).find(Boolean);
  if (res?.$ref) res = res.$ref.split('/').slice(1).reduce((o, k) => o[k], openDoc);
  return res;
}

async function checkHttp(base, path, docPath, { method = 'GET', body, headers, status }) {
  const r = await fetch(`${base}${path}`, { method, body, headers });
  const text = await r.text();
  const where = `${method} ${path} -> ${r.status}`;
  if (r.status !== status) return fail(`${where}: expected ${status}: ${text}`);
  const res = documentedResponse(docPath, method, r.status);
  if (!res) return fail(`${where}: not documented`);
  if (!res.content) {
    if (text !== '') fail(`${where}: documented without a body, got ${text}`);
  } else {
    const type = (r.headers.get('content-type') || '').split(';')[0];
    const media = res.content[type];
    if (!media) return fail(`${where}: content type ${type} not documented`);
    const schema = media.schema.$ref ? ajv20.getSchema(`openapi${media.schema.$ref}`) : ajv20.compile(media.schema);
    const value = type === 'application/json' ? JSON.parse(text) : text;
    if (!schema(value)) fail(`${where}: ${text}: ${ajv20.errorsText(schema.errors)}`);
  }
  for (const [name, h] of Object.entries(res.headers ?? {})) {
    const got = r.headers.get(name);
    const hs = h.$ref ? h.$ref.split('/').slice(1).reduce((o, k) => o[k], openDoc) : h;
    if (got !== null && !ajv20.compile(hs.schema)(got)) fail(`${where}: header ${name}: ${got}`);
  }
  console.log(`ok   ${where}`);
  return r;
}

async function recordHttp(server, token) {
  const box = '/v1/boxes/{id}';
  const r = await checkHttp(server.data, '/v1/boxes/1', box, { status: 200 });
  const etag = r?.headers.get('etag');
  if (!etag) fail('GET /v1/boxes/1: no ETag');
  await checkHttp(server.data, '/v1/boxes/1', box, { status: 304, headers: { 'If-None-Match': etag } });
  await checkHttp(server.data, '/v1/boxes/999', box, { status: 404 });
  await checkHttp(server.data, '/v1/boxes/01', box, { status: 400 });
  await checkHttp(server.data, '/v1/boxes/1', box, { method: 'DELETE', status: 405 });
  const [ir, ack] = await ingestHttp(server, ['{"box":9}', '{"box":0}', '{"box":9,"x":1e400}']);
  if (ir.status !== 200) fail(`POST /v1/ingest -> ${ir.status}`);
  checkAck(ack, 'http ingest ack', () => ajv20.getSchema('openapi#/components/schemas/IngestAck'));
  await checkHttp(server.ingest, '/v1/ingest', '/v1/ingest', { method: 'PUT', body: '{}', status: 405 });
  await checkHttp(server.ingest, '/v1/ingest?ack=memory', '/v1/ingest', { method: 'POST', body: '{"box":9}\n', status: 200 });
  await checkHttp(server.ingest, '/v1/ingest?ack=bogus', '/v1/ingest', { method: 'POST', body: '{"box":9}\n', status: 400 });
  await checkHttp(server.ingest, '/v1/ingest?ack=durable', '/v1/ingest', { method: 'POST', body: '{"box":9}\n', status: 400 });
  // The public listener does not serve ingest: 404 naming the ingest listener.
  await checkHttp(server.data, '/v1/ingest', '/v1/ingest', { method: 'POST', body: '{"box":9}\n', status: 404 });
  const auth = { Authorization: `Bearer ${token}` };
  for (const p of ['/healthz', '/readyz', '/metrics', '/admin/v1/stats', '/admin/v1/tuning']) {
    await checkHttp(server.admin, p, p, { status: 200, headers: auth });
  }
  await checkHttp(server.admin, '/help', '/help', { method: 'POST', status: 405 });
  await checkHttp(server.admin, '/healthz', '/healthz', { method: 'DELETE', status: 405 });
  const t = '/admin/v1/tuning';
  await checkHttp(server.admin, t, t, { status: 401 });
  await checkHttp(server.admin, t, t, { method: 'PUT', status: 200, headers: auth, body: '{"generation":3,"owner":"proto-test","epochMillis":20}' });
  await checkHttp(server.admin, t, t, { status: 200, headers: auth });
  await checkHttp(server.admin, t, t, { method: 'PUT', status: 409, headers: auth, body: '{"generation":2,"owner":"proto-test"}' });
  await checkHttp(server.admin, t, t, { method: 'PUT', status: 400, headers: auth, body: '{"generation":4,"arenaBytes":1}' });
  await checkHttp(server.admin, t, t, { method: 'PUT', status: 400, headers: auth, body: 'not json' });
  await checkHttp(server.admin, t, t, { method: 'PUT', status: 401, body: '{"generation":5}' });
  await checkHttp(server.admin, '/admin/v1/drain', '/admin/v1/drain', { method: 'POST', status: 202, headers: auth });
  await checkHttp(server.admin, '/readyz', '/readyz', { status: 503 });
}

// A server without --admin-token-file refuses admin writes; with
// --state-dir it gives durable acks.
async function recordWithoutToken(dir) {
  const server = await startServer(['--state-dir', join(dir, 'state')]);
  try {
    await checkHttp(server.admin, '/admin/v1/tuning', '/admin/v1/tuning', { method: 'PUT', status: 403, body: '{"generation":1}' });
    await checkHttp(server.admin, '/admin/v1/drain', '/admin/v1/drain', { method: 'POST', status: 403 });
    const r = await checkHttp(server.ingest, '/v1/ingest?ack=durable', '/v1/ingest', { method: 'POST', body: '{"box":1}\n', status: 200 });
    const ack = r ? await fetch(`${server.ingest}/v1/ingest?ack=durable`, { method: 'POST', body: '{"box":1}\n' }).then((x) => x.json()) : {};
    if (ack.ack !== 'durable') fail(`?ack=durable with --state-dir acked ${JSON.stringify(ack)}`);
    const stats = await (await fetch(`${server.admin}/admin/v1/stats`)).json();
    if (stats.state?.enabled !== true) fail(`stats with --state-dir: ${JSON.stringify(stats.state)}`);
    await checkHttp(server.admin, '/admin/v1/stats', '/admin/v1/stats', { status: 200 });
  } finally {
    await server.stop();
  }
}

// ---- 2. client tokens (--client-auth-keys, --allowed-origins) ----
const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function hs256Token(secret, claims) {
  const signed = `${b64url({ alg: 'HS256', typ: 'JWT', kid: 'k' })}.${b64url(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

async function recordClientAuth(dir) {
  const { writeFileSync } = await import('node:fs');
  const secret = randomBytes(32);
  const keys = join(dir, 'jwks.json');
  writeFileSync(keys, JSON.stringify({ keys: [{ kty: 'oct', kid: 'k', alg: 'HS256', k: secret.toString('base64url') }] }));
  const origin = 'https://game.example';
  const server = await startServer(['--client-auth-keys', keys, '--allowed-origins', origin]);
  try {
    await ingestHttp(server, ['{"box":1,"hunt":"spring"}', '{"box":2,"hunt":"autumn"}']);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const token = hs256Token(secret, { exp, trove: { hunts: ['spring'] } });
    const bearer = { Authorization: `Bearer ${token}` };
    const box = '/v1/boxes/{id}';
    await checkHttp(server.data, '/v1/boxes/1', box, { status: 401 });
    await checkHttp(server.data, '/v1/boxes/1', box, { status: 401, headers: { Authorization: 'Bearer x.y.z' } });
    await checkHttp(server.data, '/v1/boxes/1', box, { status: 200, headers: { ...bearer, Origin: origin } });
    await checkHttp(server.data, '/v1/boxes/2', box, { status: 403, headers: bearer });
    await checkHttp(server.data, '/v1/boxes/1', box, { method: 'OPTIONS', status: 204, headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
    await checkHttp(server.data, '/v1/boxes/1', box, { method: 'OPTIONS', status: 403, headers: { Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET' } });
    const ws = openSocket(`${server.ws}/v1/ws`);
    await ws.opened;
    const ops = [
      [{ op: 'auth', token }, (m) => m.op === 'authenticated' && m.exp === exp],
      [{ op: 'get', box: 1 }, (m) => m.op === 'get' && m.seq === 1],
      [{ op: 'get', box: 2 }, (m) => m.op === 'get' && m.code === 403],
      [{ op: 'subscribe', hunt: 'autumn' }, (m) => m.op === 'error' && m.code === 'hunt_not_in_scope' && m.hunt === 'autumn'],
      [{ op: 'auth', token: hs256Token(randomBytes(32), { exp, trove: { hunts: ['*'] } }) },
        (m) => m.op === 'error' && m.code === 'bad_signature'],
    ];
    for (const [op, expected] of ops) {
      ws.send(op);
      const got = await ws.read((m) => !['push', 'synced'].includes(m.op));
      for (const t of got) checkServerMessage(t, `reply to ${op.op} under a token`);
      if (!expected(JSON.parse(got.at(-1)))) fail(`under a token, ${JSON.stringify(op)} answered ${got.at(-1)}`);
    }
    ws.send({ op: 'subscribe', boxes: [1, 2] });
    const got = await ws.read((m) => m.op === 'subscribed');
    for (const t of got) checkServerMessage(t, 'subscribe to boxes partly out of scope');
    if (!got.some((t) => JSON.parse(t).boxes?.[0] === 2)) fail(`no hunt_not_in_scope error for box 2: ${got.join(' | ')}`);
    ws.close();
  } finally {
    const rc = await server.stop();
    if (rc !== 0) fail(`trove-server (client auth) exit code ${rc}:\n${server.output()}`);
  }
}

async function main() {
  lintOpenapi();
  await validateAsyncapi();
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const dir = mkdtempSync(join((await import('node:os')).tmpdir(), 'trove-proto-'));
  const token = 'proto-token';
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const server = await startServer(['--admin-token-file', join(dir, 'token')], { dir });
  try {
    await ingestHttp(server, ['{"box":1,"hunt":"spring","state":"open","x":12.5,"y":-3.25,"ts":1,"player":"p"}',
      '{"box":2,"hunt":"spring"}', '{"box":3,"hunt":"autumn","state":"empty"}']);
    await recordClientSocket(server);
    await recordIngestSocket(server);
    await recordHttp(server, token);
  } finally {
    const rc = await server.stop();
    if (rc !== 0) fail(`trove-server exit code ${rc}:\n${server.output()}`);
  }
  await recordWithoutToken(dir);
  await recordClientAuth(dir);
  for (const name of [...variants('ServerMessage'), 'IngestAck']) {
    if (!seen.get(name)) fail(`documented server message ${name} never recorded: the scenario or the document is wrong`);
  }
  console.log(`recorded and checked: ${JSON.stringify(Object.fromEntries(seen))}`);
  if (failures.length) {
    console.log(`${failures.length} failure(s)`);
    process.exit(1);
  }
  console.log('protocol documents match the server');
}

main().catch((e) => { console.error(e); process.exit(1); });

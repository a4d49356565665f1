// Interoperability with npm's `ws` (an independent client that checks every
// server frame: masking, reserved bits, UTF-8 of text frames). Usage:
//   node ws_interop.mjs <ws-url> <ws|ingest>
// with TROVE_NPM_PROTOCOL naming the folder whose node_modules holds `ws`
// (build/npm-protocol, installed by hack/npm-tools.sh). Exits 0 when every
// check passes, 1 naming the first that failed.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.TROVE_NPM_PROTOCOL ?? ".", "package.json"));
const WebSocket = require("ws");
const [url, kind] = process.argv.slice(2);
const SLOW = Number(process.env.TROVE_TEST_SLOWDOWN ?? "1");

// Message `n` carrying `text`, padded to about `size` bytes: with spaces on
// /v1/ws, with more updates of box n on /v1/ingest (each line within the
// ingest line limit).
function message(n, size = 0, text = "") {
  if (kind === "ws") return JSON.stringify({ op: "ping", id: `${n}${text}` }).padEnd(size, " ");
  const filler = ("\n" + `{"box":${n}}`.padEnd(1999, " ")).repeat(Math.floor(size / 2000));
  return JSON.stringify({ box: n, text }) + filler;
}

function check(reply, n, text = "") {
  const got = JSON.parse(reply.toString("utf8"));
  if (kind === "ws") {
    if (got.op !== "pong" || got.id !== `${n}${text}`) throw new Error(`reply ${reply} to ${n}`);
  } else if (got.rejected.length !== 0 || got.accepted < 1) {
    throw new Error(`ack ${reply} to ${n}`);
  }
}

function open(options = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: true, maxPayload: 0, ...options });
    const replies = [];
    const waiting = [];
    ws.on("message", (data, isBinary) => {
      if (isBinary) return reject(new Error("a binary reply"));
      if (waiting.length) waiting.shift()(data); else replies.push(data);
    });
    ws.recv = () => new Promise((r) => (replies.length ? r(replies.shift()) : waiting.push(r)));
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

const checks = {
  async sizesTextAndBinary() {
    const ws = await open();
    if (ws.extensions !== "") throw new Error(`extension agreed: ${ws.extensions}`);
    // /v1/ws ops are small (its limit may be below --max-ws-message-bytes).
    const largest = kind === "ws" ? 65536 : 300000;
    for (const [i, size] of [40, 125, 126, 65535, 65536, largest].entries()) {
      const n = i + 1;
      ws.send(i % 2 ? Buffer.from(message(n, size)) : message(n, size));
      check(await ws.recv(), n);
    }
    ws.close();
  },
  async fragmentsAndUtf8() {
    const ws = await open();
    const text = "κόσμε \u{1f600}";
    const body = Buffer.from(message(1, 0, text));
    ws.send(body.subarray(0, 3), { fin: false });
    ws.send(body.subarray(3, 12), { fin: false });  // cuts a code point when it falls there
    ws.send(body.subarray(12), { fin: true });
    check(await ws.recv(), 1, text);
    ws.close();
  },
  async pingsAndPipelining() {
    const ws = await open();
    const pongs = [];
    ws.on("pong", (data) => pongs.push(data.toString()));
    for (let i = 0; i < 5; i++) ws.ping(`node ${i}`);
    for (let n = 1; n <= 100; n++) ws.send(message(n));
    for (let n = 1; n <= 100; n++) check(await ws.recv(), n);
    const deadline = Date.now() + 5000 * SLOW;
    while (pongs.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (pongs.join() !== [0, 1, 2, 3, 4].map((i) => `node ${i}`).join()) throw new Error(`pongs ${pongs}`);
    ws.close();
  },
  async closeEchoesTheCode() {
    const ws = await open();
    const closed = new Promise((r) => ws.on("close", (code, reason) => r([code, reason.toString()])));
    ws.close(4000, "done κόσμε");
    const [code] = await closed;
    if (code !== 4000 && code !== 1000) throw new Error(`close code ${code}`);
  },
};

for (const [name, run] of Object.entries(checks)) {
  try {
    await Promise.race([run(), new Promise((_, reject) =>
      setTimeout(() => reject(new Error("timed out")), 20000 * SLOW).unref())]);
    console.log(`ok ${kind} ${name}`);
  } catch (error) {
    console.log(`FAIL ${kind} ${name}: ${error.stack ?? error}`);
    process.exit(1);
  }
}
process.exit(0);

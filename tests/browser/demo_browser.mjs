// Browser test of the live demo: starts clients/js/demo/demo.mjs (trove-server,
// the simulated game, the page's static server), drives Debian's chromium
// headless through puppeteer-core, and checks that the page connects, shows
// every box, receives updates, survives a trove-server restart and resumes,
// and logs no console error. Writes a screenshot of the running demo.
//
//   node demo_browser.mjs NPM_DIR DEMO_DIR SCREENSHOT_PATH
//   (env TROVE_SERVER_BIN; CHROMIUM_BIN, default /usr/bin/chromium)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, demoDir, screenshotPath] = process.argv.slice(2).map((p) => resolve(p));
if (process.argv.length < 5 || !demoDir || !screenshotPath) {
  console.error('usage: demo_browser.mjs NPM_DIR DEMO_DIR SCREENSHOT_PATH');
  process.exit(2);
}
const kChromium = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const kBoxes = 200;
const kStepTimeoutMs = 15_000;
const kViewport = { width: 1040, height: 760 };
// While trove-server is down for the restart, chromium itself logs each
// refused reconnect attempt as a console error (a network log entry, not the
// page's code). Only that message, only inside the restart window, is
// expected; anything else, at any time, fails the test.
const kRefusedDuringRestart = /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/v1\/ws' failed: .*ERR_CONNECTION_REFUSED$/;
const t0 = Date.now();
const timings = [];
const mark = (what) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(2)} s`);

function fail(message) {
  throw new Error(message);
}

async function waitFor(check, what, timeoutMs = kStepTimeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startDemo(portFile) {
  const proc = spawn(process.execPath, [join(demoDir, 'demo.mjs'), '--http-port', '0', '--port-file', portFile,
    '--boxes', String(kBoxes)], { stdio: ['ignore', 'inherit', 'inherit'] });
  return proc;
}

function stopDemo(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  const exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGINT');
  return exited;
}

async function readCounters(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    return {
      status: text('status'), boxes: Number(text('boxes')), ups: Number(text('ups')),
      updates: Number(text('updates')), reconnects: Number(text('reconnects')),
      synced: Number(text('synced')), errors: Number(text('errors')),
    };
  });
}

async function run(page, httpUrl, console_) {
  await page.goto(httpUrl, { waitUntil: 'load' });
  mark('page loaded');
  await waitFor(async () => (await readCounters(page)).status === 'open', 'status "open"');
  mark('connected');
  await waitFor(async () => (await readCounters(page)).boxes === kBoxes, `${kBoxes} boxes on the map`);
  mark(`${kBoxes} boxes shown`);
  const before = await readCounters(page);
  await waitFor(async () => (await readCounters(page)).updates > before.updates + kBoxes, 'live updates');
  const live = await waitFor(async () => { const c = await readCounters(page); return c.ups > 0 && c; }, 'updates per second');
  mark(`live: ${live.ups} updates/s`);

  // The page's own "restart server" button: the demo stops trove-server and
  // starts it again on the same port; the page must reconnect and resume.
  console_.restarting = true;
  await page.click('#restart');
  await waitFor(async () => (await readCounters(page)).reconnects >= 1, 'the page to notice the restart');
  mark('disconnect seen');
  await waitFor(async () => (await readCounters(page)).status === 'open', 'status "open" after the restart');
  const resumed = await readCounters(page);
  mark('reconnected');
  // The page may first reconnect to the old server while it drains, then
  // once more after it exits: refused attempts count as restart noise until
  // updates flow again, which only the new server delivers (a draining server
  // takes no ingest).
  await waitFor(async () => (await readCounters(page)).updates > resumed.updates + kBoxes, 'updates after the restart');
  const after = await waitFor(async () => { const c = await readCounters(page); return c.ups > 0 && c.boxes === kBoxes && c; },
    'updates per second after the restart');
  console_.restarting = false;
  mark(`resumed: ${after.ups} updates/s (${console_.refusedDuringRestart} refused attempts logged by chromium)`);
  // The resubscription's synced may trail the first pushes on a slow (sanitizer) build.
  await waitFor(async () => (await readCounters(page)).synced >= 2,
    'a synced per subscription (2): one before the restart, one after');
  if (after.errors !== 0) fail(`the client reported ${after.errors} errors`);
  const states = await page.evaluate(() => window.demoStats.states);
  console.log(`connection states: ${states.join(' -> ')}`);

  mkdirSync(dirname(screenshotPath), { recursive: true });
  await page.screenshot({ path: screenshotPath });
  mark('screenshot');
  if (console_.errors.length) fail(`console errors:\n  ${console_.errors.join('\n  ')}`);
  console.log(`counters after the restart: ${JSON.stringify(after)}`);
}

async function main() {
  if (!existsSync(kChromium)) fail(`${kChromium} missing: run hack/deps.sh (Debian's chromium)`);
  const require = createRequire(join(npmDir, 'package.json'));
  const puppeteer = (await import(pathToFileURL(require.resolve('puppeteer-core')).href)).default;
  const work = mkdtempSync(join(tmpdir(), 'trove-browser-'));
  const portFile = join(work, 'demo.json');
  const demo = startDemo(portFile);
  let browser = null;
  try {
    await waitFor(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim() !== '', 'the demo to start');
    const { http } = JSON.parse(readFileSync(portFile, 'utf8'));
    mark('demo started');
    const args = ['--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--user-data-dir=' + join(work, 'profile')];
    // Chromium's sandbox refuses to run as root; the test then runs it unsandboxed.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    browser = await puppeteer.launch({ executablePath: kChromium, headless: true, args, defaultViewport: kViewport });
    mark('chromium launched');
    const page = await browser.newPage();
    const console_ = { errors: [], restarting: false, refusedDuringRestart: 0 };
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warn') return;
      if (console_.restarting && kRefusedDuringRestart.test(m.text())) console_.refusedDuringRestart += 1;
      else console_.errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => console_.errors.push(`page error: ${e.message}`));
    await run(page, `http://127.0.0.1:${http}/`, console_);
  } finally {
    await browser?.close();
    const code = await stopDemo(demo);
    rmSync(work, { recursive: true, force: true });
    if (code !== 0) console.error(`demo exited with ${code}`);
    mark('stopped');
    console.log(`timings: ${timings.join(', ')}`);
  }
}

main().then(() => console.log('demo browser test: passed'), (e) => {
  console.error(`demo browser test: FAILED: ${e.message}`);
  process.exitCode = 1;
});

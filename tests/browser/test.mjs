// SPDX-License-Identifier: MIT
// The dashboard (GET /) in Debian's chromium against the real sensorhubd:
// token entry, live table/counts/chart/log, a daemon restart with resume,
// a 2,000 events/s flood, and no request to any other host.
//
//   node test.mjs <path to sensorhubd>
// Env: SENSORHUB_DASHBOARD_SCREENSHOT=<file.png> writes a screenshot;
//      SENSORHUB_BROWSER_SLACK=<n> multiplies every time limit (sanitizer builds).
// Exit 0 when every check passed, 1 otherwise, 77 when chromium is missing.
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const bin = process.argv[2];
const slack = Number(process.env.SENSORHUB_BROWSER_SLACK || '1');
const SECOND = 1000 * slack;
if (!bin || !existsSync(bin)) {
  console.error('usage: node test.mjs <path to sensorhubd>');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is not installed (apt-get install chromium)`);
  process.exit(77);
}

const dir = mkdtempSync(join(tmpdir(), 'sensorhub-browser-'));
const db = join(dir, 'sensorhub.db');
let passed = 0;
let failed = 0;
const failures = [];
const sanitizerReports = [];  // from a daemon built with SENSORHUB_SANITIZE

function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    failures.push(name);
    console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- daemon --
// Starts sensorhubd on `port` (0: a free one); resolves once it printed
// "listening on http://HOST:PORT", rejects if it exits first.
function startDaemon(port, extra = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--port', String(port), '--db', db, '--log-level', 'warn', ...extra],
                        { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error('no "listening on" line within 30 s: ' + err));
    }, 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^listening on http:\/\/([^\s]+):(\d+)\s*$/m.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ child, port: Number(m[2]), exited: new Promise((r) => child.once('exit', r)) });
      }
    });
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-4000);
      if (/ERROR: AddressSanitizer|WARNING: ThreadSanitizer|runtime error:|LeakSanitizer/.test(String(d))) {
        sanitizerReports.push(String(d).slice(0, 2000));
      }
    });
    child.once('exit', (code, sig) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`sensorhubd exited (${code ?? sig}) before listening: ${err.trim()}`));
    });
  });
}
async function stopDaemon(d) {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  d.child.kill('SIGTERM');
  const t = setTimeout(() => d.child.kill('SIGKILL'), 15000);
  await d.exited;
  clearTimeout(t);
}
// The same port again: the old socket may linger a moment.
// A daemon the page must not see: never on the page's port.
async function startElsewhere(extra = []) {
  for (;;) {
    const d = await startDaemon(0, extra);
    if (d.port !== port) return d;
    await stopDaemon(d);
  }
}
async function startOnPort(port) {
  let last;
  for (let i = 0; i < 20; i++) {
    try {
      return await startDaemon(port);
    } catch (e) {
      last = e;
      await sleep(500);
    }
  }
  throw last;
}

const token = execFileSync(bin, ['token', 'create', '--name', 'dashboard-test', '--scopes',
                                 'read,write,admin', '--db', db]).toString().trim();
let daemon = await startDaemon(0);
const port = daemon.port;
const base = `http://127.0.0.1:${port}`;
let restBase = base;

async function rest(method, path, body) {
  const r = await fetch(restBase + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// --------------------------------------------------------------- browser --
const profile = mkdtempSync(join(tmpdir(), 'sensorhub-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1280, height: 720 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
         '--no-first-run', '--disable-background-networking', '--disable-component-update',
         '--disable-sync'],
});
const page = context.pages()[0] || await context.newPage();
const foreign = [];
const pageErrors = [];
const allowed = (u) => {
  const url = new URL(u);
  if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return true;
  return url.host === `127.0.0.1:${port}`;
};
context.on('request', (r) => { if (!allowed(r.url())) foreign.push(r.url()); });
page.on('websocket', (w) => { if (!allowed(w.url())) foreign.push(w.url()); });
page.on('pageerror', (e) => pageErrors.push(String(e)));

// Waits until fn(arg) is truthy in the page; returns how long it took (ms) or
// null on timeout.
async function within(name, fn, arg, limit = SECOND) {
  const t0 = Date.now();
  try {
    await page.waitForFunction(fn, arg, { timeout: limit, polling: 20 });
    const ms = Date.now() - t0;
    check(`${name} (${ms} ms)`, true);
    return ms;
  } catch (e) {
    const st = await page.evaluate(() => window.sensorhubDashboard && window.sensorhubDashboard.state())
      .catch(() => null);
    check(name, false, `not within ${limit} ms; page state ${JSON.stringify(st)}`);
    return null;
  }
}
try {
  await page.goto(base + '/');
  await within('without a token the page goes live on the public WebSocket',
               () => document.getElementById('state').dataset.state === 'live', null, 10 * SECOND);

  await page.fill('#token', 'shk_' + '0'.repeat(64));
  await page.press('#token', 'Enter');
  await within('a wrong token is reported, not retried',
               () => document.getElementById('state').dataset.state === 'token' &&
                 /token rejected \(401\)/.test(document.getElementById('stateDetail').textContent),
               null, 10 * SECOND);
  await page.fill('#token', token);
  await page.click('#useToken');
  await within('with the token entered it is live again on /ws/secure',
               () => document.getElementById('state').dataset.state === 'live', null, 10 * SECOND);
  check('the token is kept in the browser',
        (await page.evaluate(() => localStorage.getItem('sensorhub.token'))) === token);

  // ------------------------------------------------ sensors: table + counts --
  const specs = [
    { tipo: 'temperatura', modelo: 'DHT22', ubicacion: 'lab' },
    { tipo: 'humedad', modelo: 'SHT31', ubicacion: 'greenhouse' },
    { tipo: 'temperatura', modelo: 'DS18B20', ubicacion: 'coldstore', activo: false },
    { tipo: 'presion', modelo: 'BMP280', ubicacion: 'roof' },
    { tipo: 'co2', modelo: 'SCD30', ubicacion: 'office' },
  ];
  const ids = [];
  for (const s of specs) {
    const created = await rest('POST', '/api/v1/sensores/', s);
    ids.push(created.id);
    await within(`created sensor #${created.id} appears in the table`,
                 (id) => !!document.querySelector(`#sensors tr[data-id="${id}"]`), created.id);
  }
  await within('counts per tipo and activo (temperatura 2, humedad 1, co2 1, activo 4, inactivo 1)',
               () => {
                 const get = (a, v) => {
                   const el = document.querySelector(`#counts [${a}="${v}"] b`);
                   return el ? Number(el.textContent) : 0;
                 };
                 return [get('data-tipo', 'temperatura'), get('data-tipo', 'humedad'), get('data-tipo', 'co2'),
                         get('data-activo', 'true'), get('data-activo', 'false')].join(',') === '2,1,1,4,1';
               }, null);

  await rest('PATCH', `/api/v1/sensores/${ids[1]}`, { modelo: 'SHT35', activo: false });
  await within('an update changes the cells in place',
               (id) => {
                 const tr = document.querySelector(`#sensors tr[data-id="${id}"]`);
                 return tr && tr.querySelector('[data-k=modelo]').textContent === 'SHT35' &&
                   tr.querySelector('[data-k=activo]').textContent === 'no';
               }, ids[1]);

  await rest('DELETE', `/api/v1/sensores/${ids[2]}`);
  await within('a delete removes the row and updates the counts',
               (id) => {
                 const get = (a, v) => { const el = document.querySelector(`#counts [${a}="${v}"] b`); return el ? Number(el.textContent) : 0; };
                 return !document.querySelector(`#sensors tr[data-id="${id}"]`) &&
                   get('data-tipo', 'temperatura') === 1 && get('data-activo', 'false') === 1 &&
                   get('data-activo', 'true') === 3;
               }, ids[2]);
  const live = ids.filter((_, i) => i !== 2);
  await within('the log shows the sensor events',
               () => {
                 const t = document.getElementById('log').textContent;
                 return /created sensor #\d+ temperatura DHT22/.test(t) && /deleted sensor #\d+/.test(t) &&
                   /updated sensor #\d+ humedad SHT35/.test(t) && /connected \(with token\)/.test(t);
               }, null);

  // The page's own form writes with the entered token.
  await page.click('details summary');
  await page.fill('#fTipo', 'temperatura');
  await page.fill('#fModelo', 'PT100');
  await page.fill('#fUbicacion', 'boiler');
  await page.click('#fCreate');
  await within('a sensor created with the page\'s form appears in the table',
               () => /→ 201/.test(document.getElementById('result').textContent) &&
                 !!document.querySelector(`#sensors tr[data-id="${document.getElementById('fId').value}"]`),
               null);
  live.push(Number(await page.inputValue('#fId')));
  await page.click('details summary');

  // ------------------------------------------------------ readings: chart --
  check('the first sensor is selected for the chart',
        (await page.locator('#chart').getAttribute('data-sensor')) === String(ids[0]));
  const now = Date.now();
  const history = [];
  for (let i = 0; i < 300; i++) {
    const v = 21 + 3 * Math.sin((i - 299) / 25 + Math.PI / 2) + 0.4 * Math.sin(i / 3.7);
    history.push({ sensor_id: ids[0], valor: Math.round(v * 100) / 100, unidad: 'C',
                   timestamp: new Date(now - (300 - i) * 2000).toISOString() });
  }
  await rest('POST', '/api/v1/lecturas/batch', history);
  for (const [i, id] of live.slice(1).entries()) {
    await rest('POST', '/api/v1/lecturas/', { sensor_id: id, valor: [61.5, 1013.2, 412, 68.2][i] ?? 1,
                                              unidad: ['%', 'hPa', 'ppm', 'C'][i] ?? null });
  }
  await within('readings reach the last-value column',
               (id) => document.querySelector(`#sensors tr[data-id="${id}"] [data-k=last]`).textContent !== '—', live[1]);
  // Select another sensor and back: the history comes from REST.
  await page.click(`#sensors tr[data-id="${live[1]}"]`);
  await within('selecting a sensor loads its history',
               (id) => document.getElementById('chart').dataset.sensor === String(id) &&
                 Number(document.getElementById('chart').dataset.points) === 1, live[1]);
  await page.focus(`#sensors tr[data-id="${live[1]}"]`);
  await page.keyboard.press('ArrowUp');  // keyboard: back to the first sensor
  await within('the chart shows the 300 stored readings (history from REST)',
               (id) => document.getElementById('chart').dataset.sensor === String(id) &&
                 Number(document.getElementById('chart').dataset.points) === 300, ids[0], 3 * SECOND);
  await rest('POST', '/api/v1/lecturas/', { sensor_id: ids[0], valor: 23.75, unidad: 'C' });
  await within('a live reading grows the chart and updates the table',
               (id) => Number(document.getElementById('chart').dataset.points) === 301 &&
                 document.querySelector(`#sensors tr[data-id="${id}"] [data-k=last]`).textContent === '23.75 C', ids[0]);
  await within('the log shows the reading',
               () => /created reading #\d+ for sensor #\d+ = 23.75 C/.test(document.getElementById('log').textContent),
               null);

  // Pause keeps the log still; resume shows what arrived meanwhile.
  await page.click('#pause');
  await rest('POST', '/api/v1/lecturas/', { sensor_id: ids[0], valor: 24.5, unidad: 'C' });
  await sleep(500);
  check('a paused log does not move', !(await page.locator('#log').textContent()).includes('= 24.5 C'));
  await page.click('#pause');
  await within('a resumed log shows what arrived while paused',
               () => document.getElementById('log').textContent.includes('= 24.5 C'), null);
  await page.selectOption('#logType', 'deleted');
  await within('the log filters by event type',
               () => [...document.querySelectorAll('#log li')].every((li) => li.textContent.includes('deleted')) &&
                 document.querySelectorAll('#log li').length >= 1, null);
  await page.selectOption('#logType', '');
  await page.uncheck('input[name=logChannel][value=readings]');
  await within('the log filters by channel',
               () => [...document.querySelectorAll('#log li')].every((li) => li.dataset.ch !== 'readings'), null);
  await page.check('input[name=logChannel][value=readings]');

  if (process.env.SENSORHUB_DASHBOARD_SCREENSHOT) {
    await page.waitForTimeout(1500);  // let the change highlights fade
    await page.screenshot({ path: process.env.SENSORHUB_DASHBOARD_SCREENSHOT, fullPage: false });
    console.log(`screenshot: ${process.env.SENSORHUB_DASHBOARD_SCREENSHOT}`);
  }

  // ------------------------------------------------- restart and resume --
  const seqBefore = await page.evaluate(() => window.sensorhubDashboard.state().lastSeq);
  await stopDaemon(daemon);
  await within('the page shows that it is reconnecting',
               () => /reconnecting in \d+ s/.test(document.getElementById('stateDetail').textContent) &&
                 document.getElementById('state').dataset.state === 'reconnecting', null, 5 * SECOND);
  // Events written while the page cannot reach the daemon: a daemon on
  // another port and the same database, then the original port again.
  const other = await startElsewhere();
  restBase = `http://127.0.0.1:${other.port}`;
  const added = await rest('POST', '/api/v1/sensores/', { tipo: 'humedad', modelo: 'AM2302', ubicacion: 'cellar' });
  await rest('PATCH', `/api/v1/sensores/${ids[0]}`, { ubicacion: 'lab-2' });
  await rest('POST', '/api/v1/lecturas/', { sensor_id: ids[0], valor: 19.25, unidad: 'C' });
  await stopDaemon(other);
  daemon = await startOnPort(port);
  restBase = base;
  const resumed = await within('after the restart the page resumes with since and replays the 3 missed events',
    (from) => {
      const m = /resumed from seq (\d+), (\d+) missed events? replayed/.exec(document.getElementById('stateDetail').textContent);
      return document.getElementById('state').dataset.state === 'live' && m && Number(m[1]) >= from && Number(m[2]) === 3;
    }, seqBefore, 30 * SECOND);
  if (resumed === null) console.log('  state detail:', await page.locator('#stateDetail').textContent());
  await within('the events written while it was down are in the table and chart',
               ([a, id]) => !!document.querySelector(`#sensors tr[data-id="${a}"]`) &&
                 document.querySelector(`#sensors tr[data-id="${id}"] [data-k=ubicacion]`).textContent === 'lab-2' &&
                 document.querySelector(`#sensors tr[data-id="${id}"] [data-k=last]`).textContent === '19.25 C' &&
                 Number(document.getElementById('chart').dataset.points) === 303, [added.id, ids[0]]);

  // ------------------------------------------------ 2,000 events/s for 3 s --
  const all = [...live, added.id];
  let posted = 0;
  let lastValues = {};
  let worst = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t0 = Date.now();
      await page.evaluate(() => document.querySelectorAll('#sensors tr').length);
      worst = Math.max(worst, Date.now() - t0);
      await sleep(100);
    }
  })();
  await page.evaluate(() => {  // the longest gap between two animation frames
    window.__frames = { worst: 0, last: performance.now(), on: true };
    const f = (t) => {
      const w = window.__frames;
      w.worst = Math.max(w.worst, t - w.last);
      w.last = t;
      if (w.on) requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
  });
  const start = Date.now();
  for (let tick = 0; tick < 30; tick++) {
    const due = start + tick * 100;
    if (Date.now() < due) await sleep(due - Date.now());
    const batch = [];
    for (let i = 0; i < 200; i++) {
      const sid = all[i % all.length];
      const v = Math.round((20 + 5 * Math.sin((tick * 200 + i) / 300) + sid) * 100) / 100;
      batch.push({ sensor_id: sid, valor: v });
      lastValues[sid] = v;
    }
    await rest('POST', '/api/v1/lecturas/batch', batch);
    posted += batch.length;
  }
  const took = Date.now() - start;
  probing = false;
  await probe;
  console.log(`  flood: ${posted} readings in ${took} ms (${Math.round(posted / took * 1000)}/s), worst page round-trip ${worst} ms`);
  check(`the page stays responsive during the flood (worst round-trip ${worst} ms < ${500 * slack})`, worst < 500 * slack);
  const frame = Math.round(await page.evaluate(() => { window.__frames.on = false; return window.__frames.worst; }));
  check(`frames keep coming during the flood (longest gap ${frame} ms < ${500 * slack})`, frame < 500 * slack);
  await within('after the flood every sensor shows its latest value',
               (want) => Object.entries(want).every(([id, v]) => {
                 const td = document.querySelector(`#sensors tr[data-id="${id}"] [data-k=last]`);
                 return td && td.textContent === String(v);
               }), lastValues, 5 * SECOND);
  check('the page is still live after the flood',
        (await page.locator('#state').getAttribute('data-state')) === 'live');
  check('log and chart stay capped',
        await page.evaluate(() => document.querySelectorAll('#log li').length <= 200 &&
                            Number(document.getElementById('chart').dataset.points) <= 2000));

  // ------------------------------- history truncated while it was away --
  const seqAway = await page.evaluate(() => window.sensorhubDashboard.state().lastSeq);
  await stopDaemon(daemon);
  await within('the page is reconnecting again', () =>
    document.getElementById('state').dataset.state === 'reconnecting', null, 5 * SECOND);
  const config = join(dir, 'retention.json');
  writeFileSync(config, JSON.stringify({ storage: { retention_events: 5, prune_interval_s: 1 } }));
  const pruner = await startElsewhere(['--config', config]);
  restBase = `http://127.0.0.1:${pruner.port}`;
  const late = await rest('POST', '/api/v1/sensores/', { tipo: 'luz', modelo: 'BH1750', ubicacion: 'window' });
  for (let i = 0; i < 6; i++) await rest('PATCH', `/api/v1/sensores/${late.id}`, { modelo: `BH1750-r${i}` });
  let oldest = 0;
  for (let i = 0; i < 100 && oldest <= seqAway + 1; i++) {
    await sleep(200);
    const ev = await rest('GET', '/api/v1/events?since=0&channel=sensors,readings,general&limit=1');
    oldest = ev.length ? ev[0].seq : 0;
  }
  check(`the history before seq ${seqAway + 1} was pruned (oldest ${oldest})`, oldest > seqAway + 1);
  await stopDaemon(pruner);
  daemon = await startOnPort(port);
  restBase = base;
  await within('a resume past the retained history reloads with a snapshot',
               (id) => document.getElementById('state').dataset.state === 'live' &&
                 /history truncated: reloaded/.test(document.getElementById('stateDetail').textContent) &&
                 document.querySelector(`#sensors tr[data-id="${id}"] [data-k=modelo]`)?.textContent === 'BH1750-r5',
               late.id, 30 * SECOND);

  // ------------------------------------------- long history through agg --
  // More than the newest 1,000 readings: the older ones come from the agg
  // route, one point per bucket (15m for the 7 days before them).
  const longSensor = await rest('POST', '/api/v1/sensores/', { tipo: 'temperatura', modelo: 'long', ubicacion: 'lab' });
  const nowMs = Date.now();
  const slot = Math.floor((nowMs - 3 * 86400000) / 900000) * 900000;  // an aligned 15 min bucket, 3 days ago
  const older = [];
  for (let i = 0; i < 10; i++) {
    older.push({ sensor_id: longSensor.id, valor: 10 + i, timestamp: new Date(slot + i * 60000).toISOString() });
  }
  const recent = [];
  for (let i = 0; i < 1000; i++) {
    recent.push({ sensor_id: longSensor.id, valor: 20, timestamp: new Date(nowMs - (1000 - i) * 1000).toISOString() });
  }
  await rest('POST', '/api/v1/lecturas/batch', older);
  await rest('POST', '/api/v1/lecturas/batch', recent);
  await within('the sensor with a long history is listed',
               (id) => !!document.querySelector(`#sensors tr[data-id="${id}"]`), longSensor.id, 5 * SECOND);
  await page.click(`#sensors tr[data-id="${longSensor.id}"]`);
  await within('the chart shows the newest 1,000 readings and one agg bucket before them',
               (id) => document.getElementById('chart').dataset.sensor === String(id) &&
                 Number(document.getElementById('chart').dataset.points) === 1001, longSensor.id, 5 * SECOND);

  // -------------------------------------------------------- phone width --
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(`readable at a phone's width: no sideways scrolling of the page (${overflow} px)`, overflow <= 0);

  check('no request to any other host', foreign.length === 0, foreign.slice(0, 5).join(', '));
  check('no script error in the page', pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
} catch (e) {
  check('the test ran to its end', false, e.stack || String(e));
} finally {
  await context.close().catch(() => {});
  await stopDaemon(daemon).catch(() => {});
  check('no sanitizer report from the daemon', sanitizerReports.length === 0, sanitizerReports.join('\n'));
  if (!process.env.SENSORHUB_E2E_KEEP) {
    rmSync(dir, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

console.log(`${passed} passed, ${failed} failed`);
if (failed) console.log('failed: ' + failures.join('; '));
process.exit(failed ? 1 : 0);

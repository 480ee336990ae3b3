// The inspector page in a real headless Chromium (Debian's chromium,
// driven by puppeteer-core), watching the kv-server example: the tasks
// table shows the server blocked in recv, the graph holds the Endpoint it
// waits on (and clicking it lists the slots that name it), and a counter
// advances. A controlled run is stepped with the page's own button. The
// screenshot goes to the temporary folder; with CADUCEUS_SCREENSHOT=1 it
// also replaces docs/inspector.png, which the README shows.
//
// Chromium is looked for at /usr/bin/chromium (CADUCEUS_CHROMIUM names
// another); without it the test fails and says how to install it.

import { copyFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boot, type System } from '../../src/index.ts';
import type { ControlView, Hello, PageProbe } from '../../src/inspect/protocol.ts';
import { fixture } from '../threads/helpers.ts';

const CHROMIUM = process.env.CADUCEUS_CHROMIUM ?? '/usr/bin/chromium';
const SHOT = join(tmpdir(), 'caduceus-inspector.png');
const DOCS_SHOT = fileURLToPath(new URL('../../docs/inspector.png', import.meta.url));
// Generous: a loaded two-core machine can be slow by a factor of ten and more.
const WAIT = { timeout: 120_000, polling: 200 };

let browser: Browser | undefined;
const systems: System[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser test needs Chromium at ${CHROMIUM}: install it (Debian: apt-get install -y chromium; .ci/run does), or name another with CADUCEUS_CHROMIUM=/path/to/chromium`);
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox will not start.
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(systems.splice(0).map((s) => s.shutdown()));
});

async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await (browser as Browser).newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewport({ width: 1500, height: 1150 });
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors };
}

/** The page's probe, as the functions below find it in the browser (they run there, not here). */
type InPage = { caduceusInspector: { probe: PageProbe } };

describe('the inspector page in Chromium', () => {
  it('shows the kv-server blocked in recv, its Endpoint in the graph, and counters that advance', async () => {
    // Two clients with more requests than the test lasts: the system is busy until it is shut down.
    const system = await boot({ init: new URL('../../examples/kv-server/init.ts', import.meta.url), argv: ['2', '100000000'], console: () => {}, inspect: true });
    systems.push(system);
    const { page, errors } = await open(system.inspectUrl as string);
    try {
      await kvServerShown(page);
      expect(errors).toEqual([]);
    } finally {
      // Shut down here, not after all: a busy system left running starves the next test's threads.
      await page.close();
      await system.shutdown();
    }
  }, 300_000);

  it("steps a controlled run with the page's own buttons", async () => {
    const system = await boot({ init: fixture('controlled/race-init.ts'), threads: 1, console: () => {}, schedule: { seed: 7, strategy: 'random' }, inspect: { paused: true } });
    systems.push(system);
    const { page, errors } = await open(system.inspectUrl as string);
    try {
      await stepped(page, system.inspectUrl as string);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await system.shutdown();
    }
  }, 300_000);
});

/** The kv-server as the page shows it: the server blocked in recv, its Endpoint in the graph and the slots naming it, the calls counter advancing; then the screenshot. */
async function kvServerShown(page: Page): Promise<void> {
  // The server, the one task on a dedicated thread, caught blocked in Recv.
  const found = await page.waitForFunction(
    () => (globalThis as unknown as InPage).caduceusInspector.probe.rows().find((r) => r.thread === 'dedicated' && r.state === 'blocked' && (r.call === 'Recv' || r.call === 'ReplyRecv')) ?? null,
    WAIT,
  );
  const server = (await found.jsonValue()) as ReturnType<PageProbe['rows']>[number];
  const endpoint = server.cells.map((c) => /^(?:Recv|ReplyRecv) on (endpoint_[0-9a-f]+)$/.exec(c)?.[1]).find(Boolean);
  expect(endpoint, `the server's row: ${server.cells.join(' | ')}`).toBeDefined();

  // The graph holds that Endpoint and the server's Task.
  await page.waitForFunction((ids: string[]) => ids.every((id) => (globalThis as unknown as InPage).caduceusInspector.probe.node(id) !== null), WAIT, [endpoint as string, server.task]);
  expect(await page.evaluate((id: string) => (globalThis as unknown as InPage).caduceusInspector.probe.node(id), endpoint as string)).toEqual({ type: 'Endpoint' });

  // Clicking it shows the object and every slot that names it.
  await page.evaluate((id: string) => (globalThis as unknown as InPage).caduceusInspector.probe.tap(id), endpoint as string);
  const details = await page.waitForFunction(() => {
    const shown = (globalThis as unknown as InPage).caduceusInspector.probe.details();
    return shown !== null && /Slots that name it \([1-9]/.test(shown) ? shown : null;
  }, WAIT);
  const shown = (await details.jsonValue()) as string;
  expect(shown).toContain(endpoint);
  expect(shown).toMatch(/Endpoint at 0x[0-9a-f]+/);
  expect(shown).toMatch(/\d+ references? of 256/);
  expect(shown).toMatch(/cspace_[0-9a-f]+ slot \d+ \(/);

  // The calls counter in the header goes up.
  const before = (await page.evaluate(() => (globalThis as unknown as InPage).caduceusInspector.probe.total('calls'))) ?? 0;
  await page.waitForFunction((n: number) => ((globalThis as unknown as InPage).caduceusInspector.probe.total('calls') ?? 0) > n, WAIT, before);

  // Close the details for the picture (in the page: the panel is drawn again at each view), and let the charts gather some history.
  await page.evaluate(() => (globalThis as unknown as InPage).caduceusInspector.probe.select(null));
  await new Promise((resolve) => setTimeout(resolve, 4000));
  await page.screenshot({ path: SHOT, fullPage: true });
  expect(statSync(SHOT).size).toBeGreaterThan(20_000);
  if (process.env.CADUCEUS_SCREENSHOT) copyFileSync(SHOT, DOCS_SHOT);
}

/** The controlled run stepped with the page's buttons: Step, Run to step 9, Resume, and the end shown. */
async function stepped(page: Page, url: string): Promise<void> {
  const status = async (text: string | RegExp) => {
    try {
      await page.waitForFunction((wanted: string) => new RegExp(wanted).test((globalThis as unknown as InPage).caduceusInspector.probe.controlStatus()), WAIT, typeof text === 'string' ? `^${text}$` : text.source);
    } catch (error) {
      // Say what the page and the server showed instead.
      const shown = await page.evaluate(() => (globalThis as unknown as InPage).caduceusInspector.probe.controlStatus());
      const served = (await (await fetch(new URL('api/state', url))).json()) as Hello;
      const { decisions: _d, ...standing } = served.live?.controlled ?? ({} as ControlView);
      throw new Error(`the page did not show '${String(text)}': it shows '${shown}'; the server: ${JSON.stringify({ standing, ended: served.ended, tasks: served.live?.tasks.map((t) => [t.ordinal, t.state, t.call, t.waiting]) })}`, { cause: error });
    }
  };
  await status('paused before step 0');
  await page.click('#step');
  await status('paused before step 1');
  const first = await page.evaluate(() => (globalThis as unknown as InPage).caduceusInspector.probe.scheduleRow(0));
  expect(first).toEqual(['0', expect.stringMatching(/^#0 task_[0-9a-f]+$/), 'Alloc', 'OK', '']);
  await page.click('#run-to', { count: 3 });
  await page.type('#run-to', '9');
  await page.click('#run-to-go');
  await status('paused before step 9');
  await page.click('#resume');
  await status(/^ended after \d+ steps$/);
  expect(await page.evaluate(() => (globalThis as unknown as InPage).caduceusInspector.probe.banner())).toBe('Init exited with code 0. The page shows the state at its end.');
}

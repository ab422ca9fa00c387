// The chat page in headless Chromium (Debian's `chromium`, driven by playwright-core): two browser
// contexts as two users exchange messages live, see read receipts and unread badges, and one of them
// loses its network (a proxy in this test cuts its connections and refuses new ones) and gets back
// without losing a message: EventSource reconnects with Last-Event-ID and the server replays.
// Skips, saying so, where /usr/bin/chromium is missing (.ci/run installs it where apt can).
import { existsSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { testDb } from '../helpers/db.js';
import { testServer } from '../helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
t.setTimeout(180_000);

if (!existsSync(CHROMIUM)) {
  t.skip(`no Chromium at ${CHROMIUM}: apt-get install chromium (the browser test needs it)`, () => {});
} else {
  const { chromium } = await import('playwright-core');
  // directUrl: the live hub's LISTEN goes around the pooler of the pooled suite (.ci/run).
  const { sql, directUrl, pooled } = await testDb(t);
  const { request, base } = await testServer(t, sql, pooled ? { listenUrl: directUrl } : {});
  const port = Number(new URL(base).port);

  /** A TCP proxy to the server that the test can take offline (cut every connection, refuse new ones). */
  const sockets = new Set<net.Socket>();
  let offline = false;
  const proxy = net.createServer((client) => {
    if (offline) return client.destroy();
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    proxy.close();
  });
  const viaProxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const signup = async (name: string) => {
    const res = await request('/chat/users', {
      method: 'POST',
      json: { email: `${name}@browser.test`, password: 'password123', name },
    });
    return (await res.json()) as { token: string; user: { id: number } };
  };
  const ann = await signup('ann');
  const bob = await signup('bob');
  await request('/chat/conversations', {
    method: 'POST',
    json: { kind: 'direct', userId: bob.user.id },
    headers: { authorization: `Bearer ${ann.token}` },
  });

  // playwright-core launches with a fresh temporary --user-data-dir of its own (it refuses one in
  // `args`), so each run starts from an empty profile; the other flags are ours.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  t.teardown(() => browser.close());

  const signIn = async (origin: string, name: string) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/chat/`);
    await page.fill('#email', `${name}@browser.test`);
    await page.fill('#password', 'password123');
    await page.click('#login');
    await page.waitForSelector('#side li');
    return page;
  };
  const send = async (page: import('playwright-core').Page, text: string) => {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
  };
  const seqs = (page: import('playwright-core').Page) =>
    page.$$eval('#messages .msg', (els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  /** Resolves once `page` shows `n` messages (the browser evaluates the condition on each frame). */
  const shows = (page: import('playwright-core').Page, n: number) =>
    page.waitForFunction(`document.querySelectorAll('#messages .msg').length === ${n}`);
  const bodies = (page: import('playwright-core').Page) =>
    page.$$eval('#messages .msg .body', (els) => els.map((e) => e.textContent));

  t.test('two users exchange messages live, with receipts and badges', async (t) => {
    const a = await signIn(base, 'ann');
    const b = await signIn(viaProxy, 'bob');
    await a.click('#side li');
    await a.waitForSelector('#status:text("live")');
    await send(a, 'hello bob');
    // Bob has not opened the conversation: an unread badge appears through his inbox stream.
    await b.waitForFunction(`document.querySelector('#side .badge')?.textContent === '1'`);
    t.pass('unread badge for the other user');
    await b.click('#side li');
    await b.waitForSelector('#status:text("live")');
    t.same(await bodies(b), ['hello bob']);
    await send(b, 'hi ann');
    await shows(a, 2);
    t.same(await bodies(a), ['hello bob', 'hi ann'], 'delivered live to the open conversation');
    // Bob read ann's message: her page shows the receipt.
    await a.waitForFunction(`document.querySelector('#messages .msg .seen')?.textContent === 'seen by bob'`);
    t.pass('read receipt shown');

    // Bob's network goes away: his connections are cut and new ones refused.
    offline = true;
    for (const s of sockets) s.destroy();
    await b.waitForSelector('#status:text("offline")');
    for (let i = 1; i <= 3; i++) await send(a, `while away ${i}`);
    await shows(a, 5);
    t.equal((await bodies(b)).length, 2, 'bob is offline and has not seen them');
    offline = false;
    await shows(b, 5);
    t.same(await seqs(b), [1, 2, 3, 4, 5], 'every sequence once, in order, after the reconnect');
    t.same(await bodies(b), ['hello bob', 'hi ann', 'while away 1', 'while away 2', 'while away 3']);
    await send(a, 'and live again');
    await shows(b, 6);
    t.equal((await bodies(b))[5], 'and live again');
  });
}

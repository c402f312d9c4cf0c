/**
 * The https gateway in headless Chromium that trusts mfe-dev's CA the way a developer's browser
 * does after `mfe-dev trust`: through the NSS database of a temporary HOME (no
 * --ignore-certificate-errors). Production's cookie rules apply unchanged: a `__Host-` session
 * cookie and a `SameSite=None; Secure` cookie survive navigation, a payment provider on another
 * site POSTs back to the gateway with the cookie that flow needs, and a local fragment's HMR
 * websocket runs over wss:.
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runTrust } from '../../src/https/index.js';
import { startGateway } from '../helpers/gateway.js';
import { listen, type TestServer } from '../helpers/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);

let tmp: string;
let previousMfeDevHome: string | undefined;
let browser: Browser;
let production: TestServer;
let widgetService: TestServer;
let provider: TestServer;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/** `https://localhost:PORT`: the gateway by name, as a developer opens it. */
let gatewayUrl: string;
/** What production saw on the provider's POST back. */
const returns: Array<{ cookie: string; origin: string | undefined; body: string }> = [];

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(/;\s*/)) {
    const eq = part.indexOf('=');
    if (part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}

/** A production site with a login, an account page that includes a widget fragment, and a payment return. */
async function startProduction(): Promise<TestServer> {
  const server = await listen((req: IncomingMessage, res: ServerResponse) => {
    const upstream = `http://${req.headers.host}`; // what production calls itself; the gateway rewrites it
    const url = new URL(req.url ?? '/', upstream);
    const page = (title: string, body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'strict-transport-security': 'max-age=31536000; includeSubDomains' });
      res.end(`<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);
    };
    const cookies = () => `<p id="cookies">session=${cookieValue(req, '__Host-session') ?? '(none)'} pay=${cookieValue(req, 'pay_session') ?? '(none)'}</p>`;
    if (url.pathname === '/login') {
      res.writeHead(302, {
        location: `${upstream}/account`,
        'set-cookie': ['__Host-session=s3cr3t; Path=/; Secure; HttpOnly; SameSite=Lax', 'pay_session=p4y; Domain=shop.example; Path=/; Secure; SameSite=None'],
      });
      return res.end();
    }
    if (url.pathname === '/account') return page('Your account', `${cookies()}<!--#include virtual="/fragments/widget" -->`);
    if (url.pathname === '/fragments/widget') return void res.end('<div id="widget">PROD widget</div>');
    if (url.pathname === '/checkout/return' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        returns.push({ cookie: req.headers.cookie ?? '', origin: req.headers.origin, body });
        if (!cookieValue(req, 'pay_session')) {
          res.writeHead(403, { 'content-type': 'text/plain' });
          return res.end('payment return without pay_session cookie');
        }
        res.writeHead(303, { location: `${upstream}/checkout/done?${body}` });
        res.end();
      });
      return;
    }
    if (url.pathname === '/checkout/done') return page('Payment confirmed', `<p id="order">${url.searchParams.get('order')}</p>${cookies()}`);
    res.writeHead(404).end();
  });
  return server;
}

/** The developer's widget service: the fragment, its script, and an HMR websocket. */
async function startWidgetService(): Promise<TestServer> {
  const server = await listen((req, res) => {
    if (req.url?.startsWith('/fragments/widget')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end('<div id="widget">LOCAL widget<script src="/assets/widget/hmr.js"></script></div>');
    }
    if (req.url === '/assets/widget/hmr.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(`
        const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/assets/widget/hmr');
        socket.onmessage = (event) => {
          const widget = document.getElementById('widget');
          if (event.data.startsWith('update:')) {
            widget.dataset.hmr = event.data;
            socket.send('ack ' + event.data);
          } else widget.dataset.reply = event.data;
        };
      `);
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: server.server, path: '/assets/widget/hmr' });
  wss.on('connection', (socket) => {
    socket.send('update:1');
    socket.on('message', (data) => socket.send(`got ${String(data)}`));
  });
  return {
    ...server,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await server.close();
    },
  };
}

/** Another site (another host name and port, plain http): a payment page that posts back. */
async function startProvider(): Promise<TestServer> {
  return listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://provider');
    const back = url.searchParams.get('return') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Pay</title><form method="POST" action="${back.replace(/"/g, '&quot;')}"><input type="hidden" name="order" value="A-42"><button>Pay now</button></form>`);
  });
}

beforeAll(async () => {
  if (!runBrowserTests) return;
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mfe-dev-https-browser-')));
  const env = { ...process.env, HOME: path.join(tmp, 'home'), MFE_DEV_HOME: path.join(tmp, 'mfe-dev') };
  fs.mkdirSync(env.HOME);
  // What `mfe-dev trust` does for a developer, into this temporary HOME's NSS database.
  const trust = await runTrust({ env });
  expect(trust.lines.join('\n')).toMatch(/trusts 'mfe-dev local CA/);
  expect(trust.ok).toBe(true);
  previousMfeDevHome = process.env.MFE_DEV_HOME;
  process.env.MFE_DEV_HOME = env.MFE_DEV_HOME;

  [browser, production, widgetService, provider] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, env, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
    startProduction(),
    startWidgetService(),
    startProvider(),
  ]);
  gateway = await startGateway({
    upstream: production.url,
    https: true,
    fragments: { widget: { src: '/fragments/widget', local: widgetService.url, assets: ['/assets/widget/'] } },
    local: ['widget'],
    overlay: false,
  });
  gatewayUrl = gateway.url.replace('https://127.0.0.1:', 'https://localhost:');
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([gateway?.close(), production?.close(), widgetService?.close(), provider?.close()]);
  if (previousMfeDevHome === undefined) delete process.env.MFE_DEV_HOME;
  else process.env.MFE_DEV_HOME = previousMfeDevHome;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

let contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
});

async function openPage(): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, context, problems };
}

describe.runIf(runBrowserTests)('the https gateway in Chromium that trusts the local CA', () => {
  it('prints an https URL', () => {
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("logs in: production's __Host- and SameSite=None; Secure cookies are kept and sent again after the redirect, on a composed page with the local widget", async () => {
    const { page, context, problems } = await openPage();
    const response = await page.goto(`${gatewayUrl}/login`);
    // The redirect to production's origin came back to the https gateway.
    expect(page.url()).toBe(`${gatewayUrl}/account`);
    expect(response?.status()).toBe(200);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    // Chromium chose HTTP/2 (ALPN).
    expect(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol)).toBe('h2');
    expect(response?.headers()['strict-transport-security']).toBeUndefined();
    expect(await page.locator('#cookies').textContent()).toBe('session=s3cr3t pay=p4y');
    expect(await page.locator('#widget').textContent()).toBe('LOCAL widget');

    const cookies = await context.cookies(gatewayUrl);
    expect(cookies.find((c) => c.name === '__Host-session')).toMatchObject({ value: 's3cr3t', secure: true, httpOnly: true, sameSite: 'Lax', domain: 'localhost', path: '/' });
    expect(cookies.find((c) => c.name === 'pay_session')).toMatchObject({ value: 'p4y', secure: true, sameSite: 'None', domain: 'localhost' });

    // Another navigation: both still sent.
    await page.goto(`${gatewayUrl}/account`);
    expect(await page.locator('#cookies').textContent()).toBe('session=s3cr3t pay=p4y');
    expect(problems).toEqual([]);
  });

  it("completes a cross-site form POST from a payment provider that needs the SameSite=None cookie (the Lax session stays home, as in production)", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${gatewayUrl}/login`);
    returns.length = 0;
    await page.goto(`${provider.url}/pay?return=${encodeURIComponent(`${gatewayUrl}/checkout/return`)}`);
    await Promise.all([page.waitForURL(`${gatewayUrl}/checkout/done?order=A-42`), page.getByRole('button', { name: 'Pay now' }).click()]);

    expect(await page.locator('h1').textContent()).toBe('Payment confirmed');
    expect(returns).toHaveLength(1);
    expect(returns[0].body).toBe('order=A-42');
    expect(returns[0].cookie).toContain('pay_session=p4y');
    expect(returns[0].cookie).not.toContain('__Host-session');
    expect(returns[0].origin).toBe(provider.url);
    // Back on the gateway's own site: the session is there again.
    expect(await page.locator('#cookies').textContent()).toBe('session=s3cr3t pay=p4y');
    expect(problems).toEqual([]);
  });

  it('shows the dev overlay over https (its script, state API and live-reload stream through HTTP/2), with no console errors', async () => {
    const withOverlay = await startGateway({
      upstream: production.url,
      https: true,
      fragments: { widget: { src: '/fragments/widget', local: widgetService.url, assets: ['/assets/widget/'] } },
      local: ['widget'],
    });
    try {
      const { page, context, problems } = await openPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) consoleErrors.push(message.text());
      });
      await page.goto(withOverlay.url.replace('https://127.0.0.1:', 'https://localhost:') + '/account');
      await page.waitForFunction(() => (document.querySelector('mfe-dev-overlay')?.shadowRoot?.textContent ?? '').includes('widget'));
      expect(problems).toEqual([]);
      expect(consoleErrors).toEqual([]);
      await context.close(); // the tab goes away before the gateway does
    } finally {
      await withOverlay.close();
    }
  });

  it("runs the local widget's HMR websocket over wss:", async () => {
    const { page, problems } = await openPage();
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${gatewayUrl}/account`);
    // Both ways: the service's update reached the page, and the page's answer reached the service.
    await page.waitForSelector('#widget[data-hmr="update:1"][data-reply="got ack update:1"]');
    expect(sockets).toEqual([`${gatewayUrl.replace('https:', 'wss:')}/assets/widget/hmr`]);
    expect(problems).toEqual([]);
  });
});

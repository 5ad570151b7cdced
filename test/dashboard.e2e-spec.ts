import {
  deleteKeys,
  startApp,
  stopAll,
  testRedis,
  uniquePrefix,
  type AppProcess,
} from '@app/testing';
import type { Redis } from 'ioredis';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Debian package's browser; CI installs it (.ci/run). Never a downloaded one. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = resolve(__dirname, 'artifacts');
const LIMIT = 5;
const ADMIN = { email: 'ops-admin@example.com', password: 'dashboard-admin-pw-1' };

/** Waits until the element's whole text is `text` (plain words; the page updates each second). */
function showsText(page: Page, selector: string, text: string, timeout = 5000): Promise<void> {
  return page.locator(selector, { hasText: new RegExp(`^${text}$`) }).waitFor({ timeout });
}

describe('dashboard in a real browser (headless Chromium, real processes)', () => {
  const prefix = uniquePrefix('dashboard');
  let redis: Redis;
  let users: AppProcess;
  let free: AppProcess;
  let paid: AppProcess;
  let gateway: AppProcess;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install the Debian package (apt-get install -y chromium); .ci/run does this in CI`,
      );
    }
    redis = testRedis();
    const quota = { FREE_QUOTA_LIMIT: LIMIT, FREE_QUOTA_WINDOW_MS: 120_000 };
    [users, free, paid] = await Promise.all([
      startApp('users', {
        env: { REDIS_KEY_PREFIX: prefix, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      }),
      startApp('free-provider', { env: quota }),
      startApp('paid-provider', {}),
    ]);
    gateway = await startApp('gateway', {
      env: {
        ...quota,
        REDIS_KEY_PREFIX: prefix,
        USERS_URL: users.url,
        FREE_PROVIDER_URL: free.url,
        PAID_PROVIDER_URL: paid.url,
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await stopAll([gateway, users, free, paid]);
    if (redis) {
      await deleteKeys(redis, prefix);
      await redis.quit();
    }
  });

  async function adminToken(): Promise<string> {
    const res = await fetch(`${gateway.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  const text = (selector: string) => page.locator(selector).innerText();

  it('serves the page to anyone but its data only to an admin', async () => {
    const html = await fetch(`${gateway.url}/dashboard`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect((await fetch(`${gateway.url}/dashboard/data`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/dashboard/events`)).status).toBe(401);

    const user = { email: `viewer-${Date.now()}@example.com`, password: 'viewer-password-1' };
    await fetch(`${gateway.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const login = await fetch(`${gateway.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const data = await fetch(`${gateway.url}/dashboard/data`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(data.status).toBe(403);
  });

  it('logs in on the page, goes live, and shows free running out and paid taking over', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // The first data request before login is meant to be refused.
      if (message.type() === 'error' && !message.text().includes('status of 401')) {
        errors.push(message.text());
      }
    });

    await page.goto(`${gateway.url}/dashboard`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await page.click('#login button[type=submit]');
    await page.locator('#board').waitFor({ state: 'visible' });
    await showsText(page, '#conn', 'live');
    expect(await text('#quota-remaining')).toBe(String(LIMIT));
    // GET /stats exists: the totals are the shared ones, of every replica.
    expect(await text('#scope')).toBe('all replicas');

    // The admin's plan is paid: five jobs on free, then paid takes over.
    const token = await adminToken();
    const providers: string[] = [];
    for (let i = 0; i < LIMIT + 3; i += 1) {
      const res = await fetch(`${gateway.url}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `dashboard job ${i}` }),
      });
      expect(res.status).toBe(200);
      providers.push(res.headers.get('x-provider') ?? '');
      // Spread over a few seconds, so the chart shows a shape rather than one spike.
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(providers).toEqual([...Array<string>(LIMIT).fill('free'), 'paid', 'paid', 'paid']);

    await showsText(page, '#quota-remaining', '0');
    // The shared statistics count the event stream a moment after the calls.
    await showsText(page, '#count-paid', '3', 10_000);
    expect(Number(await page.locator('#paid-share').getAttribute('data-value'))).toBeCloseTo(
      3 / (LIMIT + 3),
    );
    expect(await text('#free-share')).toBe('63 %');
    expect(await text('#paid-cost-micros')).toBe('600');
    expect(await text('#route')).toBe('paid');
    expect(await text('#quota-reset')).toMatch(/resets in \d+\.\d s/);
    const switches = await text('#switches');
    expect(switches).toContain('free → paid');
    expect(switches).toContain('quota-exhausted');
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // Readable on a phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: resolve(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('falls back to polling the JSON endpoint when the stream is unavailable', async () => {
    const polling = await browser!.newPage();
    await polling.context().addCookies(await page.context().cookies());
    await polling.route('**/dashboard/events', (route) => route.abort());
    await polling.goto(`${gateway.url}/dashboard`);
    await showsText(polling, '#conn', 'polling', 10_000);
    expect(await polling.locator('#quota-remaining').innerText()).toBe('0');
    await polling.close();
  });
  it('ends the live stream on SIGTERM, so the replica still drains promptly and exits 0', async () => {
    await showsText(page, '#conn', 'live');
    const started = Date.now();
    const code = await gateway.stop('SIGTERM');
    // On failure, say why: the replica's own last words.
    if (code !== 0) process.stderr.write(`${gateway.lines.slice(-15).join('\n')}\n`);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    await page.locator('#conn', { hasText: /reconnecting|offline|error/ }).waitFor();
  });
});

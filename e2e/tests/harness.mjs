// Test harness: starts the real liandong binary on a fresh demo database
// and a headless Debian Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const DEMO_PASSWORD = 'Zhanshi@2026';

/** Starts `liandong serve --demo` on a free loopback port; resolves to {url, stop}. */
export async function startServer(extraArgs = []) {
  const bin = process.env.LIANDONG_BIN;
  if (!bin) throw new Error('LIANDONG_BIN is not set (scripts/test sets it)');
  const data = mkdtempSync(join(tmpdir(), 'liandong-e2e-'));
  const child = spawn(bin, ['serve', '--demo', '--data', data, '--addr', '127.0.0.1:0', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 30 s:\n' + stderr)), 30000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[^\s]+?)\/?\s/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  return {
    url,
    logs: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * Opens a page that records CSP violations and page errors, so each test can
 * assert there were none.
 */
export async function newPage(browser, baseURL) {
  const context = await browser.newContext({ baseURL, acceptDownloads: true, locale: 'zh-CN' });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.problems.push('csp: ' + m.text());
  });
  page.on('dialog', (d) => d.accept());
  return page;
}

/** Logs in through the login form. */
export async function login(page, username, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

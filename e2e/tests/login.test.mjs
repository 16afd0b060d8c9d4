import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the office logs in, sees the work bench, and logs out', async () => {
  const page = await newPage(browser, server.url);
  await page.goto('/');
  assert.match(page.url(), /\/login\?next=/, 'an anonymous visitor is sent to the login page');
  await login(page, 'office');
  assert.equal(await page.locator('h1').first().textContent(), '工作台');
  assert.match(await page.textContent('.overview'), /27 个成员单位/, 'the work bench shows Liuzhou at a glance');
  await page.click('text=退出');
  await page.waitForURL(/\/login/);
  assert.match(await page.textContent('body'), /已安全退出/);
  assert.deepEqual(page.problems, []);
});

test('a wrong password is refused with a Chinese message and the name kept', async () => {
  const page = await newPage(browser, server.url);
  await page.goto('/login');
  await page.fill('#username', 'office');
  await page.fill('#password', 'not-the-password');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.error'), /用户名或密码错误/);
  assert.equal(await page.inputValue('#username'), 'office');
  assert.deepEqual(page.problems, []);
});

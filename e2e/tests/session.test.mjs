// SECURITY.md I10 in the browser: a form submitted after the session timed
// out is held, offered after the next login, and saved exactly once; a
// warning appears before the idle timeout. The server runs with
// --test-clock so the test can move its time instead of waiting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--test-clock']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Moves the server's clock forward (POST /test/clock, with the login page's CSRF cookie and token). */
async function advanceClock(by) {
  const res = await fetch(server.url + '/login');
  const cookie = (res.headers.getSetCookie?.() || []).map((c) => c.split(';')[0]).join('; ');
  const token = (await res.text()).match(/name="csrf_token" value="([^"]+)"/)[1];
  const r = await fetch(`${server.url}/test/clock?advance=${by}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({ csrf_token: token }),
  });
  assert.equal(r.status, 200, `advancing the clock by ${by}: ${await r.text()}`);
}

/**
 * The form the test fills: who uses it, how to open and fill it, and how
 * many times a marker was saved: the body page's 添加职责 form, a plain
 * urlencoded post. The progress report form (streamed multipart, photos,
 * autosave) has its own case in report_session.test.mjs.
 */
const dutyForm = {
  user: 'office',
  async open(page) {
    await page.goto('/org');
    await page.click('a:text-is("柳州市全民科学素质工作领导小组")');
    await page.waitForURL(/\/org\/bodies\/\d+$/);
    this.bodyURL = new URL(page.url()).pathname;
    await page.goto(this.bodyURL + '/duties/new');
  },
  async fill(page, marker) {
    await page.selectOption('#f-scope', 'office');
    await page.fill('#f-text', `负责科普日活动的组织协调，按时报送总结材料（${marker}）`);
  },
  submit: 'main button.primary[type=submit]',
  saved: /\/org\/bodies\/\d+\?flash=created/,
  async count(page, marker) {
    await page.goto(this.bodyURL);
    return (await page.textContent('main')).split(marker).length - 1;
  },
};

async function heldSubmissionIsNotLost(form) {
  const page = await newPage(browser, server.url);
  await login(page, form.user);
  await form.open(page);
  const marker = 'I10-' + Date.now();
  await form.fill(page, marker);

  await advanceClock('31m');
  await Promise.all([page.waitForURL(/\/login/), page.click(form.submit)]);
  assert.match(await page.textContent('main'), /登录已超时，您填写的内容已保存，请重新登录后提交/);

  await login(page, form.user);
  assert.match(page.url(), /\/held$/, 'after the login the held content is offered first');
  assert.match(await page.textContent('h1'), /恢复未提交的内容/);
  assert.match(await page.textContent('main'), new RegExp(marker), 'the held page shows what was typed');
  await Promise.all([page.waitForURL(form.saved), page.click(`section.held-item button:text-is("提交")`)]);

  assert.equal(await form.count(page, marker), 1, 'saved exactly once');
  await page.goto('/held');
  assert.match(await page.textContent('main'), /没有暂存的未提交内容/);
  assert.deepEqual(page.problems, []);
}

test('a form submitted after the idle timeout is held, offered after login, and saved once', async () => {
  await heldSubmissionIsNotLost(dutyForm);
});

test('another user logging in is not offered the held content', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await dutyForm.open(page);
  const marker = 'I10-other-' + Date.now();
  await dutyForm.fill(page, marker);
  await advanceClock('31m');
  await Promise.all([page.waitForURL(/\/login/), page.click(dutyForm.submit)]);

  const other = await newPage(browser, server.url);
  await login(other, 'leader');
  assert.doesNotMatch(other.url(), /\/held/);
  await other.goto('/held');
  assert.doesNotMatch(await other.textContent('main'), new RegExp(marker));

  await login(page, 'office');
  assert.match(page.url(), /\/held$/);
  await Promise.all([page.waitForURL(/\/held\?flash=held_discarded/), page.click('section.held-item button:text-is("放弃")')]);
  assert.equal(await dutyForm.count(page, marker), 0, 'discarded content is not saved');
  assert.deepEqual([...page.problems, ...other.problems], []);
});

test('a warning appears 5 minutes before the idle timeout and 继续 keeps the session', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  assert.equal(await page.getAttribute('body', 'data-idle-minutes'), '30');
  const warning = page.locator('.idle-warning');
  const check = () => page.evaluate(() => window.dispatchEvent(new Event('focus')));

  await check();
  await page.waitForTimeout(300);
  assert.equal(await warning.count(), 0, 'no warning right after loading');

  await advanceClock('26m');
  await check();
  await warning.waitFor({ state: 'visible' });
  assert.match(await warning.textContent(), /您已2[56]分钟未操作，[45]分钟后将自动退出，请及时保存/);

  await warning.locator('button:text-is("继续")').click();
  await warning.waitFor({ state: 'hidden' });
  await check();
  await page.waitForTimeout(300);
  assert.ok(!(await warning.isVisible()), 'after 继续 the session has its full time again');

  await advanceClock('10m');
  await page.reload();
  assert.doesNotMatch(page.url(), /\/login/, 'the kept-alive session is still valid 10 minutes later');
  assert.deepEqual(page.problems, []);
});

// SECURITY.md I10 with the progress report form in Chromium: a liaison
// fills a report with a figure and two captioned photos, the server's clock
// moves 31 minutes on, the page's status check and an autosave meet the
// timed-out session (the autosave says plainly that nothing is lost and
// what to do), 提交 is held on the server, the login offers it with the
// typed content, and 提交 there saves it exactly once, photos included.
// The server runs with --test-clock so the test can move its time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--test-clock']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const task = '提高学校科学教育质量';

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

/** A small real JPEG, drawn on a canvas in the page. */
async function jpeg(page, hue) {
  const data = await page.evaluate((h) => {
    const c = document.createElement('canvas');
    c.width = 320; c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = `hsl(${h}, 70%, 50%)`;
    g.fillRect(0, 0, 320, 240);
    return c.toDataURL('image/jpeg', 0.9);
  }, hue);
  return Buffer.from(data.split(',')[1], 'base64');
}

test('a report submitted after the idle timeout is held with its photos, offered after login, and saved once', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'liaison-jyj');
  await page.click('nav.mainnav a:text-is("进展报告")');
  const row = page.locator('table.report-grid tbody tr', { hasText: task });
  await Promise.all([page.waitForURL(/\/reports\/\d+$/), row.locator('td').last().locator('button:has-text("填报")').click()]);
  const reportPath = new URL(page.url()).pathname;

  const marker = 'I10-report-' + Date.now();
  await page.selectOption('#f-progress', 'on_track');
  await page.fill('#f-narrative', `第四季度开展科学课程教研活动（${marker}），覆盖全市中小学。`);
  const figure = page.locator('input[id^="f-value-"]').first();
  const hasFigure = (await figure.count()) > 0;
  if (hasFigure) { await figure.fill('12'); }
  await page.setInputFiles('#f-new-photo-1', { name: '教研现场.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 30) });
  await page.fill('#f-new-caption-1', '教研活动现场照片');
  await page.setInputFiles('#f-new-photo-2', { name: '实验课堂.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 210) });
  await page.fill('#f-new-caption-2', '小学科学实验课堂');

  // 31 idle minutes. The page's status check notices, then one more edit
  // sets off an autosave, which must say plainly that the text is kept.
  await advanceClock('31m');
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.locator('.idle-warning', { hasText: '登录已超时' }).waitFor();
  await page.fill('#f-problems', '部分学校实验器材不足');
  await page.locator('#f-narrative').focus(); // leaving the field saves the draft
  const status = page.locator('#autosave-status');
  await status.filter({ hasText: '登录已超时' }).waitFor();
  assert.match(await status.textContent(), /内容仍在，不会丢失.*重新登录.*提交/);

  await Promise.all([page.waitForURL(/\/login/), page.click('form#report-form button:text-is("提交")')]);
  assert.match(await page.textContent('main'), /登录已超时，您填写的内容已保存，请重新登录后提交/);

  await login(page, 'liaison-jyj');
  assert.match(page.url(), /\/held$/, 'after the login the held report is offered first');
  const held = page.locator('section.held-item');
  assert.equal(await held.count(), 1, 'one held item: the report, not the autosave');
  const shown = await held.textContent();
  for (const want of ['进展报告', reportPath, '工作进展', marker, '部分学校实验器材不足', '教研现场.jpg', '实验课堂.jpg',
    '教研活动现场照片', '小学科学实验课堂']) {
    assert.ok(shown.includes(want), `the held page shows ${want}`);
  }
  if (hasFigure) { assert.match(shown, /指标\d+本期完成数\s*12/); }

  await Promise.all([page.waitForURL(/\/reports\/\d+\?flash=submitted/), held.locator('button:text-is("提交")').click()]);
  assert.equal(new URL(page.url()).pathname, reportPath);
  assert.equal((await page.textContent('#report-state')).trim(), '已报');
  assert.match(await page.textContent('dl.report-meta'), /第1次提交/);
  const view = await page.textContent('section.report-view');
  assert.equal(view.split(marker).length - 1, 1, 'the narrative is saved exactly once');
  assert.match(view, /部分学校实验器材不足/);
  const imgs = page.locator('.report-photos img');
  assert.equal(await imgs.count(), 2, 'both photos are attached');
  for (const img of await imgs.all()) {
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the thumbnail loads');
  }
  assert.match(await page.textContent('.report-photos'), /教研活动现场照片[\s\S]*小学科学实验课堂|小学科学实验课堂[\s\S]*教研活动现场照片/);

  await page.goto('/held');
  assert.match(await page.textContent('main'), /没有暂存的未提交内容/);
  assert.deepEqual(page.problems, []);
});

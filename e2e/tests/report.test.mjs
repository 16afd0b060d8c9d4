// A liaison of the education bureau writes the 2020 Q4 progress report on
// a task of the demo's action plan, with two captioned photos, and submits
// it; the office returns it with a reason; the liaison reads the reason,
// revises and resubmits; the office accepts it; the revisions page shows
// what changed between the two submissions.
//
// The tests run in order and share the report they create.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
let reportPath = ''; // /reports/{id}
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const task = '提高学校科学教育质量';

/** A small real JPEG, drawn on a canvas in the page. */
async function jpeg(page, hue) {
  const data = await page.evaluate((h) => {
    const c = document.createElement('canvas');
    c.width = 320; c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = `hsl(${h}, 70%, 50%)`;
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.fillRect(40, 40, 120, 80);
    return c.toDataURL('image/jpeg', 0.9);
  }, hue);
  return Buffer.from(data.split(',')[1], 'base64');
}

test('the liaison fills the report with two photos, autosaves and submits it', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'liaison-jyj');
  await page.click('nav.mainnav a:text-is("进展报告")');
  const row = page.locator('table.report-grid tbody tr', { hasText: task });
  // Columns: task, role, then the four quarters of 2020; Q4 is the last.
  await Promise.all([page.waitForURL(/\/reports\/\d+$/), row.locator('td').last().locator('button:has-text("填报")').click()]);
  reportPath = new URL(page.url()).pathname;

  await page.selectOption('#f-progress', 'on_track');
  await page.fill('#f-narrative', '第四季度在全市中小学开展科学课程教研活动12场。');
  await page.locator('#f-problems').focus(); // leaving the field saves the draft
  await page.locator('#autosave-status', { hasText: '已自动保存' }).waitFor();

  await page.setInputFiles('#f-new-photo-1', { name: '教研活动.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 20) });
  await page.fill('#f-new-caption-1', '科学课程教研活动现场');
  await page.setInputFiles('#f-new-photo-2', { name: '课堂.jpg', mimeType: 'image/jpeg', buffer: await jpeg(page, 200) });
  await page.fill('#f-new-caption-2', '小学科学实验课');
  await Promise.all([page.waitForURL(/flash=submitted/), page.click('button:has-text("提交")')]);

  assert.equal((await page.textContent('#report-state')).trim(), '已报');
  const imgs = page.locator('.report-photos img');
  assert.equal(await imgs.count(), 2);
  for (const img of await imgs.all()) {
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the thumbnail loads');
  }
  assert.match(await page.textContent('.report-photos'), /科学课程教研活动现场[\s\S]*小学科学实验课/);
  assert.deepEqual(page.problems, []);
});

test('the office returns it with a reason', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(reportPath);
  await page.fill('#f-reason', '请补充参加教研的教师人数。');
  await Promise.all([page.waitForURL(/flash=returned/), page.click('button:has-text("退回修改")')]);
  assert.equal((await page.textContent('#report-state')).trim(), '退回');
  assert.deepEqual(page.problems, []);
});

test('the liaison reads the reason, revises and resubmits; the office accepts', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'liaison-jyj');
  await page.goto(reportPath);
  assert.match(await page.textContent('#return-reason'), /请补充参加教研的教师人数/);
  // The photos and their captions are still there.
  assert.equal(await page.locator('.report-photos img').count(), 2);
  await page.fill('#f-narrative', '第四季度在全市中小学开展科学课程教研活动12场，参加教师460人次。');
  await Promise.all([page.waitForURL(/flash=submitted/), page.click('button:has-text("提交")')]);
  assert.equal((await page.textContent('#report-state')).trim(), '已报');

  const office = await newPage(browser, server.url);
  await login(office, 'office');
  await office.goto(reportPath);
  await Promise.all([office.waitForURL(/flash=accepted/), office.click('button:has-text("采纳")')]);
  assert.equal((await office.textContent('#report-state')).trim(), '已采纳');
  assert.deepEqual(page.problems, []);
  assert.deepEqual(office.problems, []);
});

test('the revisions page shows what changed between the two submissions', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(reportPath + '/revisions');
  const changed = page.locator('table.report-diff tr.changed');
  assert.equal(await changed.count(), 1);
  const text = await changed.textContent();
  assert.match(text, /工作进展/);
  assert.match(text, /参加教师460人次/);
  assert.deepEqual(page.problems, []);
});

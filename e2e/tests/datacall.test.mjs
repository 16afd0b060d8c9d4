// Data calls end to end in the browser (issue 4 part 4): the office sends
// a call like seed 003's, a liaison and a county office submit, the office
// returns one, the board shows every state, and the ZIP holds what was
// submitted under safe, unique names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import JSZip from 'jszip';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(['--test-clock']); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

const JPEG = Buffer.from('/9j/2wCEAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDIBCQkJDAsMGA0NGDIhHCEyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMv/AABEIAAwAEAMBIgACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/APCv+P8A/wCvv/0d/wDZ/wDoX1+9DBP5W5HXfC/30zjPoQexHY/zBIMVW7n99Zw3T/655HR2/vbQpBPv83J749ckztobJuV5Ldfj0/rv+f8A/9k=', 'base64');
const pdf = (text) => ({ name: text + '.pdf', mimeType: 'application/pdf',
  buffer: Buffer.from('%PDF-1.4\n% ' + text + '\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') });
const jpg = (name) => ({ name, mimeType: 'image/jpeg', buffer: JPEG });

/** The date n days after the server's today, as YYYY-MM-DD (Beijing time). */
function dateIn(days) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

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

/** The office creates and sends a call; returns its id. */
async function sendCall(page, { title, date, late }) {
  await page.goto('/calls/new');
  await page.fill('#f-title', title);
  await page.fill('#f-notice-number', '柳全科组办发〔2020〕8号');
  await page.fill('#f-date', date);
  await page.fill('#f-cname', '陈琰琰');
  await page.fill('#f-cphone', '2625843');
  if (late) await page.check('input[name=late_allowed]');
  await page.selectOption('#i-kind-0', 'document');
  await page.fill('#i-label-0', '2020年工作总结');
  await page.selectOption('#i-kind-1', 'document');
  await page.fill('#i-label-1', '2021年工作计划');
  await page.selectOption('#i-kind-2', 'photos');
  await page.fill('#i-label-2', '重点行动或特色活动图片');
  await page.fill('#i-min-2', '1');
  await page.fill('#i-max-2', '2');
  await page.check('input[name=item_jpeg_2]');
  await page.check('input[name=item_caption_2]');
  await page.click('button[name=action][value=save]');
  await page.waitForURL(/\/calls\/\d+\?flash=created/);
  const id = page.url().match(/\/calls\/(\d+)/)[1];
  await page.click('button:text-is("发出征集")');
  await page.waitForURL(/flash=call_opened/);
  return id;
}

/** The logged-in addressee fills and submits its submission to call id. */
async function submit(page, id, who, photos) {
  await page.goto(`/calls/${id}/submission`);
  const items = page.locator('fieldset.call-item');
  await items.nth(0).locator('input[type=file]').setInputFiles(pdf(who + '2020年总结'));
  await items.nth(1).locator('input[type=file]').setInputFiles(pdf(who + '2021年计划'));
  for (let i = 0; i < photos.length; i++) {
    await items.nth(2).locator('input[type=file]').nth(i).setInputFiles(jpg(`photo${i + 1}.jpg`));
    await items.nth(2).locator('input[name^=newcaption]').nth(i).fill(photos[i]);
  }
  await page.click('button[name=action][value=submit]');
  await page.waitForURL(/flash=call_submitted/);
  assert.match(await page.textContent('#my-state'), /已报送|逾期报送|已重新报送/);
}

test('a call like seed 003 runs from the office to the ZIP', async () => {
  const office = await newPage(browser, server.url);
  await login(office, 'office');
  const id = await sendCall(office, { title: '上报2020年全民科学素质工作总结和2021年工作计划', date: dateIn(9) });

  // The education bureau's liaison: empty required items are refused one by one.
  const jyj = await newPage(browser, server.url);
  await login(jyj, 'liaison-jyj');
  await jyj.goto('/calls');
  assert.match(await jyj.textContent('table.inbox'), /上报2020年全民科学素质工作总结/);
  await jyj.goto(`/calls/${id}/submission`);
  await jyj.click('button[name=action][value=submit]');
  assert.match(await jyj.textContent('.error'), /材料未保存/);
  const errs = await jyj.locator('fieldset.call-item .field-error').allTextContents();
  assert.equal(errs.length, 3, 'one message per required item: ' + errs.join(' / '));
  assert.match(errs.join(''), /2020年工作总结/);
  await submit(jyj, id, '教育局', ['科技活动周现场', '青少年科技创新大赛']);

  // The county office submits for its own body.
  const county = await newPage(browser, server.url);
  await login(county, 'county');
  await submit(county, id, '柳江区', ['科普大篷车进乡村']);

  // The office returns the county's submission with a reason.
  await office.goto(`/calls/${id}?state=submitted`);
  const rows = office.locator('table.board tbody tr');
  assert.equal(await rows.count(), 2);
  await office.locator('table.board tr', { hasText: '柳江' }).locator('a').click();
  await office.fill('#f-reason', '请补充重点活动的图片说明');
  await office.click('button[name=decision][value=return]');
  await office.waitForURL(/flash=call_returned/);
  const board = await office.textContent('table.board');
  assert.match(board, /已报送/);
  assert.match(board, /已退回/);
  assert.match(board, /未报送/);
  assert.match(board, /请补充重点活动的图片说明/);

  // The county sees why.
  await county.goto(`/calls/${id}/submission`);
  assert.match(await county.textContent('#return-reason'), /请补充重点活动的图片说明/);

  // The ZIP: a folder per unit, an index, safe names.
  const [download] = await Promise.all([office.waitForEvent('download'), office.click('a:text-is("下载全部材料（ZIP）")')]);
  const zip = await JSZip.loadAsync(await (await import('node:fs/promises')).readFile(await download.path()));
  const names = Object.keys(zip.files).filter((n) => !zip.files[n].dir);
  assert.ok(names.includes('汇总索引.xlsx'), names.join('\n'));
  assert.equal(names.length, 4 + 3 + 1, names.join('\n'));
  for (const n of names) {
    assert.ok(!n.startsWith('/') && !n.includes('..') && !n.includes('\\'), 'unsafe name ' + n);
  }
  assert.ok(names.some((n) => /-重点行动或特色活动图片-2-青少年科技创新大赛\.jpg$/.test(n)), names.join('\n'));
  assert.equal(new Set(names.map((n) => n.split('/')[0])).size, 3, 'two unit folders and the index');
  for (const p of [office, jyj, county]) assert.deepEqual(p.problems, []);
});

test('a late submission is marked late on the board', async () => {
  const office = await newPage(browser, server.url);
  await login(office, 'office');
  const id = await sendCall(office, { title: '补报2020年科普日活动材料', date: dateIn(1), late: true });
  await advanceClock('72h');
  const kjj = await newPage(browser, server.url);
  await login(kjj, 'liaison-kjj');
  await submit(kjj, id, '科技局', ['科普日主场活动']);
  await login(office, 'office');
  await office.goto(`/calls/${id}`);
  assert.match(await office.textContent('table.board'), /逾期报送/);
  assert.match(await office.textContent('.filters'), /逾期报送 1/);
  assert.deepEqual(office.problems, []);
});

// The office keeps Liuzhou's leading group up to date: a new member unit and
// its liaison, a member replaced with the history kept, the roster printed
// and exported to Excel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** Selects the first option of a <select> whose text contains `text`. */
async function choose(page, selector, text) {
  const value = await page.locator(`${selector} option`, { hasText: text }).first().getAttribute('value');
  assert.ok(value, `no option containing ${text} in ${selector}`);
  await page.selectOption(selector, value);
}

/** Opens Liuzhou's body page from the organisation tree. */
async function openLiuzhou(page) {
  await page.goto('/org');
  await page.click('a:text-is("柳州市全民科学素质工作领导小组")');
  await page.waitForURL(/\/org\/bodies\/\d+$/);
  return page.url().match(/\/org\/bodies\/(\d+)/)[1];
}

test('the office adds a member unit and its liaison', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');

  // Register the unit first: 市水利局 is not yet in the registry.
  await page.goto('/org/units/new');
  await choose(page, '#f-region', '柳州市');
  await page.fill('#f-name', '柳州市水利局');
  await page.fill('#f-short', '市水利局');
  await page.selectOption('#f-kind', 'government');
  await Promise.all([page.waitForURL(/\/org\/units\/\d+/), page.click('button:has-text("登记")')]);
  assert.match(await page.textContent('.flash'), /已/);

  const id = await openLiuzhou(page);
  await page.click('a:has-text("添加成员单位")');
  await choose(page, '#f-unit', '水利局');
  await page.fill('#f-joined', '2021-03-01');
  await Promise.all([page.waitForURL(new RegExp(`/org/bodies/${id}`)), page.click('button:has-text("添加")')]);
  assert.match(await page.textContent('#units + .table-wrap, #units ~ div'), /柳州市水利局|市水利局/);

  await page.click('a:has-text("添加联络员")');
  await choose(page, '#f-unit', '水利局');
  await page.fill('#f-name', '韦晓明');
  await page.fill('#f-post', '办公室副主任');
  await page.fill('#f-phone', '13907720001');
  await page.fill('#f-email', 'weixm@example.gov.cn');
  await Promise.all([page.waitForURL(new RegExp(`/org/bodies/${id}`)), page.click('button:has-text("保存")')]);
  const liaisons = await page.textContent('body');
  assert.match(liaisons, /韦晓明/);
  assert.match(liaisons, /13907720001/, 'the office sees the full phone number');
  assert.deepEqual(page.problems, []);
});

test('an empty liaison name is refused in Chinese and what was typed is kept', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  const id = await openLiuzhou(page);
  await page.goto(`/org/bodies/${id}/liaisons/new`);
  await choose(page, '#f-unit', '教育局');
  await page.fill('#f-post', '科长');
  await page.click('button:has-text("保存")');
  assert.match(await page.textContent('.field-error'), /姓名/);
  assert.equal(await page.inputValue('#f-post'), '科长');
  assert.deepEqual(page.problems, []);
});

test('the office replaces a member and the history keeps both people', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  const id = await openLiuzhou(page);
  const row = page.locator('tr', { hasText: '程卓' });
  await row.locator('a:has-text("更换人员")').click();
  await page.fill('#f-date', '2021-06-01');
  await page.fill('#f-person', '蓝海燕');
  await page.fill('#f-position', '市教育局副局长');
  await choose(page, '#f-unit', '教育局');
  await Promise.all([page.waitForURL(new RegExp(`/org/bodies/${id}`)), page.click('button:has-text("确认更换")')]);
  const now = await page.textContent('body');
  assert.match(now, /蓝海燕/);

  // As it stood before the change, the old member is still there.
  await page.goto(`/org/bodies/${id}?date=2021-05-31`);
  const before = await page.textContent('body');
  assert.match(before, /程卓/);
  assert.doesNotMatch(before, /蓝海燕/);

  await page.goto(`/org/bodies/${id}/history`);
  const history = await page.textContent('main');
  assert.match(history, /程卓/);
  assert.match(history, /蓝海燕/);
  assert.match(history, /2021-06-01/);
  assert.deepEqual(page.problems, []);
});

test('the roster prints on A4 without navigation, and exports to Excel that opens back', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  const id = await openLiuzhou(page);
  await page.goto(`/org/bodies/${id}/roster`);
  const text = await page.textContent('main');
  // Two-character names are padded to align, as the printed notice does (侯  刚).
  for (const want of [/组\s*长/, /侯\s*刚/, /市委常委、副市长/, /郑晓鸿/, /任俊峰/]) assert.match(text, want);
  assert.ok(await page.locator('[data-print]').isVisible(), 'a print button is offered');

  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.mainnav').isVisible(), false, 'navigation is hidden in print');
  assert.equal(await page.locator('[data-print]').isVisible(), false, 'the print button is hidden in print');
  const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
  assert.ok(pdf.length > 10000, 'the roster renders to a PDF');
  await page.emulateMedia({ media: 'screen' });

  await page.goto(`/org/bodies/${id}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a:has-text("导出成员名单 Excel")'),
  ]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await download.path());
  const sheet = wb.worksheets[0];
  const cells = [];
  sheet.eachRow((row) => row.eachCell((c) => cells.push(String(c.value))));
  const all = cells.join('|');
  for (const want of ['侯刚', '王颖', '郑晓鸿', '任俊峰']) assert.ok(all.includes(want), `exported roster lacks ${want}`);
  assert.deepEqual(page.problems, []);
});

test('a liaison sees other units\' phone numbers masked and cannot edit them', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'liaison-jyj');
  const id = await openLiuzhou(page);
  const rows = await page.locator('#liaisons ~ .table-wrap tbody tr').allTextContents();
  assert.ok(rows.length > 5, 'the liaison list is shown');
  for (const row of rows) {
    if (row.includes('教育局')) continue; // its own unit: shown in full
    assert.doesNotMatch(row, /1[3-9]\d{9}(?!\d)/, `another unit's number is masked: ${row}`);
  }
  assert.equal(await page.locator('a:has-text("添加成员单位")').count(), 0);
  // Editing another unit's liaison by changing the ID in the URL is refused as not found.
  const other = await page.locator('#liaisons ~ .table-wrap tbody tr', { hasText: '科学技术局' }).first();
  assert.equal(await other.locator('a:has-text("编辑")').count(), 0, 'no edit link for another unit');
  const own = await page.locator('#liaisons ~ .table-wrap tbody tr', { hasText: '教育局' }).first().locator('a:has-text("编辑")').getAttribute('href');
  const lid = Number(own.match(/liaisons\/(\d+)/)[1]);
  for (const probe of [lid + 1, lid - 1]) {
    const res = await page.goto(`/org/bodies/${id}/liaisons/${probe}/edit`);
    assert.equal(res.status(), 404, `liaison ${probe} of another unit is not found`);
  }
  assert.deepEqual(page.problems, []);
});

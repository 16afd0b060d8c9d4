// The office imports Liuzhou's plan by pasting its text, reviews it beside
// the source, maps a name the registry lacks, filters and exports the
// decomposition table, publishes it so that a county office assigns the
// task handed down to it, and prints the table on A4 landscape.
//
// The tests run in order and share the plan they create.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { startServer, launchBrowser, newPage, login } from './harness.mjs';

let server, browser;
let planPath = ''; // /plans/{id} of the imported plan
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

// A plan of our own writing: two sections with a lead unit each, six tasks,
// a collective for the counties, and one name the demo registry lacks
// (市青少年科技活动中心).
const planText = `柳州市科普能力提升三年行动方案（2024—2026年）
到2026年，全市公民具备科学素质的比例达到15%。
一、主要任务
（一）科普阵地建设（牵头单位：市科协）
1.建设社区科普e站。每年新建社区科普e站20个。（责任单位：市民政局、市财政局，各县（区）人民政府）
2.推动科技馆免费开放。（责任单位：市财政局、市文旅局）
3.开展流动科技馆巡展。每年巡展不少于10站。（责任单位：市青少年科技活动中心）
（二）重点人群科学素质提升（牵头单位：市教育局）
1.实施青少年科学调查体验活动。（责任单位：团市委、市科协）
2.开展农民科技培训。每年培训农民5000人次。（责任单位：市农业农村局、市人力资源社会保障局）
3.开展老年人智能技术培训。（责任单位：市卫生健康委、市民政局）
`;

const tasks = ['建设社区科普e站', '推动科技馆免费开放', '开展流动科技馆巡展', '实施青少年科学调查体验活动', '开展农民科技培训', '开展老年人智能技术培训'];

/** The text of each body row of the decomposition table. */
async function tableRows(page) {
  return page.locator('table.plan-table tbody tr').allTextContents();
}

test('the office pastes a plan, reviews it beside the source, maps an unknown name and imports it', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.click('nav.mainnav a:text-is("计划任务")');
  await page.click('a:has-text("导入计划")');
  await page.fill('#f-text', planText);
  await Promise.all([page.waitForURL(/\/plans\/import$/), page.click('button:has-text("识别")')]);

  // Source on the left, result on the right, side by side.
  assert.match(await page.inputValue('.import-source textarea'), /柳州市科普能力提升三年行动方案/);
  const source = await page.locator('.import-source').boundingBox();
  const result = await page.locator('.import-result').boundingBox();
  assert.ok(source.x + source.width <= result.x + 1 && Math.abs(source.y - result.y) < 5, 'source and result are side by side');
  const titles = await page.locator('.import-items input[name$="_title"]').evaluateAll((els) => els.map((e) => e.value));
  for (const t of tasks) assert.ok(titles.includes(t), `the result lists ${t}: ${titles}`);
  assert.equal(await page.inputValue('#f-title'), '柳州市科普能力提升三年行动方案（2024—2026年）');
  assert.equal(await page.inputValue('#f-from'), '2024');

  // The name nobody registered is flagged; it is mapped to the 科协.
  const row = page.locator('.import-names tr.unresolved', { hasText: '市青少年科技活动中心' });
  assert.match(await row.textContent(), /未匹配/);
  await row.locator('select').selectOption({ label: '柳州市科学技术协会' });
  await Promise.all([page.waitForURL(/\/plans\/\d+/), page.locator('button:has-text("确认导入")').first().click()]);
  planPath = new URL(page.url()).pathname;
  assert.match(await page.textContent('.flash'), /已导入为草稿/);
  const rows = (await tableRows(page)).join('\n');
  for (const t of tasks) assert.ok(rows.includes(t), `the table shows ${t}`);
  assert.match(rows, /柳州市科学技术协会/);
  assert.deepEqual(page.problems, []);
});

test('filtering the table by one unit keeps only its tasks, under their headings', async () => {
  assert.ok(planPath, 'the import test ran first');
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(planPath);
  await page.selectOption('#f-unit', { label: '柳州市财政局' });
  await Promise.all([page.waitForURL(/unit=\d+/), page.click('form.filters button:has-text("筛选")')]);
  const rows = (await tableRows(page)).join('\n');
  for (const t of ['一、', '科普阵地建设', '建设社区科普e站', '推动科技馆免费开放']) assert.ok(rows.includes(t), `filtered table keeps ${t}:\n${rows}`);
  for (const t of ['开展流动科技馆巡展', '开展农民科技培训', '重点人群科学素质提升']) assert.ok(!rows.includes(t), `filtered table drops ${t}`);
  assert.equal(await page.locator('#f-unit option:checked').textContent(), '柳州市财政局', 'the filter keeps its value');
  assert.deepEqual(page.problems, []);
});

test('the filtered table exports to Excel that opens back', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(planPath);
  await page.selectOption('#f-unit', { label: '柳州市财政局' });
  await Promise.all([page.waitForURL(/unit=\d+/), page.click('form.filters button:has-text("筛选")')]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("导出Excel")')]);
  assert.match(download.suggestedFilename(), /重点任务分解表\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(await download.path());
  const cells = [];
  wb.worksheets[0].eachRow((r) => r.eachCell((c) => cells.push(String(c.value))));
  const all = cells.join('|');
  for (const t of ['建设社区科普e站', '推动科技馆免费开放', '柳州市财政局']) assert.ok(all.includes(t), `the workbook holds ${t}`);
  assert.ok(!all.includes('开展农民科技培训'), 'the workbook holds only what the filter shows');
  assert.deepEqual(page.problems, []);
});

test('published, the task handed down is assigned by a county office and seen assigned by the city', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(planPath);
  await Promise.all([page.waitForURL(/flash=published/), page.click('button:has-text("发布")')]);
  assert.match(await page.textContent('.flash'), /已发布/);

  const county = await newPage(browser, server.url);
  await login(county, 'county');
  const pending = async () => Number(((await county.textContent('main')).match(/上级下达的 (\d+) 项任务尚未分配/) || [0, 0])[1]);
  const before = await pending();
  assert.ok(before >= 1, 'the work bench counts the task handed down');
  await county.click('a:has-text("分配下达任务")');
  const section = county.locator('section.inbound', { hasText: '建设社区科普e站' });
  assert.match(await section.textContent(), /待分配/);
  await section.locator('fieldset', { hasText: '牵头单位' }).locator('label', { hasText: '柳江区教育局' }).locator('input').check();
  await section.locator('fieldset', { hasText: '责任单位' }).locator('label', { hasText: '柳江区科学技术协会' }).locator('input').check();
  await Promise.all([county.waitForURL(/flash=assigned/), section.locator('button:has-text("分配")').click()]);
  assert.match(await county.locator('section.inbound', { hasText: '建设社区科普e站' }).textContent(), /已分配[\s\S]*牵头：柳江区教育局/);
  await county.goto('/');
  assert.equal(await pending(), before - 1, 'the work bench counts one task fewer');
  assert.deepEqual(county.problems, []);

  await page.goto(planPath);
  const row = (await tableRows(page)).find((r) => r.includes('建设社区科普e站'));
  assert.match(row, /柳江区全民科学素质工作领导小组：\s*已分配\s*柳江区教育局牵头/);
  assert.match(row, /已接收/, 'the other counties have not assigned it yet');
  assert.deepEqual(page.problems, []);
});

test('the table prints on A4 landscape without navigation or buttons', async () => {
  const page = await newPage(browser, server.url);
  await login(page, 'office');
  await page.goto(planPath);
  assert.ok(await page.locator('button[data-print]').isVisible(), 'a print button is offered');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.mainnav').isVisible(), false, 'navigation is hidden in print');
  assert.equal(await page.locator('button[data-print]').isVisible(), false, 'buttons are hidden in print');
  assert.equal(await page.locator('form.filters').isVisible(), false, 'the filter is hidden in print');
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: false });
  const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/g)];
  assert.ok(boxes.length > 0, 'the PDF has pages');
  for (const [, w, h] of boxes) assert.ok(Number(w) > Number(h), `page ${w}×${h} is landscape`);
  assert.ok(Math.abs(Number(boxes[0][1]) - 842) < 2, 'the page is A4 wide (842 pt)');

  // Another page keeps the portrait default.
  await page.goto('/org');
  const roster = await page.pdf({ preferCSSPageSize: true });
  const [, w, h] = roster.toString('latin1').match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
  assert.ok(Number(w) < Number(h), `other pages print portrait (${w}×${h})`);
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(page.problems, []);
});

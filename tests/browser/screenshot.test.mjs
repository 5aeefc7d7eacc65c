/*
 * screenshot.test.mjs — the panel with a realistic pool: writes panel.png
 * (1280×800) into the build dir, or over tests/browser/panel.png (the one
 * README.md shows) with UPDATE_SCREENSHOT=1, then checks
 * the page at phone width (390 px: nothing overflows sideways, nodes become
 * cards, the key dialog fits) and in dark mode.
 */
import path from 'node:path';
import {
	TOP, assert, assertEq, assertNoProblems, launchBrowser, nodeId, run, sleep,
	startServer, waitUntil,
} from './lib.mjs';

const gcc = (v) => ({ name: 'gcc', version: v, target: 'x86_64-linux-gnu' });
const clang = { name: 'clang', version: '14.0.6', target: 'x86_64-pc-linux-gnu' };
const arm = { name: 'arm-none-eabi-gcc', version: '12.2.1', target: 'arm-none-eabi' };

/* Machines of the team; `leaves` ones stop checking in and go offline. */
const FIRMWARE = [
	{ hostname: 'volta', owner: 'mark', addr: '10.0.0.7', port: 3632, cores: 16, nice: 10, load: [2.41, 1.95, 1.20], compilers: [gcc('12.2.0'), arm] },
	{ hostname: 'curie', owner: 'anna', addr: '10.0.0.9', port: 3700, cores: 8, nice: 10, load: [0.52, 0.40, 0.31], compilers: [gcc('12.2.0'), clang] },
	{ hostname: 'hopper', owner: 'li', addr: '10.0.0.12', port: 3632, cores: 12, nice: 5, load: [5.02, 4.80, 3.90], compilers: [gcc('12.2.0')] },
	{ hostname: 'lovelace-laptop', owner: 'sam', addr: '10.0.0.31', port: 3632, cores: 4, nice: 15, load: [0.10, 0.22, 0.18], compilers: [gcc('12.2.0')], leaves: true },
];
const WEBSITE = [
	{ hostname: 'build-01', owner: 'ci', addr: '10.0.1.2', port: 3632, cores: 32, nice: 0, load: [7.5, 6.9, 6.1], compilers: [gcc('12.2.0'), clang] },
];

async function checkin(srv, project, key, m) {
	const body = {
		project, node: m.id, hostname: m.hostname, owner: m.owner, cores: m.cores, nice: m.nice,
		port: m.port, load: m.load, version: '1.0.0', addr: m.addr, compilers: m.compilers,
	};
	const r = await srv.api('POST', '/api/v1/checkin', body, key);
	assertEq(r.status, 200, `check-in of ${m.hostname} (${r.text})`);
}

run('screenshot', async (ctx) => {
	const srv = await startServer({ heartbeat: 1, ttl: 3 });
	ctx.logs.push(srv.log);
	const keys = {};
	for (const name of ['firmware', 'website']) {
		const r = await srv.api('POST', '/api/v1/projects', { name }, srv.token);
		assertEq(r.status, 201, `create ${name}`);
		keys[name] = r.json.key;
		/* the machines advertise their addresses from loopback */
		assertEq((await srv.api('PATCH', `/api/v1/projects/${name}`, { advertise: true }, srv.token)).status, 200,
		    `allow advertised addresses in ${name}`);
	}
	const pool = [...FIRMWARE.map((m) => ({ ...m, project: 'firmware' })),
	    ...WEBSITE.map((m) => ({ ...m, project: 'website' }))];
	for (const m of pool)
		m.id = nodeId();

	/* The pool grows one machine at a time, so the chart has steps. */
	let live = [];
	let keepAlive = true;
	const beat = (async () => {
		while (keepAlive) {
			for (const m of live)
				await checkin(srv, m.project, keys[m.project], m);
			await sleep(700);
		}
	})();
	for (const m of pool) {
		live.push(m);
		await checkin(srv, m.project, keys[m.project], m);
		await sleep(1200);
	}
	live = live.filter((m) => !m.leaves);

	const { context, page, problems } = await launchBrowser({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
	ctx.page = page;
	/* a keyed project's nodes are read with its key or the admin token */
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=firmware');
	await page.waitForSelector('#node-rows tr.node');
	await waitUntil(async () => (await page.$$('#node-rows tr.node.offline')).length === 1,
	    'the machine that left to show offline', 15000);
	assertEq((await page.$$('#node-rows tr.node')).length, FIRMWARE.length, 'every firmware machine has a row');
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-threads')) === '36',
	    'the chart to show the 36 online threads', 10000);
	await page.waitForTimeout(4000);	/* so the chart shows the step down */

	/* Pointing at the chart's right end reads out the pool size there. */
	const box = await page.locator('#chart').boundingBox();
	await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
	await page.waitForSelector('.chart-hover[visibility="visible"]', { state: 'attached', timeout: 5000 });
	const readout = await page.textContent('.chart-hover-text');
	assert(/^\d\d:\d\d(:\d\d)?  36 threads$/.test(readout), `the chart's readout (got "${readout}")`);
	await page.mouse.move(0, 0);
	const shot = process.env.UPDATE_SCREENSHOT === '1'
		? path.join(TOP, 'tests/browser/panel.png')
		: path.join(process.env.DYNDISTCC_BUILD || path.join(TOP, 'build'), 'panel.png');
	await page.screenshot({ path: shot });
	console.log(`# wrote ${shot}`);

	/* Phone width: no sideways scrolling, nodes as cards. */
	await page.setViewportSize({ width: 390, height: 844 });
	await page.waitForTimeout(300);
	const phone = await page.evaluate(() => ({
		doc: document.documentElement.scrollWidth,
		body: document.body.scrollWidth,
		thead: getComputedStyle(document.querySelector('#nodes thead')).display,
		row: document.querySelector('#node-rows tr.node').getBoundingClientRect().width,
		chart: document.querySelector('#chart').getBoundingClientRect().right,
	}));
	assert(phone.doc <= 390 && phone.body <= 390, `nothing overflows at 390 px (document ${phone.doc}, body ${phone.body})`);
	assertEq(phone.thead, 'none', 'at phone width the table header is hidden (rows are cards)');
	assert(phone.row <= 390 && phone.chart <= 390, `node cards and chart fit (${phone.row}, ${phone.chart})`);
	await page.screenshot({ path: path.join(srv.dir, 'phone.png'), fullPage: true });

	/* Updates keep the reader's place: scroll down, let the page poll twice. */
	await page.evaluate(() => window.scrollTo(0, 1200));
	const y = await page.evaluate(() => window.scrollY);
	assert(y > 1000, `the phone page scrolls (scrollY ${y})`);
	for (let i = 0; i < 2; i++)
		await page.waitForResponse((r) => r.url().includes('/api/v1/nodes?project=firmware'), { timeout: 10000 });
	await page.waitForTimeout(200);
	assertEq(await page.evaluate(() => window.scrollY), y, 'the scroll position survived two updates');

	/* The key dialog at phone width, through the real create flow. */
	await page.evaluate((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.fill('#create-name', 'phone-made');
	await page.click('#create-submit');
	await page.waitForSelector('#key-dialog[open]', { timeout: 5000 });
	const dlg = await page.evaluate(() => {
		const r = document.querySelector('#key-dialog').getBoundingClientRect();
		return { left: r.left, right: r.right, doc: document.documentElement.scrollWidth };
	});
	assert(dlg.left >= 0 && dlg.right <= 390 && dlg.doc <= 390, `the key dialog fits the phone (${JSON.stringify(dlg)})`);
	await page.click('#key-done');

	/* Dark mode follows the system. */
	await page.setViewportSize({ width: 1280, height: 800 });
	const bg = async () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	const light = await bg();
	await page.emulateMedia({ colorScheme: 'dark' });
	const dark = await bg();
	const lum = (c) => c.match(/\d+/g).slice(0, 3).reduce((a, b) => a + Number(b), 0);
	assert(lum(light) > 600 && lum(dark) < 150, `light/dark backgrounds (${light} / ${dark})`);
	await page.screenshot({ path: path.join(srv.dir, 'dark.png') });

	keepAlive = false;
	await beat;
	await assertNoProblems(page, problems);
	await context.close();
});

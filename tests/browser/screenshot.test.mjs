/*
 * screenshot.test.mjs — the panel with a realistic 1.1 pool (a build
 * running, a compiler mismatch, an unhealthy node, a laptop behind NAT that
 * went offline): writes panel.png
 * (1280 wide, the whole page) into the build dir, or over tests/browser/panel.png (the one
 * README.md shows) with UPDATE_SCREENSHOT=1, then checks
 * the page at phone width (390 px: nothing overflows sideways, nodes become
 * cards, the key dialog fits) and in dark mode.
 */
import path from 'node:path';
import {
	TOP, assert, assertEq, assertNoProblems, launchBrowser, nodeId, run, settled, sleep,
	startServer, waitUntil,
} from './lib.mjs';

/* Fingerprints: one per compiler build. */
const FP = {
	gcc12: '3f1c9a0e5b7d42c8a16e0f9b2d4c7a51', gcc13: '9e2b4d6f8a1c3e5b7d9f0a2c4e6b8d01',
	clang: '5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b', arm: 'c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4',
};
const gcc = (v) => ({ name: 'gcc', version: v, target: 'x86_64-linux-gnu', fp: v === '12.2.0' ? FP.gcc12 : FP.gcc13 });
const clang = { name: 'clang', version: '14.0.6', target: 'x86_64-pc-linux-gnu', fp: FP.clang };
const arm = { name: 'arm-none-eabi-gcc', version: '12.2.1', target: 'arm-none-eabi', fp: FP.arm };

/*
 * Machines of the team, each checking in from its own loopback address;
 * `leaves` ones stop checking in and go offline; `sick` fails its
 * self-check; `builds` names who runs jobs on it later (address: jobs).
 */
const FIRMWARE = [
	{ hostname: 'volta', owner: 'mark', from: '127.0.0.7', port: 3632, cores: 16, slots: 12, load: [2.41, 1.95, 1.20], compilers: [gcc('12.2.0'), arm], served: 1834 },
	{ hostname: 'curie', owner: 'anna', from: '127.0.0.9', port: 3700, cores: 8, slots: 8, load: [0.52, 0.40, 0.31], compilers: [gcc('12.2.0'), clang], served: 977 },
	{ hostname: 'hopper', owner: 'li', from: '127.0.0.12', port: 3632, cores: 12, slots: 10, load: [5.02, 4.80, 3.90], compilers: [gcc('13.1.0')], served: 12 },
	{ hostname: 'babbage', owner: 'tom', from: '127.0.0.14', port: 3632, cores: 8, slots: 8, load: [0.10, 0.08, 0.05], compilers: [gcc('12.2.0')], served: 310, sick: 'canary compile of gcc failed: exit 1' },
	{ hostname: 'lovelace-laptop', owner: 'sam', from: '127.0.0.31', addr: '203.0.113.10', port: 3632, cores: 4, slots: 2, load: [0.10, 0.22, 0.18], compilers: [gcc('12.2.0')], served: 57, leaves: true },
];
const WEBSITE = [
	{ hostname: 'build-01', owner: 'ci', from: '127.0.1.2', port: 3632, cores: 32, slots: 32, load: [7.5, 6.9, 6.1], compilers: [gcc('12.2.0'), clang], served: 40210 },
];
/* Jobs each node runs once the build starts, by sender: anna (curie) builds on volta, mark (volta) on curie. */
const JOBS = { volta: { '127.0.0.9': 7 }, curie: { '127.0.0.7': 4 } };

async function checkin(srv, project, key, m) {
	const senders = Object.entries((m.busy && JOBS[m.hostname]) || {}).map(([addr, running]) => ({ addr, running }));
	const running = senders.reduce((t, x) => t + x.running, 0);
	const body = {
		project, node: m.id, hostname: m.hostname, owner: m.owner, cores: m.cores, slots: m.slots,
		sched: 'idle', nice: 10, port: m.port, load: m.load, version: '1.1.0', compilers: m.compilers,
		admission: 'live', health: m.sick ? { ok: false, reason: m.sick } : { ok: true },
		jobs: { running, served: m.served, senders },
	};
	if (m.addr)
		body.addr = m.addr;
	const r = await srv.checkin(key, body, m.from);
	assertEq(r.status, 200, `check-in of ${m.hostname} (${r.text})`);
}

run('screenshot', async (ctx) => {
	/* ttl 8: the loop below keeps the machines online even on a loaded machine. */
	const srv = await startServer({ heartbeat: 1, ttl: 8 });
	ctx.logs.push(srv.log);
	const keys = {};
	for (const name of ['firmware', 'website']) {
		keys[name] = await srv.createProject(name);
	}
	/* The laptop at home is behind NAT: it advertises its router's address. */
	const nat = await srv.api('PATCH', '/api/v1/projects/firmware', { advertise: true }, srv.token);
	assertEq(nat.status, 200, `allow advertised addresses in firmware (${nat.text})`);
	const pool = [...FIRMWARE.map((m) => ({ ...m, project: 'firmware' })),
	    ...WEBSITE.map((m) => ({ ...m, project: 'website' }))];
	for (const m of pool)
		m.id = nodeId();

	/* The pool grows one machine at a time, then a build starts, so the chart has steps. */
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
	for (const m of live) {
		m.busy = true;
		await checkin(srv, m.project, keys[m.project], m);
		await sleep(600);
	}

	const { context, page, problems } = await launchBrowser({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
	ctx.page = page;
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=firmware');
	await page.waitForSelector('#node-rows tr.node');
	await waitUntil(async () => (await page.$$('#node-rows tr.node.offline')).length === 1,
	    'the machine that left to show offline', 30000);
	assertEq((await page.$$('#node-rows tr.node')).length, FIRMWARE.length, 'every firmware machine has a row');
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-busy')) === '11',
	    'the chart to show the 11 busy slots', 30000);
	const threads = String(FIRMWARE.filter((m) => !m.leaves).reduce((t, m) => t + m.cores, 0));
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-threads')) === threads,
	    `the chart to show the ${threads} online threads`, 30000);
	await page.waitForSelector('#cc-warnings .cc-warning');
	await page.waitForSelector('#building li.builder');
	await page.waitForTimeout(4000);	/* so the chart shows the step down */

	/* Pointing at the chart's right end reads out the pool size there. */
	const box = await page.locator('#chart').boundingBox();
	await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
	await page.waitForSelector('.chart-hover[visibility="visible"]', { state: 'attached', timeout: 30000 });
	const readout = await page.textContent('.chart-hover-text');
	assertEq(readout.replace(/^\d\d:\d\d(:\d\d)?  /, ''), `${threads} threads, 11 busy`, `the chart's readout (got "${readout}")`);
	await page.mouse.move(0, 0);
	const shot = process.env.UPDATE_SCREENSHOT === '1'
		? path.join(TOP, 'tests/browser/panel.png')
		: path.join(process.env.DYNDISTCC_BUILD || path.join(TOP, 'build'), 'panel.png');
	await page.screenshot({ path: shot, fullPage: true });
	console.log(`# wrote ${shot}`);

	/* Phone width: no sideways scrolling, nodes as cards. */
	await page.setViewportSize({ width: 390, height: 844 });
	await settled(page);
	const phone = await page.evaluate(() => ({
		doc: document.documentElement.scrollWidth,
		body: document.body.scrollWidth,
		thead: getComputedStyle(document.querySelector('#nodes thead')).display,
		row: document.querySelector('#node-rows tr.node').getBoundingClientRect().width,
		chart: document.querySelector('#chart').getBoundingClientRect().right,
		right: Math.max(...[...document.querySelectorAll('#cc-rows tr, #building li, #cc-warnings p, #settings')]
		    .map((e) => e.getBoundingClientRect().right)),
	}));
	assert(phone.doc <= 390 && phone.body <= 390, `nothing overflows at 390 px (document ${phone.doc}, body ${phone.body})`);
	assertEq(phone.thead, 'none', 'at phone width the table header is hidden (rows are cards)');
	assert(phone.row <= 390 && phone.chart <= 390, `node cards and chart fit (${phone.row}, ${phone.chart})`);
	assert(phone.right <= 390, `compiler table, builders and settings fit (${phone.right})`);
	await page.screenshot({ path: path.join(srv.dir, 'phone.png'), fullPage: true });

	/* Updates keep the reader's place: scroll down, let the page poll twice. */
	await page.evaluate(() => window.scrollTo(0, 1200));
	const y = await page.evaluate(() => window.scrollY);
	assert(y > 1000, `the phone page scrolls (scrollY ${y})`);
	for (let i = 0; i < 2; i++)
		await page.waitForResponse((r) => r.url().includes('/api/v1/nodes?project=firmware'), { timeout: 30000 });
	await settled(page);
	assertEq(await page.evaluate(() => window.scrollY), y, 'the scroll position survived two updates');

	/* The key dialog at phone width, through the real create flow. */
	await page.evaluate((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.fill('#create-name', 'phone-made');
	await page.click('#create-submit');
	await page.waitForSelector('#key-dialog[open]', { timeout: 30000 });
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

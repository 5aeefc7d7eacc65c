/*
 * panel.test.mjs — a team lead's whole session on the control panel, in a
 * real chromium against the real server and a real dcc-heartbeat:
 * create a project (admin token asked once, asked again after a wrong one),
 * read the join key off the page, start a heartbeat with it, watch the node
 * row and the pool chart appear and change without a reload, see the node go
 * offline, expunge it, delete the project. The page runs under the server's
 * Content-Security-Policy and must not trip it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	BUILD, assert, assertEq, assertNoProblems, freePort, launchBrowser, run,
	spawnLogged, startServer, stop, tempDir, waitUntil,
} from './lib.mjs';

const CORES = 3;

run('panel', async (ctx) => {
	const srv = await startServer({ heartbeat: 1, ttl: 3 });
	ctx.logs.push(srv.log);
	const { context, page, problems } = await launchBrowser();
	ctx.page = page;
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });

	/* Every request the page makes, to check that polling only reads. */
	const requests = [];
	page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), at: Date.now() }));

	const resp = await page.goto(srv.url + '/');
	assertEq(resp.status(), 200, 'GET / status');
	const csp = resp.headers()['content-security-policy'] || '';
	assert(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp),
	    `the page is served with a strict CSP (got "${csp}")`);
	await page.waitForSelector('#conn.conn-live', { timeout: 10000 });
	assert(await page.isVisible('#projects-empty'), 'an empty server says there are no projects');
	await page.evaluate(() => { window.__loaded = 'first'; });

	/* Create a project; the server wants the admin token. A wrong one is refused and asked again. */
	await page.fill('#create-name', 'firmware');
	await page.click('#create-submit');
	await page.waitForSelector('#token-dialog[open]', { timeout: 5000 });
	assert(await page.isHidden('#token-error'), 'the first token prompt shows no error');
	assert((await page.textContent('#token-reason')).includes('admin'), 'the prompt gives the server\'s reason');
	await page.fill('#token-input', 'not-the-token');
	await page.click('#token-ok');
	await waitUntil(() => page.isVisible('#token-error'), 'the token prompt to come back with an error', 5000);
	const tokenErr = await page.textContent('#token-error');
	assert(/refused/.test(tokenErr), `the prompt says the token was refused (got "${tokenErr}")`);
	await page.fill('#token-input', srv.token);
	await page.click('#token-ok');

	/* The key is shown once, with the exact command to paste. */
	await page.waitForSelector('#key-dialog[open]', { timeout: 5000 });
	const key = (await page.textContent('#key-value')).trim();
	assert(/^[0-9a-f]{32}$/.test(key), `the page shows a 32-hex join key (got "${key}")`);
	assertEq(await page.textContent('#key-command'),
	    `sudo scripts/install-client.sh --server ${srv.url} --project firmware --key ${key} --yes`,
	    'the install command');
	assertEq(await page.textContent('#key-conf'),
	    `server ${srv.url}\nproject firmware\nkey ${key}\n`, 'the client.conf lines');
	assert(await page.isVisible('#key-loopback'), 'opened on 127.0.0.1, the dialog says to use the real address');
	await page.click('#key-dialog button[data-copy="key-value"]');
	await waitUntil(() => page.evaluate(() => navigator.clipboard.readText()).then((t) => t === key),
	    'the copy button to put the key on the clipboard', 5000);
	await page.click('#key-done');
	await page.waitForSelector('#key-dialog', { state: 'hidden' });
	await waitUntil(async () => (await page.textContent('#key-value')) === '',
	    'the key to be gone from the page once the dialog closes', 2000);
	assertEq(await page.evaluate(() => sessionStorage.getItem('dyndistcc.adminToken')), srv.token,
	    'the accepted token is kept for this tab');

	const list = await srv.api('GET', '/api/v1/projects');
	assertEq(JSON.stringify(list.json.projects.map((p) => [p.name, p.keyed])), '[["firmware",true]]',
	    'the server has exactly the project made on the page');
	await page.waitForSelector('.project.selected button[data-project="firmware"]');
	assertEq(await page.textContent('#detail-name'), 'firmware', 'the new project is selected');
	assert(await page.isVisible('#nodes-empty'), 'the new project has no nodes yet');
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-threads')) === '0',
	    'the chart to start at 0 threads', 10000);
	const pathEmpty = await page.getAttribute('#chart-line', 'd');

	/* A real heartbeat joins with the key from the page. */
	const hbDir = tempDir('dyndistcc-hb-');
	const distccPort = await freePort('127.0.0.2');
	const conf = path.join(hbDir, 'client.conf');
	fs.writeFileSync(conf, [
		`server ${srv.url}`, 'project firmware', `key ${key}`, `state_dir ${hbDir}`,
		'source 127.0.0.2', 'distccd_listen 127.0.0.2', `distccd_port ${distccPort}`,
		`cores ${CORES}`, 'nice 7', '',
	].join('\n'));
	const hb = spawnLogged(hbDir, 'heartbeat', path.join(BUILD, 'dcc-heartbeat'), ['-d', '-f', conf]);
	ctx.logs.push(hb.log);
	const t0 = Date.now();
	const row = await waitUntil(() => page.$('#node-rows tr.node'), 'the node row to appear', 15000);
	const joinMs = Date.now() - t0;
	const nodeId = await row.getAttribute('data-id');
	assert(/^[0-9a-f]{32}$/.test(nodeId), `the row is keyed by the node id (got ${nodeId})`);
	assertEq(nodeId, fs.readFileSync(path.join(hbDir, 'node-id'), 'utf8').trim(), 'the row is the heartbeat\'s node');
	const cell = (label) => row.$eval(`td[data-label="${label}"]`, (td) => td.textContent);
	await waitUntil(async () => (await cell('State')) === 'online', 'the node to show online', 5000);
	assert((await cell('Host')).startsWith(os.hostname()), 'the row shows the hostname');
	assertEq(await cell('Address'), `127.0.0.2:${distccPort}`, 'the row shows address:port');
	assertEq(await cell('Cores'), String(CORES), 'the row shows the cores');
	assertEq(await cell('Nice'), '7', 'the row shows the nice value');
	assert(/^\d+ s ago$/.test(await cell('Last seen')), 'the row shows when it was last seen');
	assert((await cell('Version')).length > 0 && (await cell('Version')) !== '—', 'the row shows the version');
	assert(/^\d+\.\d\d\s+\d+\.\d\d\s+\d+\.\d\d$/.test(await cell('Load')), 'the row shows three load averages');
	assertEq(await page.textContent('#stat-threads'), String(CORES), 'the project shows its online threads');
	console.log(`# node row appeared ${joinMs} ms after the heartbeat started`);

	/* The chart follows: the line moves up to the node's cores. */
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-threads')) === String(CORES),
	    `the chart's latest value to become ${CORES}`, 10000);
	const pathUp = await page.getAttribute('#chart-line', 'd');
	assert(pathUp !== pathEmpty, 'the chart line changed when the node joined');
	assert(/threads? on 1 node now/.test(await page.textContent('#chart-now')), 'the chart label counts the node');
	const lastY = (d) => Number(d.match(/V([\d.]+)H[\d.]+$/)?.[1] ?? d.match(/M[\d.]+ ([\d.]+)/)[1]);
	assert(lastY(pathUp) < lastY(pathEmpty), 'the line ends higher than it started');

	/* Live updates patch the DOM: same row element, text selection kept, no reload. */
	await page.evaluate((id) => {
		const tr = document.querySelector(`tr[data-id="${id}"]`);
		tr.__mark = 'same';
		const host = tr.querySelector('.host-name');
		const r = document.createRange();
		r.selectNodeContents(host);
		getSelection().removeAllRanges();
		getSelection().addRange(r);
	}, nodeId);
	const selected = await page.evaluate(() => getSelection().toString());
	assert(selected.length > 0, 'the hostname is selected');
	for (let i = 0; i < 3; i++)
		await page.waitForResponse((r) => r.url().includes('/api/v1/nodes?project=firmware'), { timeout: 10000 });
	const after = await page.evaluate((id) => ({
		same: document.querySelector(`tr[data-id="${id}"]`)?.__mark === 'same',
		sel: getSelection().toString(),
		loaded: window.__loaded,
	}), nodeId);
	assert(after.same, 'the node row was patched in place, not rebuilt');
	assertEq(after.sel, selected, 'the text selection survived three updates');
	assertEq(after.loaded, 'first', 'the page was not reloaded');

	/* The node stops checking in (SIGSTOP, no checkout): offline after the ttl, the pool shrinks. */
	hb.kill('SIGSTOP');
	await waitUntil(async () => (await cell('State')) === 'offline', 'the node to go offline', 15000);
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-threads')) === '0',
	    'the chart to drop to 0 threads', 10000);
	assertEq(await page.textContent('#stat-offline'), '1', 'the project counts one offline node');

	/* Expunge: cancel first, then confirm. The token is not asked again in this tab. */
	await row.$eval('button.expunge', (b) => b.click());
	await page.waitForSelector('#confirm-dialog[open]');
	assert((await page.textContent('#confirm-title')).includes(os.hostname()), 'the confirmation names the host');
	await page.click('#confirm-cancel');
	await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
	assertEq((await srv.api('GET', '/api/v1/nodes?project=firmware', undefined, srv.token)).json.nodes.length, 1, 'cancel keeps the node');
	await row.$eval('button.expunge', (b) => b.click());
	await page.waitForSelector('#confirm-dialog[open]');
	await page.click('#confirm-ok');
	await page.waitForSelector(`tr[data-id="${nodeId}"]`, { state: 'detached', timeout: 5000 });
	assert(await page.isHidden('#token-dialog'), 'the admin token was not asked again');
	assertEq((await srv.api('GET', '/api/v1/nodes?project=firmware', undefined, srv.token)).json.nodes.length, 0, 'the server forgot the node');
	await page.waitForResponse((r) => r.url().includes('/api/v1/nodes?project=firmware'));
	assert(await page.isVisible('#nodes-empty'), 'the project shows no nodes again');

	/* Let the heartbeat go (it checks out on SIGTERM), then delete the project: cancel, then confirm. */
	await stop(hb);
	await page.click('#delete-project');
	await page.waitForSelector('#confirm-dialog[open]');
	await page.click('#confirm-cancel');
	await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
	assertEq((await srv.api('GET', '/api/v1/projects')).json.projects.length, 1, 'cancel keeps the project');
	await page.click('#delete-project');
	await page.click('#confirm-ok');
	await page.waitForSelector('button[data-project="firmware"]', { state: 'detached', timeout: 5000 });
	assert(await page.isVisible('#detail-none'), 'no project is selected any more');
	assertEq((await srv.api('GET', '/api/v1/projects')).json.projects.length, 0, 'the server deleted the project');

	/* An open project (no key, for old clients): no key to show, a command without --key. */
	await page.fill('#create-name', 'old.clients_v0-6');
	await page.check('#create-open');
	await page.click('#create-submit');
	await page.waitForSelector('#key-dialog[open]', { timeout: 5000 });
	assert(await page.isHidden('#key-keyed') && await page.isVisible('#key-open'), 'the dialog says the project is open');
	assertEq(await page.textContent('#key-command'),
	    `sudo scripts/install-client.sh --server ${srv.url} --project old.clients_v0-6 --yes`, 'the open project\'s command');
	assertEq(await page.textContent('#key-conf'), `server ${srv.url}\nproject old.clients_v0-6\n`, 'its client.conf lines');
	await page.click('#key-done');
	const open = (await srv.api('GET', '/api/v1/projects')).json.projects;
	assertEq(JSON.stringify(open.map((p) => [p.name, p.keyed])), '[["old.clients_v0-6",false]]', 'the server made an open project');
	await page.waitForSelector('.project.selected button[data-project="old.clients_v0-6"] .badge-open', { state: 'visible' });
	assertEq(await page.textContent('#stat-keyed'), 'Open', 'the project says it is open');
	assert(await page.isHidden('#token-dialog'), 'the admin token was not asked again');

	/* The server goes away: the page says so and keeps what it showed; it comes back on its own. */
	await srv.stop();
	await page.waitForSelector('#conn.conn-down', { timeout: 10000 });
	assert(await page.isVisible('button[data-project="old.clients_v0-6"]'), 'the project list stays while the server is down');
	await srv.restart();
	await page.waitForSelector('#conn.conn-live', { timeout: 10000 });
	assertEq(await page.textContent('#detail-name'), 'old.clients_v0-6', 'the selection survived the outage');

	/* Polling only ever reads; the only writes are the ones the user asked for. */
	const writes = requests.filter((r) => r.method !== 'GET').map((r) => r.method + ' ' + new URL(r.url).pathname);
	assertEq(JSON.stringify(writes), JSON.stringify([
		'POST /api/v1/projects', 'POST /api/v1/projects', 'POST /api/v1/projects',
		`DELETE /api/v1/nodes/${nodeId}`, 'DELETE /api/v1/projects/firmware', 'POST /api/v1/projects',
	]), 'the page wrote only on user actions (create tried without, with a wrong, with the right token)');
	const polls = requests.filter((r) => r.url.includes('/api/v1/projects') && r.method === 'GET');
	assert(polls.length >= 5, `the page polled the projects (${polls.length} times)`);
	await assertNoProblems(page, problems);
});

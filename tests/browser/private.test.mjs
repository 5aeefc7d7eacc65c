/*
 * private.test.mjs — keyed projects are private, admin is by token only
 * (issue 15), in a tab that starts with no token and no key:
 * an open project is shown without ever asking for anything; a keyed one
 * shows a key form and makes no private request until a key is given; a
 * wrong key is refused and asked again, the right one is kept for the tab
 * (a reload keeps it), a key the server stops taking (401) is dropped and
 * asked again, "Forget keys" locks the project again. Then the admin
 * switches the NAT setting (the token is asked on the 403; cancelling puts
 * the switch back), a node's advertised address is marked, and the
 * project's offline nodes are removed at once.
 */
import {
	assert, assertEq, assertNoProblems, launchBrowser, nodeId, run, sleep, startServer, waitUntil,
} from './lib.mjs';

run('private', async (ctx) => {
	/* ttl 8: the loop below keeps its nodes online even on a loaded machine. */
	const srv = await startServer({ heartbeat: 1, ttl: 8 });
	ctx.logs.push(srv.log);
	const key = await srv.createProject('fw');
	await srv.createProject('old', { open: true });

	/* volta keeps checking in; gone1 and gone2 check in once and go offline after the ttl. */
	const node = (project, hostname, from, extra = {}) =>
		({ project, node: nodeId(), hostname, owner: 'mark', cores: 4, slots: 4, version: '1.1.0', ...extra, from });
	const volta = node('fw', 'volta', '127.0.0.31');
	const oldbox = node('old', 'oldbox', '127.0.0.32');
	const gone = [node('fw', 'gone1', '127.0.0.33'), node('fw', 'gone2', '127.0.0.34')];
	const natbox = node('fw', 'natbox', '127.0.0.35', { addr: '10.0.0.99' });
	const send = async (m) => {
		const { from, ...body } = m;
		return srv.checkin(m.project === 'fw' ? key : null, body, from);
	};
	for (const m of [volta, oldbox, ...gone])
		assertEq((await send(m)).status, 200, `check-in of ${m.hostname}`);
	const live = new Set([volta, oldbox]);
	let beating = true;
	const beat = (async () => {
		while (beating) {
			for (const m of live) {
				const r = await send(m);
				assert(r.status === 200, `check-in of ${m.hostname}: ${r.text}`);
			}
			await sleep(500);
		}
	})();

	const { page, problems } = await launchBrowser();
	ctx.page = page;
	const requests = [];
	page.on('request', (r) => requests.push({ url: r.url(), auth: r.headers()['authorization'] || null }));
	const privateReads = (p) => requests.filter((r) => r.url.includes(`/api/v1/nodes?project=${p}`) ||
	    new RegExp(`/api/v1/projects/${p}/(history|activity)`).test(r.url));
	const polls = (p, n) => (async () => {
		for (let i = 0; i < n; i++)
			await page.waitForResponse((r) => r.url().includes(`/api/v1/nodes?project=${p}`), { timeout: 30000 });
	})();

	/* The open project: its machines at once, no form, no credentials sent. */
	await page.goto(srv.url + '/#project=old');
	await page.waitForSelector(`#node-rows tr[data-id="${oldbox.node}"]`, { timeout: 30000 });
	assert(await page.isHidden('#lock'), 'an open project shows no key form');

	/* The keyed project: the form, the public numbers, and no private request without a key. */
	await page.click('button[data-project="fw"]');
	await page.waitForSelector('#lock', { state: 'visible', timeout: 30000 });
	assert(await page.isHidden('#private'), 'its nodes, chart and builds are not shown');
	assert(await page.isHidden('#lock-error'), 'the first ask shows no error');
	await waitUntil(async () => (await page.textContent('#stat-nodes')) ===
	    String((await srv.api('GET', '/api/v1/projects')).json.projects.find((p) => p.name === 'fw').nodes_online),
	    'the public node count to be shown', 30000);
	assertEq(await page.textContent('#stat-threads-label'), 'threads online', 'locked, the page counts online threads (public)');
	await page.waitForResponse((r) => r.url().endsWith('/api/v1/projects'));
	await page.waitForResponse((r) => r.url().endsWith('/api/v1/projects'));
	assertEq(privateReads('fw').length, 0, 'no private read is tried without a key');

	/* A wrong key: refused, not kept, asked again. */
	await page.fill('#lock-key', 'deadbeefdeadbeefdeadbeefdeadbeef');
	await page.click('#lock-submit');
	await page.waitForSelector('#lock-error:not([hidden])', { timeout: 30000 });
	assert(/^The server refused that key: /.test(await page.textContent('#lock-error')), 'the form says the key was refused');
	assert(await page.isVisible('#lock'), 'and asks again');
	assertEq(await page.evaluate(() => sessionStorage.getItem('dyndistcc.key.fw')), null, 'the wrong key is not kept');
	assertEq(await page.inputValue('#lock-key'), '', 'the field is cleared');

	/* The right key opens it and is kept for this tab, also across a reload. */
	const before = privateReads('fw').length;
	await page.fill('#lock-key', key);
	await page.click('#lock-submit');
	await page.waitForSelector(`#node-rows tr[data-id="${volta.node}"]`, { timeout: 30000 });
	assert(await page.isHidden('#lock') && await page.isVisible('#private'), 'the project opens');
	assertEq(await page.evaluate(() => sessionStorage.getItem('dyndistcc.key.fw')), key, 'the key is kept in the tab');
	const withKey = privateReads('fw').slice(before);
	assert(withKey.length >= 3 && withKey.every((r) => r.auth === 'Bearer ' + key),
	    `private reads carry the key (${withKey.length} reads)`);
	assertEq(privateReads('fw').slice(0, before).filter((r) => r.auth === null).length, 0,
	    'no private read went without a key');
	await page.reload();
	await page.waitForSelector(`#node-rows tr[data-id="${volta.node}"]`, { timeout: 30000 });
	assert(await page.isHidden('#lock'), 'after a reload the tab still has the key');

	/* A key the server stops taking (401): dropped, asked again with the server's words. */
	await page.evaluate(() => sessionStorage.setItem('dyndistcc.key.fw', 'ffffffffffffffffffffffffffffffff'));
	await page.waitForSelector('#lock', { state: 'visible', timeout: 30000 });
	assert(await page.isVisible('#lock-error'), 'the form says why it asks again');
	assertEq(await page.evaluate(() => sessionStorage.getItem('dyndistcc.key.fw')), null, 'the refused key is dropped');
	assertEq(await page.$$eval('#node-rows tr', (trs) => trs.length), 0, 'the members are no longer shown');
	await page.fill('#lock-key', key);
	await page.click('#lock-submit');
	await page.waitForSelector(`#node-rows tr[data-id="${volta.node}"]`, { timeout: 30000 });

	/* Forget keys: locked again. */
	await page.click('#admin-forget');
	await page.waitForSelector('#lock', { state: 'visible', timeout: 30000 });
	assert(await page.isHidden('#admin-forget'), 'nothing is left to forget');
	await page.fill('#lock-key', key);
	await page.click('#lock-submit');
	await page.waitForSelector(`#node-rows tr[data-id="${volta.node}"]`, { timeout: 30000 });

	/* NAT setting: a node may not advertise another address while it is off. */
	const { from: nf, ...natBody } = natbox;
	const refused = await srv.checkin(key, natBody, nf);
	assertEq(refused.status, 400, `an advertised address is refused while the project does not allow it (${refused.text})`);
	assert(await page.isVisible('#settings') && !(await page.isChecked('#advertise')), 'the switch shows it off');

	/* Switching needs the admin token: asked on the 403; cancelling puts the switch back. */
	await page.click('#advertise');
	await page.waitForSelector('#token-dialog[open]', { timeout: 30000 });
	await page.click('#token-cancel');
	await waitUntil(async () => !(await page.isChecked('#advertise')), 'the switch to go back off', 30000);
	assertEq((await srv.api('GET', '/api/v1/projects')).json.projects.find((p) => p.name === 'fw').advertise, false,
	    'cancelling changed nothing');
	await page.click('#advertise');
	await page.waitForSelector('#token-dialog[open]', { timeout: 30000 });
	await page.fill('#token-input', srv.token);
	await page.click('#token-ok');
	await waitUntil(async () => (await srv.api('GET', '/api/v1/projects')).json.projects.find((p) => p.name === 'fw').advertise === true,
	    'the server to allow advertised addresses', 30000);
	assert(await page.isChecked('#advertise'), 'the switch shows it on');

	/* natbox now joins at its advertised address; its row says so, volta's does not. */
	assertEq((await send(natbox)).status, 200, 'natbox may advertise 10.0.0.99 now');
	live.add(natbox);
	await page.waitForSelector(`#node-rows tr[data-id="${natbox.node}"] .tag-advertised`, { state: 'visible', timeout: 30000 });
	assertEq(await page.textContent(`#node-rows tr[data-id="${natbox.node}"] .addr`), '10.0.0.99:3632', 'listed at its advertised address');
	assert(await page.isHidden(`#node-rows tr[data-id="${volta.node}"] .tag-advertised`), 'volta is listed at its own connection address');

	/* Off again: the admin token is not asked twice. */
	live.delete(natbox);
	await page.click('#advertise');
	await waitUntil(async () => (await srv.api('GET', '/api/v1/projects')).json.projects.find((p) => p.name === 'fw').advertise === false,
	    'the server to refuse advertised addresses again', 30000);
	assert(await page.isHidden('#token-dialog'), 'the token was not asked again');

	/* Remove the offline nodes at once (natbox, gone1, gone2), cancel first. */
	await waitUntil(async () => (await page.textContent('#purge-offline')) === 'Remove 3 offline nodes…',
	    'the purge button to count 3 offline nodes', 30000);
	await page.click('#purge-offline');
	await page.waitForSelector('#confirm-dialog[open]');
	await page.click('#confirm-cancel');
	await page.waitForSelector('#confirm-dialog', { state: 'hidden' });
	assertEq((await srv.api('GET', '/api/v1/nodes?project=fw', undefined, key)).json.nodes.length, 4, 'cancel keeps them');
	await page.click('#purge-offline');
	await page.waitForSelector('#confirm-dialog[open]');
	await page.click('#confirm-ok');
	await page.waitForSelector('#toast:not([hidden])', { timeout: 30000 });
	assertEq(await page.textContent('#toast'), 'Removed 3 offline nodes from fw.', 'the page says what went');
	await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === 1, 'only volta to be left', 30000);
	assert(await page.isHidden('#purge-offline'), 'nothing offline is left to remove');
	const left = (await srv.api('GET', '/api/v1/nodes?project=fw', undefined, key)).json.nodes.map((n) => n.hostname);
	assertEq(JSON.stringify(left), '["volta"]', 'the server kept the online node only');

	/* The open project never got a credential, even with the admin token in the tab. */
	await page.click('button[data-project="old"]');
	await polls('old', 2);
	assert(await page.isHidden('#lock'), 'the open project still asks nothing');
	const sent = privateReads('old').filter((r) => r.auth !== null);
	assertEq(sent.length, 0, 'no read of the open project carried a key or token');

	beating = false;
	await beat;
	await assertNoProblems(page, problems);
});

/*
 * hostile.test.mjs — the panel cannot be poisoned (predecessor defect D10).
 * Every field a client can set (hostname, owner, version, compiler name,
 * version and target over API v1; username and swVersion over the legacy
 * API) is checked in with script payloads, and project names and the URL
 * fragment are tried too. No script may run (a page flag and a JS dialog
 * listener), and every value must show literally as text.
 *
 * The browser ignores the server's Content-Security-Policy here (bypassCSP),
 * so this proves the page's own escaping, not just the CSP's safety net.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
	TOP, assert, assertEq, assertNoProblems, launchBrowser, nodeId, run, startServer, waitUntil,
} from './lib.mjs';

/* Each sets window.__pwned (or opens an alert) if it ever runs; all ≤ 64 bytes. */
const PAYLOADS = [
	'<img src=x onerror="window.__pwned=1">',
	'"><svg onload=window.__pwned=2>',
	"');window.__pwned=3;//",
	'<script>window.__pwned=4</script>',
	'<img src=x onerror=alert(5)>',
	'<b>bold</b> &amp; &lt;i&gt; <u>x',
	'<iframe srcdoc="<script>parent.__pwned=7</script>">',
	'javascript:window.__pwned=8',
	'${window.__pwned=9}{{constructor.constructor("alert(9)")()}}',
	'\u202egnp.exe <a href=x onclick=alert(10)>\u00e9\u4e2d',
];

run('hostile', async (ctx) => {
	/* The page's sources never parse data as HTML or code. */
	const js = fs.readFileSync(path.join(TOP, 'server/www/app.js'), 'utf8');
	for (const api of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setTimeout(\'', 'srcdoc'])
		assert(!js.includes(api), `app.js does not use ${api}`);
	const html = fs.readFileSync(path.join(TOP, 'server/www/index.html'), 'utf8');
	assert(!/\s(on\w+|style)\s*=/i.test(html) && !/<script(?![^>]*\bsrc=)/i.test(html),
	    'index.html has no inline handlers, styles or scripts');

	const srv = await startServer({ heartbeat: 1, ttl: 120 });
	ctx.logs.push(srv.log);
	const created = await srv.api('POST', '/api/v1/projects', { name: 'pwn' }, srv.token);
	assertEq(created.status, 201, 'create project pwn');
	const key = created.json.key;
	/* the payload nodes advertise 10.9.9.x from loopback */
	assertEq((await srv.api('PATCH', '/api/v1/projects/pwn', { advertise: true }, srv.token)).status, 200,
	    'allow advertised addresses');

	/* One node per payload, with the payload in every free-text field. */
	const nodes = [];
	for (const p of PAYLOADS) {
		const n = {
			project: 'pwn', node: nodeId(), hostname: p, owner: p, version: p,
			cores: 2, nice: 10, port: 3632, load: [0.1, 0.2, 0.3], addr: '10.9.9.' + (nodes.length + 1),
			compilers: [{ name: 'gcc', version: p, target: p }],
		};
		const r = await srv.api('POST', '/api/v1/checkin', n, key);
		assertEq(r.status, 200, `check-in with ${JSON.stringify(p)} (${r.text})`);
		nodes.push(n);
	}

	/* The legacy API can set the owner and version of nodes in open projects. */
	assertEq((await srv.api('POST', '/api/v1/projects', { name: 'old', key: false }, srv.token)).status, 201, 'create open project');
	const legacy = [];
	for (const p of PAYLOADS.slice(0, 4)) {
		const q = new URLSearchParams({ hash: 'h' + legacy.length + 'abcdefgh', project: 'old', username: p, swVersion: p, threads: '4' });
		const r = await srv.api('GET', '/api/checkin?' + q);
		if (r.status === 200)
			legacy.push(p);
		else
			console.log(`# legacy check-in refused (${r.status} ${r.text.trim()}), skipped`);
	}

	const { page, problems } = await launchBrowser({ bypassCSP: true });
	ctx.page = page;
	/* a keyed project's nodes are read with its key or the admin token */
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=pwn');
	await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === PAYLOADS.length,
	    `all ${PAYLOADS.length} hostile rows to render`, 10000);
	/* Let a few polls patch the rows again. */
	for (let i = 0; i < 2; i++)
		await page.waitForResponse((r) => r.url().includes('/api/v1/nodes?project=pwn'), { timeout: 10000 });

	assertEq(await page.evaluate(() => window.__pwned), undefined, 'no payload ran');
	assertEq(problems.join('; '), '', 'no JS dialog opened and no page error');

	for (const n of nodes) {
		const got = await page.$eval(`tr[data-id="${n.node}"]`, (tr) => ({
			host: tr.querySelector('.host-name').textContent,
			owner: tr.querySelector('td[data-label="Owner"]').textContent,
			version: tr.querySelector('td[data-label="Version"]').textContent,
			ccName: tr.querySelector('.cc-name').textContent,
			ccVersion: tr.querySelector('.cc-version').textContent,
			ccTarget: tr.querySelector('.cc-target').textContent,
			all: tr.textContent,
		}));
		const p = n.hostname;
		for (const field of ['host', 'owner', 'version', 'ccVersion', 'ccTarget'])
			assertEq(got[field], p, `${field} shows the payload literally`);
		assertEq(got.ccName, 'gcc', 'the compiler name (names are [A-Za-z0-9._+-])');
		assert(got.all.includes(p), 'the row\'s text contains the payload');
	}
	const injected = await page.evaluate(() =>
	    document.querySelectorAll('#node-rows :is(img, svg, script, iframe, b, u, a, i)').length);
	assertEq(injected, 0, 'no element was made from a payload');

	/* The confirmation dialog shows a hostile hostname as text too; cancel it. */
	await page.click(`tr[data-id="${nodes[0].node}"] button.expunge`);
	await page.waitForSelector('#confirm-dialog[open]');
	assertEq(await page.textContent('#confirm-title'), `Expunge node ${PAYLOADS[0]}?`, 'the dialog title');
	await page.click('#confirm-cancel');

	/* Legacy nodes of the open project. */
	if (legacy.length) {
		await page.click('button[data-project="old"]');
		await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === legacy.length,
		    'the legacy rows to render', 10000);
		const owners = await page.$$eval('#node-rows td[data-label="Owner"]', (tds) => tds.map((td) => td.textContent));
		for (const p of legacy)
			assert(owners.includes(p), `legacy owner ${JSON.stringify(p)} shows literally`);
	}

	/* Hostile project names: the page shows the server's refusal and nothing is created. */
	await page.evaluate((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	/* Also what the predecessor's panel mangled in URLs (D13), and one too long. */
	for (const p of [...PAYLOADS.slice(0, 5), 'C++', 'a&b', 'a b', '%E0%A4%A', 'x'.repeat(65)]) {
		const direct = await srv.api('POST', '/api/v1/projects', { name: p }, srv.token);
		assertEq(direct.status, 400, `the server refuses the project name ${JSON.stringify(p)}`);
		await page.fill('#create-name', p);
		await page.click('#create-submit');
		await page.waitForSelector('#create-error:not([hidden])', { timeout: 5000 });
		assertEq(await page.textContent('#create-error'), 'Could not create the project: ' + direct.json.error,
		    'the page shows the server\'s error');
		assert(await page.isHidden('#key-dialog'), 'no key dialog for a refused name');
	}
	const names = (await srv.api('GET', '/api/v1/projects')).json.projects.map((p) => p.name).sort();
	assertEq(JSON.stringify(names), '["old","pwn"]', 'no project was created from a hostile name');

	assertEq(await page.evaluate(() => window.__pwned), undefined, 'no payload ran');

	/* A hostile project name in the URL fragment is only ever text. */
	await page.goto(srv.url + '/#project=' + encodeURIComponent(PAYLOADS[0]));
	await page.waitForSelector('#toast:not([hidden])', { timeout: 10000 });
	assertEq(await page.textContent('#toast'), `Project ${PAYLOADS[0]} no longer exists.`, 'the toast shows the name as text');

	await page.waitForTimeout(500);
	const pwned = await page.evaluate(() => window.__pwned);
	assertEq(pwned, undefined, 'no payload ran');
	await assertNoProblems(page, problems);
});

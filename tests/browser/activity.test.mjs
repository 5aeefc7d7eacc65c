/*
 * activity.test.mjs — what a 1.1 pool reports, as the panel shows it
 * (issues 12, 13, 14): members check in from their own loopback addresses
 * with fingerprinted compilers, slots, jobs and the senders of their
 * running jobs, and one fails its self-check. The page must show the
 * compiler table with the mismatch ("gcc: 12.2.0 on 3 nodes, 13.1.0 on
 * hopper"), the unhealthy node with its reason (and bring it back when it
 * heals), each node's busy/offered slots, the builder's name in "building
 * now", the busy slots in the chart, and /metrics must count the same jobs.
 */
import {
	assert, assertEq, assertNoProblems, launchBrowser, nodeId, run, startServer, waitUntil,
} from './lib.mjs';

const FP_GCC12 = '0123456789abcdef0123456789abcdef';
const FP_GCC13 = 'fedcba9876543210fedcba9876543210';
const FP_CLANG = '00112233445566778899aabbccddeeff';
const gcc12 = { name: 'gcc', version: '12.2.0', target: 'x86_64-linux-gnu', fp: FP_GCC12 };
const gcc13 = { name: 'gcc', version: '13.1.0', target: 'x86_64-linux-gnu', fp: FP_GCC13 };
const clang = { name: 'clang', version: '14.0.6', target: 'x86_64-pc-linux-gnu', fp: FP_CLANG };
const SICK = 'canary compile of gcc failed: exit 1';

/* Each member checks in from its own address; ada is the developer who builds. */
const POOL = [
	{ hostname: 'volta', owner: 'mark', from: '127.0.0.11', cores: 8, slots: 6, compilers: [gcc12] },
	{ hostname: 'curie', owner: 'anna', from: '127.0.0.12', cores: 4, slots: 4, compilers: [gcc12, clang] },
	{ hostname: 'hopper', owner: 'li', from: '127.0.0.13', cores: 12, slots: 12, compilers: [gcc13] },
	{ hostname: 'ada', owner: 'sam', from: '127.0.0.14', cores: 4, slots: 2, compilers: [gcc12] },
];
const [volta, curie, hopper, ada] = POOL;

run('activity', async (ctx) => {
	const srv = await startServer({ heartbeat: 1, ttl: 60 });
	ctx.logs.push(srv.log);
	const key = await srv.createProject('fw');

	/* jobs: { node: running } the node runs for ada now; health: the hopper's self-check. */
	const checkin = async (m, { running = 0, healthy = true } = {}) => {
		const body = {
			project: 'fw', node: m.id, hostname: m.hostname, owner: m.owner, cores: m.cores,
			slots: m.slots, sched: 'idle', nice: 10, port: 3632, load: [0.5, 0.4, 0.3], version: '1.1.0',
			compilers: m.compilers, admission: 'live',
			health: healthy ? { ok: true } : { ok: false, reason: SICK },
			jobs: { running, served: 40 + running, senders: running ? [{ addr: ada.from, running }] : [] },
		};
		const r = await srv.checkin(key, body, m.from);
		assertEq(r.status, 200, `check-in of ${m.hostname} (${r.text})`);
	};
	for (const m of POOL)
		m.id = nodeId();
	await checkin(volta, { running: 3 });
	await checkin(curie, { running: 1 });
	await checkin(hopper, { healthy: false });
	await checkin(ada);

	const { page, problems } = await launchBrowser();
	ctx.page = page;
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=fw');
	await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === POOL.length, 'a row per member', 30000);
	const row = (m) => `#node-rows tr[data-id="${m.id}"]`;

	/* Issue 12: the compiler table, with gcc's two builds and where each is. */
	await page.waitForSelector('#cc-warnings .cc-warning[data-compiler="gcc"]', { timeout: 30000 });
	assertEq(await page.textContent('#cc-warnings .cc-warning[data-compiler="gcc"]'),
	    'gcc: 12.2.0 on 3 nodes, 13.1.0 on hopper', 'the mismatch is spelled out');
	assertEq((await page.$$('#cc-warnings .cc-warning')).length, 1, 'clang, on one build only, raises no warning');
	const ccRows = await page.$$eval('#cc-rows tr', (trs) => trs.map((tr) => ({
		name: tr.dataset.compiler, fp: tr.dataset.fp, odd: tr.classList.contains('cc-odd'),
		version: tr.children[1].textContent, nodes: tr.querySelector('.cc-nodes').textContent,
	})));
	assertEq(JSON.stringify(ccRows.map((r) => [r.name, r.fp, r.odd, r.version])), JSON.stringify([
		['clang', FP_CLANG, false, '14.0.6'], ['gcc', FP_GCC12, false, '12.2.0'], ['gcc', FP_GCC13, true, '13.1.0'],
	]), 'one row per compiler build, the minority flagged');
	assertEq(ccRows[1].nodes.split(', ').sort().join(' '), 'ada curie volta', 'who has gcc 12.2.0');
	assertEq(ccRows[2].nodes, 'hopper', 'who has gcc 13.1.0');
	assertEq(await page.textContent(`${row(hopper)} .compilers li.cc-odd .cc-version`), '13.1.0',
	    'hopper\'s own compiler list flags its gcc');
	assertEq((await page.$$('#node-rows .compilers li.cc-odd')).length, 1, 'only hopper\'s gcc differs');

	/* Issue 13: the unhealthy node shows its reason; it is left out of the host lists. */
	assertEq(await page.textContent(`${row(hopper)} .state`), 'unhealthy', 'hopper shows unhealthy');
	assertEq(await page.textContent(`${row(hopper)} .health-reason`), SICK, 'with the reason it reported');
	assert(await page.$eval(row(hopper), (tr) => tr.classList.contains('unhealthy')), 'its row is marked');
	assertEq(await page.textContent('#nodes-count'), '4 of 4 online, 1 unhealthy', 'the count says so');
	assertEq(await page.textContent(`${row(volta)} .state`), 'online', 'volta is healthy');
	assertEq(await page.textContent(`${row(volta)} .health-reason`), '', 'and shows no reason');
	const hosts = await srv.api('GET', `/api/v1/projects/fw/hosts?node=${ada.id}`, undefined, key, ada.from);
	assert(!hosts.json.distcc_hosts.includes(hopper.from), `the server leaves hopper out (${hosts.json.distcc_hosts})`);

	/* Issue 14: busy/offered slots per node, the builder in "building now", the project's busy total. */
	assertEq(await page.textContent(`${row(volta)} .jobs`), '3 / 6', 'volta: 3 busy of 6');
	assertEq(await page.textContent(`${row(volta)} .served`), '43 served', 'and how many it has done');
	assertEq(await page.textContent(`${row(curie)} .jobs`), '1 / 4', 'curie: 1 busy of 4');
	assertEq(await page.textContent(`${row(ada)} .jobs`), '0 / 2', 'ada runs none');
	assertEq(await page.$eval(`${row(volta)} meter`, (m) => [m.value, m.max].join('/')), '3/6', 'volta\'s meter');
	assertEq(await page.textContent(`${row(volta)} .priority`), 'idle', 'jobs run under SCHED_IDLE');
	await page.waitForSelector(`#building li.builder[data-node="${ada.id}"]`, { timeout: 30000 });
	assertEq((await page.$$('#building li.builder')).length, 1, 'one member is building');
	const builder = await page.$eval('#building li.builder', (li) => ({
		host: li.querySelector('.builder-host').textContent, owner: li.querySelector('.builder-owner').textContent,
		jobs: li.querySelector('.builder-jobs').textContent, addr: li.dataset.addr,
	}));
	assertEq(JSON.stringify(builder), JSON.stringify({ host: 'ada', owner: 'sam', jobs: '4 jobs', addr: ada.from }),
	    'building now names the builder, its owner and its 4 jobs');
	assert(await page.isVisible(`${row(ada)} .tag-building`), 'ada\'s row is tagged as building');
	assertEq(await page.$(`${row(volta)} .tag-building`), null, 'volta\'s is not');
	assertEq(await page.textContent('#stat-busy'), '4', 'the project has 4 busy slots');
	assertEq(await page.textContent('#stat-threads'), '12', 'of 12 offered (6 + 4 + 2: unhealthy hopper offers none)');
	await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-busy')) === '4',
	    'the chart to show the 4 busy slots', 30000);
	assertEq(await page.textContent('#chart-now'), '28 threads, 4 busy on 4 nodes now', 'the chart label (8 + 4 + 12 + 4 cores)');
	assert((await page.getAttribute('#chart-busy', 'd')).length > 0, 'the chart draws the busy line');
	assert(await page.isVisible('#chart-legend'), 'and says which line is which');

	/* /metrics counts the same jobs. */
	const metrics = (await srv.api('GET', '/metrics')).text;
	const metric = (re) => Number((metrics.match(re) || [])[1]);
	assertEq(metric(new RegExp(`^dyndistcc_node_jobs_running\\{project="fw",node="${volta.id}"\\} (\\d+)$`, 'm')), 3,
	    'metrics: volta runs 3 jobs');
	assertEq(metric(new RegExp(`^dyndistcc_node_jobs_running\\{project="fw",node="${curie.id}"\\} (\\d+)$`, 'm')), 1,
	    'metrics: curie runs 1 job');
	assertEq(metric(/^dyndistcc_project_jobs_running\{project="fw"\} (\d+)$/m), 4, 'metrics: the project runs 4 jobs');
	assertEq(metric(new RegExp(`^dyndistcc_node_healthy\\{project="fw",node="${hopper.id}"\\} (\\d+)$`, 'm')), 0,
	    'metrics: hopper is unhealthy');

	/* The rows were patched in place across these polls. */
	await page.$eval(row(hopper), (tr) => { tr.__mark = 'same'; });

	/* hopper heals and the build ends: the page follows without a reload. */
	await checkin(hopper);
	await checkin(volta);
	await checkin(curie);
	await waitUntil(async () => (await page.textContent(`${row(hopper)} .state`)) === 'online', 'hopper to be online again', 30000);
	assertEq(await page.textContent(`${row(hopper)} .health-reason`), '', 'its reason is gone');
	assertEq(await page.textContent('#nodes-count'), '4 of 4 online', 'nothing is unhealthy');
	await waitUntil(() => page.isVisible('#building-empty'), 'nobody to be building', 30000);
	assertEq((await page.$$('#building li')).length, 0, 'the builder left the list');
	assertEq(await page.textContent(`${row(volta)} .jobs`), '0 / 6', 'volta is idle');
	assertEq(await page.textContent('#stat-busy'), '0', 'no slot is busy');
	assertEq(await page.textContent('#stat-threads'), '24', 'healed hopper offers its 12 slots again');
	assert(await page.$eval(row(hopper), (tr) => tr.__mark === 'same'), 'hopper\'s row was patched, not rebuilt');
	const back = await srv.api('GET', `/api/v1/projects/fw/hosts?node=${ada.id}`, undefined, key, ada.from);
	assert(back.json.distcc_hosts.includes(hopper.from), `the server lists hopper again (${back.json.distcc_hosts})`);

	await assertNoProblems(page, problems);
});

/*
 * build.test.mjs — a running build as the panel shows it (issue 14), all
 * real: the server, two worker heartbeats with their job ports and distccd,
 * and a developer's machine whose heartbeat makes it a member and whose
 * `make -j$(dcc -j) CC=dcc` sends the jobs, each in a network namespace of
 * its own (on loopback every job would come from 127.0.0.1, which a job
 * port takes for the node's own canary). The workers' compile engines are
 * stopped (SIGSTOP) before the build, so its jobs stay running until the
 * test lets them go, whatever the machine's speed. The page, in chromium,
 * must show each worker's running jobs as its own job port holds them (ss),
 * the developer's host name and owner in "building now" with all of them,
 * the busy slots in the chart, and /metrics must count the same; once the
 * engines run again the build succeeds and the page shows nobody building.
 * Two more members come from real heartbeats too: w3, whose gcc is another
 * build (a wrapper first on its PATH, so another fingerprint), must show in
 * the compiler table as gcc's second build, and w4, whose temporary
 * directory cannot have the free space it asks for, must show as unhealthy
 * with its own reason; neither gets any of the build's jobs.
 * Needs root (ip netns); skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
	BUILD, TOP, assert, assertEq, assertNoProblems, launchBrowser, netns, run, spawnLogged, startServer,
	tempDir, waitUntil,
} from './lib.mjs';

const WORKERS = ['w1', 'w2'];
const SLOTS = 2;		/* each worker's cores, so its slots */
/* Members the build must not use: w3 has another build of gcc, w4 fails its self-check. */
const OTHERS = ['w3', 'w4'];

/* The pids of `pid` and of all its descendants, from /proc. */
function tree(pid) {
	const kids = new Map();
	for (const d of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(d))
			continue;
		try {
			const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
			const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			if (!kids.has(ppid))
				kids.set(ppid, []);
			kids.get(ppid).push(Number(d));
		} catch (e) {
			/* gone meanwhile */
		}
	}
	const out = [pid];
	for (let i = 0; i < out.length; i++)
		out.push(...(kids.get(out[i]) || []));
	return out;
}

run('build', async (ctx) => {
	const nets = netns(['srv', ...WORKERS, ...OTHERS, 'dev']);
	const srv = await startServer({ heartbeat: 1, ttl: 8, nets });
	ctx.logs.push(srv.log);
	const key = await srv.createProject('fw');

	/* A member: dcc-heartbeat with its own host name (a UTS namespace) and job port on 3632. */
	const nodes = {};
	const startNode = (name, hostname, owner, cores, extra = [], env = []) => {
		const dir = tempDir('dyndistcc-hb-');
		fs.chmodSync(dir, 0o711);
		for (const sub of ['masq', 'cache', 'distcc'])
			fs.mkdirSync(path.join(dir, sub));
		fs.symlinkSync(path.join(BUILD, 'dcc'), path.join(dir, 'masq', 'gcc'));
		const conf = path.join(dir, 'client.conf');
		fs.writeFileSync(conf, [
			`server ${srv.url}`, 'project fw', `key ${key}`, `cores ${cores}`, `owner ${owner}`,
			`state_dir ${dir}`, `masquerade_dir ${dir}/masq`, 'distccd_port 3632',
			'job_memory 0', 'jobs_memory_max none', 'canary_interval 86400', ...extra, '',
		].join('\n'));
		const hb = spawnLogged(dir, name, 'ip', nets.argv(name, 'env', [...env, 'unshare',
		    '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, path.join(BUILD, 'dcc-heartbeat'), '-d', '-v', '-f', conf]));
		ctx.logs.push(hb.log);
		nodes[name] = { dir, conf, hb, hostname, owner, addr: nets.addr[name] };
	};
	for (const w of WORKERS)
		startNode(w, `${w}-box`, 'ci', SLOTS);
	startNode('dev', 'ada-laptop', 'ada', 1);
	const other = tempDir('dyndistcc-gcc-');
	fs.writeFileSync(path.join(other, 'x86_64-linux-gnu-gcc'), '#!/bin/sh\n# another build of gcc\nexec /usr/bin/x86_64-linux-gnu-gcc "$@"\n',
	    { mode: 0o755 });
	fs.chmodSync(other, 0o755);
	startNode('w3', 'w3-box', 'li', SLOTS, [], [`PATH=${other}:${process.env.PATH}`]);
	/* One like /tmp: distccd, which drops to its own user, can work there;
	 * only the free space it asks for is wrong. */
	const tmp = tempDir('dyndistcc-tmp-');
	fs.chmodSync(tmp, 0o1777);
	const freeMiB = Math.floor(Number(fs.statfsSync(tmp).bavail) * fs.statfsSync(tmp).bsize / 1048576);
	assert(freeMiB + 1024 <= 1048576, `the test's temporary directory has less than 1 TiB free (${freeMiB} MiB)`);
	startNode('w4', 'w4-box', 'tom', SLOTS, [`jobs_tmpdir ${tmp}`, `jobs_tmp_min_free ${freeMiB + 1024}`]);
	const ids = () => Object.fromEntries(Object.entries(nodes).map(([n, m]) => {
		const f = path.join(m.dir, 'node-id');
		return [n, fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : null];
	}));

	/* Everyone online, healthy but w4, each with its fingerprint of gcc; each worker's engine known. */
	const all = Object.keys(nodes).length;
	let seen = null;
	await waitUntil(async () => {
		const r = await srv.api('GET', '/api/v1/nodes?project=fw', undefined, key);
		seen = r.json;
		const id = ids();
		return r.status === 200 && r.json.nodes.length === all && r.json.nodes.every((n) => n.state === 'online' &&
		    n.health && n.health.ok === (n.id !== id.w4) && (n.compilers || []).some((c) => c.name === 'gcc' && c.fp));
	}, `the ${all} members to be online, all but w4 healthy`, 60000);
	const id = ids();
	const fpOf = (n) => seen.nodes.find((x) => x.id === id[n]).compilers.find((c) => c.name === 'gcc').fp;
	for (const n of [...WORKERS, 'w4'])
		assertEq(fpOf(n), fpOf('dev'), `${n}'s gcc is the developer's build`);
	assert(fpOf('w3') !== fpOf('dev'), 'w3\'s gcc is another build');
	/* Its reason carries the free space of the moment. */
	const sick = new RegExp(`^temporary directory ${tmp} has \\d+ MiB free, less than ${freeMiB + 1024}$`);
	assert(sick.test(seen.nodes.find((x) => x.id === id.w4).health.reason), 'w4 says why it is unhealthy');
	const engine = (w) => Number((fs.readFileSync(nodes[w].hb.log, 'utf8').match(/distccd started: pid (\d+)/g) || [])
	    .pop()?.match(/\d+/)[0]);
	for (const w of WORKERS)
		assert(engine(w) > 0, `${w}'s heartbeat started its compile engine`);

	const { page, problems } = await launchBrowser({ nets });
	ctx.page = page;
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=fw');
	await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === all, 'a row per member', 30000);
	assert(await page.isVisible('#building-empty'), 'nobody is building yet');
	const row = (n) => `#node-rows tr[data-id="${id[n]}"]`;

	/* Issue 12: gcc's two builds, and where each is. */
	await page.waitForSelector('#cc-warnings .cc-warning[data-compiler="gcc"]', { timeout: 30000 });
	const label = (fp) => `12.2.0 (build ${fp.slice(0, 8)})`;
	assertEq(await page.textContent('#cc-warnings .cc-warning[data-compiler="gcc"]'),
	    `gcc: ${label(fpOf('dev'))} on 4 nodes, ${label(fpOf('w3'))} on w3-box`, 'the compiler table spells out the mismatch');
	assertEq(await page.textContent(`#cc-rows tr[data-fp="${fpOf('w3')}"] .cc-nodes`), 'w3-box', 'the other build is on w3');
	assert(await page.isVisible(`${row('w3')} .compilers li.cc-odd`), 'w3\'s own compiler list flags its gcc');

	/* Issue 13: w4 is unhealthy, with its own words. */
	assertEq(await page.textContent(`${row('w4')} .state`), 'unhealthy', 'w4 shows unhealthy');
	const reason = await page.textContent(`${row('w4')} .health-reason`);
	assert(sick.test(reason), `with the reason its heartbeat gave (${reason})`);

	/* The engines stop: jobs sent to the workers now run until they go on (also if the test fails). */
	const stopped = [];
	const resume = () => {
		for (const pid of stopped.splice(0)) {
			try {
				process.kill(pid, 'SIGCONT');
			} catch (e) {
				/* gone */
			}
		}
	};
	const total = SLOTS * WORKERS.length;
	const dev = nodes.dev;
	const src = tempDir('dyndistcc-src-');
	fs.cpSync(path.join(TOP, 'scripts/demo-src'), src, { recursive: true });
	fs.chmodSync(src, 0o755);
	let built = null;
	try {
		for (const w of WORKERS)
			for (const pid of tree(engine(w))) {
				process.kill(pid, 'SIGSTOP');
				stopped.push(pid);
			}

		/* The developer builds the demo program through dcc. */
		const build = spawnLogged(src, 'build', 'ip', nets.argv('dev', 'env', [
			`DCC_CONFIG=${dev.conf}`, `XDG_CACHE_HOME=${dev.dir}/cache`, `DISTCC_DIR=${dev.dir}/distcc`,
			`PATH=${BUILD}:${process.env.PATH}`, 'sh', '-c', 'make -j"$(dcc -j)" CC=dcc',
		]));
		ctx.logs.push(build.log);
		built = new Promise((r) => build.once('exit', (code) => r(code)));

		/* What each worker's job port holds from the developer, by the kernel's own count. */
		const held = (w) => execFileSync('ip', nets.argv(w, 'ss', ['-Htn', 'state', 'established', '( sport = :3632 )']),
		    { encoding: 'utf8' }).split('\n').filter((l) => new RegExp(`[\\s[:]${dev.addr.replace(/\./g, '\\.')}\\]?:\\d+\\s*$`).test(l)).length;
		await waitUntil(() => WORKERS.every((w) => held(w) === SLOTS), `both workers to hold ${SLOTS} of the build's jobs`, 60000);
		for (const n of OTHERS)
			assertEq(held(n), 0, `${n} gets none of the build's jobs`);

		/* The page: each worker runs its jobs, the developer runs none and is building them. */
		for (const w of WORKERS)
			await waitUntil(async () => (await page.textContent(`${row(w)} .jobs`)) === `${SLOTS} / ${SLOTS}`,
			    `${w}'s row to show ${SLOTS} of ${SLOTS} slots busy`, 30000);
		assertEq(await page.textContent(`${row('dev')} .jobs`), '0 / 1', 'the developer\'s machine runs none');
		await page.waitForSelector(`#building li.builder[data-node="${id.dev}"]`, { timeout: 30000 });
		await waitUntil(async () => (await page.textContent('#building .builder-jobs')) === `${total} jobs`,
		    `building now to count the ${total} jobs`, 30000);
		const who = await page.$$eval('#building li.builder', (lis) => lis.map((li) => [
			li.querySelector('.builder-host').textContent, li.querySelector('.builder-owner').textContent, li.dataset.addr]));
		assertEq(JSON.stringify(who), JSON.stringify([['ada-laptop', 'ada', dev.addr]]),
		    'building now names the developer\'s machine, its owner and its address');
		assert(await page.isVisible(`${row('dev')} .tag-building`), 'the developer\'s row is tagged as building');
		assertEq(await page.textContent('#stat-busy'), String(total), 'the project counts the busy slots');
		await waitUntil(async () => (await page.getAttribute('#chart-now', 'data-busy')) === String(total),
		    'the chart to show the busy slots', 30000);

		/* /metrics counts the same jobs. */
		const metrics = (await srv.api('GET', '/metrics')).text;
		const metric = (name, labels) => Number((metrics.match(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm')) || [])[1]);
		for (const w of WORKERS)
			assertEq(metric('dyndistcc_node_jobs_running', `project="fw",node="${id[w]}"`), SLOTS, `metrics: ${w}'s running jobs`);
		assertEq(metric('dyndistcc_node_jobs_running', `project="fw",node="${id.dev}"`), 0, 'metrics: the developer runs none');
		assertEq(metric('dyndistcc_project_jobs_running', 'project="fw"'), total, 'metrics: the project\'s running jobs');
	} finally {
		resume();
	}

	/* The engines go on: the build succeeds, nobody is building any more. */
	assertEq(await built, 0, 'the build succeeded');
	assert(fs.existsSync(path.join(src, 'calc')), 'it made the program');
	await waitUntil(() => page.isVisible('#building-empty'), 'nobody to be building', 30000);
	assertEq(await page.textContent('#stat-busy'), '0', 'no slot is busy');
	for (const w of WORKERS) {
		const served = Number((await page.textContent(`${row(w)} .served`)).match(/^(\d+) served$/)?.[1]);
		const logged = (fs.readFileSync(nodes[w].hb.log, 'utf8').match(new RegExp(`job from ${dev.addr.replace(/\./g, '\\.')}: .*: ok,`, 'g')) || []).length;
		assert(logged >= SLOTS && served >= logged, `${w} served the build's jobs (page ${served}, its log ${logged})`);
	}
	await assertNoProblems(page, problems);
});

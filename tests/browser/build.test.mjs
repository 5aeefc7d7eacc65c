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
	const nets = netns(['srv', ...WORKERS, 'dev']);
	const srv = await startServer({ heartbeat: 1, ttl: 8, nets });
	ctx.logs.push(srv.log);
	const made = await srv.api('POST', '/api/v1/projects', { name: 'fw' }, srv.token);
	assertEq(made.status, 201, `create project fw (${made.text})`);
	const key = made.json.key;

	/* A member: dcc-heartbeat with its own host name (a UTS namespace) and job port on 3632. */
	const nodes = {};
	const startNode = (name, hostname, owner, cores) => {
		const dir = tempDir('dyndistcc-hb-');
		fs.chmodSync(dir, 0o711);
		for (const sub of ['masq', 'cache', 'distcc'])
			fs.mkdirSync(path.join(dir, sub));
		fs.symlinkSync(path.join(BUILD, 'dcc'), path.join(dir, 'masq', 'gcc'));
		const conf = path.join(dir, 'client.conf');
		fs.writeFileSync(conf, [
			`server ${srv.url}`, 'project fw', `key ${key}`, `cores ${cores}`, `owner ${owner}`,
			`state_dir ${dir}`, `masquerade_dir ${dir}/masq`, 'distccd_port 3632',
			'job_memory 0', 'jobs_memory_max none', 'canary_interval 86400', '',
		].join('\n'));
		const hb = spawnLogged(dir, name, 'ip', nets.argv(name, 'unshare',
		    ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', hostname, path.join(BUILD, 'dcc-heartbeat'), '-d', '-v', '-f', conf]));
		ctx.logs.push(hb.log);
		nodes[name] = { dir, conf, hb, hostname, owner, addr: nets.addr[name] };
	};
	for (const w of WORKERS)
		startNode(w, `${w}-box`, 'ci', SLOTS);
	startNode('dev', 'ada-laptop', 'ada', 1);
	const ids = () => Object.fromEntries(Object.entries(nodes).map(([n, m]) => {
		const f = path.join(m.dir, 'node-id');
		return [n, fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : null];
	}));

	/* Everyone online and healthy, each worker's engine known. */
	await waitUntil(async () => {
		const r = await srv.api('GET', '/api/v1/nodes?project=fw', undefined, key);
		return r.status === 200 && r.json.nodes.length === 3 &&
		    r.json.nodes.every((n) => n.state === 'online' && n.health && n.health.ok);
	}, 'the three members to be online and healthy', 60000);
	const id = ids();
	const engine = (w) => Number((fs.readFileSync(nodes[w].hb.log, 'utf8').match(/distccd started: pid (\d+)/g) || [])
	    .pop()?.match(/\d+/)[0]);
	for (const w of WORKERS)
		assert(engine(w) > 0, `${w}'s heartbeat started its compile engine`);

	const { page, problems } = await launchBrowser({ nets });
	ctx.page = page;
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/#project=fw');
	await waitUntil(async () => (await page.$$('#node-rows tr.node')).length === 3, 'a row per member', 30000);
	assert(await page.isVisible('#building-empty'), 'nobody is building yet');

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
	const row = (n) => `#node-rows tr[data-id="${id[n]}"]`;
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

/*
 * lib.mjs — shared helpers of the browser tests: a real dyndistcc-server on a
 * free loopback port with its own temporary database, Debian's chromium
 * through playwright-core, background processes that are killed at exit even
 * when a test fails, and small polling/assert helpers.
 *
 * Environment (set by tests/run.sh): DYNDISTCC_BUILD (absolute build dir),
 * DYNDISTCC_TOP (repository top).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createHash, randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const TOP = process.env.DYNDISTCC_TOP || path.resolve(here, '../..');
export const BUILD = process.env.DYNDISTCC_BUILD || path.join(TOP, 'build');

const children = new Set();	/* processes to kill at exit */
const spawned = [];		/* every process started, to check how it ended */
const tempDirs = new Set();	/* directories to remove at exit */
const closers = [];		/* async cleanups (browsers) */
const namespaces = [];		/* network namespaces to remove at exit */

function killAll() {
	for (const child of children) {
		if (child.exitCode === null && child.signalCode === null) {
			try {
				process.kill(child.pid, 'SIGCONT');
				child.kill('SIGKILL');
			} catch (e) {
				/* already gone */
			}
		}
	}
	children.clear();
	/* Whatever still runs in our namespaces goes with them. */
	for (const ns of namespaces.splice(0)) {
		try {
			const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
			for (const pid of pids)
				process.kill(Number(pid), 'SIGKILL');
			execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
		} catch (e) {
			/* already gone */
		}
	}
	if (!process.env.KEEP_TMP) {
		for (const dir of tempDirs)
			fs.rmSync(dir, { recursive: true, force: true });
	}
	tempDirs.clear();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(sig, () => {
		console.error(`# caught ${sig}, cleaning up`);
		killAll();
		process.exit(1);
	});
}

/** A fresh temporary directory, removed at exit (unless KEEP_TMP is set). */
export function tempDir(prefix = 'dyndistcc-browser-') {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
	tempDirs.add(dir);
	return dir;
}

/** A TCP port that was free on `host` a moment ago. */
export function freePort(host = '127.0.0.1') {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, host, () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the page has rendered two more frames: whatever a resize or
 * a scroll set off has been laid out and painted, however slow the machine. */
export function settled(page) {
	return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Polls `fn` until it returns a truthy value; throws `what` after `ms` (a failure bound only). */
export async function waitUntil(fn, what, ms = 30000, every = 100) {
	const end = Date.now() + ms;
	let last;
	for (;;) {
		try {
			const v = await fn();
			if (v)
				return v;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end)
			throw new Error(`timed out after ${ms} ms waiting for ${what}` + (last ? ` (last error: ${last.message})` : ''));
		await sleep(every);
	}
}

export function assert(cond, msg) {
	if (!cond)
		throw new Error('assertion failed: ' + msg);
}

export function assertEq(actual, expected, msg) {
	if (actual !== expected)
		throw new Error(`assertion failed: ${msg}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/**
 * Starts a program in the background with its output in `dir/name.log`;
 * it is killed when the test exits. Returns the ChildProcess, with .log set.
 */
export function spawnLogged(dir, name, cmd, args) {
	const log = path.join(dir, name + '.log');
	const fd = fs.openSync(log, 'a');
	const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], cwd: dir });
	fs.closeSync(fd);
	child.log = log;
	child.name = name;
	children.add(child);
	spawned.push(child);
	child.on('exit', () => children.delete(child));
	return child;
}

/** Stops a process started by spawnLogged: SIGTERM, then SIGKILL after `ms`. */
export async function stop(child, ms = 20000) {
	if (child.exitCode !== null || child.signalCode !== null)
		return;
	const done = new Promise((r) => child.once('exit', r));
	child.kill('SIGCONT');	/* in case a test stopped it */
	child.kill('SIGTERM');
	const t = setTimeout(() => child.kill('SIGKILL'), ms);
	await done;
	clearTimeout(t);
}

export function tail(file, lines = 30) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch (e) {
		return `(no ${file})`;
	}
}

/** Ends the test as skipped (run.sh shows the reason, the log's last line). */
export function skip(reason) {
	console.log('SKIP: ' + reason);
	process.exit(77);
}

/**
 * Separate hosts in network namespaces, for a test where a connection must
 * come from a member's own address (on loopback every distcc client
 * connects from 127.0.0.1, which a job port takes for the node's own
 * canary): one namespace holds a bridge, each host one of its own with lo
 * and a veth into the bridge, on a random 10.x.y.0/24; nothing is added to
 * the machine's own network, and the names carry the pid and a random
 * number, so tests running at once never meet. Without root or ip netns
 * the test is skipped. Returns { addr: { host: ip }, name(host): its
 * namespace, argv(host, cmd, args): ip's arguments to run cmd in it }; the
 * namespaces are removed at exit.
 */
export function netns(hosts) {
	if (process.getuid() !== 0)
		skip('ip netns needs root');
	const p = `ddb${process.pid}r${randomInt(1000000)}`;
	const net = `10.${64 + process.pid % 64}.${1 + randomInt(250)}`;
	const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
	try {
		ip('netns', 'add', `${p}-br`);
	} catch (e) {
		skip('ip netns is not available here: ' + String(e.stderr || e.message).trim());
	}
	namespaces.push(`${p}-br`);
	ip('-n', `${p}-br`, 'link', 'add', 'br0', 'type', 'bridge');
	ip('-n', `${p}-br`, 'link', 'set', 'br0', 'up');
	const nets = { addr: {}, name: (h) => `${p}-${h}`, argv: (h, cmd, args = []) => ['netns', 'exec', `${p}-${h}`, cmd, ...args] };
	hosts.forEach((h, i) => {
		const ns = nets.name(h);
		nets.addr[h] = `${net}.${11 + i}`;
		ip('netns', 'add', ns);
		namespaces.push(ns);
		ip('-n', ns, 'link', 'set', 'lo', 'up');
		ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `v-${h}`, 'netns', `${p}-br`);
		ip('-n', `${p}-br`, 'link', 'set', `v-${h}`, 'master', 'br0', 'up');
		ip('-n', ns, 'addr', 'add', `${nets.addr[h]}/24`, 'dev', 'eth0');
		ip('-n', ns, 'link', 'set', 'eth0', 'up');
	});
	return nets;
}

/** Like request(), but made by curl inside network namespace `ns`. */
function nsRequest(ns, url, { method = 'GET', body, bearer } = {}) {
	const args = ['netns', 'exec', ns, 'curl', '-sS', '-X', method, '-o', '-', '-w', '\n%{http_code}'];
	if (body !== undefined)
		args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
	if (bearer)
		args.push('-H', 'Authorization: Bearer ' + bearer);
	args.push(url);
	return new Promise((resolve, reject) => {
		execFile('ip', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
			if (err)
				return reject(new Error(`curl ${url}: ${stderr || err.message}`));
			const cut = stdout.lastIndexOf('\n');
			const text = stdout.slice(0, cut);
			let json = null;
			try {
				json = JSON.parse(text);
			} catch (e) {
				json = null;
			}
			resolve({ status: Number(stdout.slice(cut + 1)), json, text });
		});
	});
}

/**
 * One HTTP(S) request to `url`, sent from the local address `from` when
 * given (any of 127.0.0.0/8 works on Linux: a test gives each member its
 * own); `ca` is the certificate an https server must have. Resolves to
 * { status, json, text }; json is null when the body is not JSON.
 */
export function request(url, { method = 'GET', body, bearer, from, ca } = {}) {
	const headers = {};
	const data = body === undefined ? undefined : JSON.stringify(body);
	if (data !== undefined) {
		headers['Content-Type'] = 'application/json';
		headers['Content-Length'] = Buffer.byteLength(data);
	}
	if (bearer)
		headers['Authorization'] = 'Bearer ' + bearer;
	return new Promise((resolve, reject) => {
		const proto = url.startsWith('https:') ? https : http;
		const req = proto.request(url, { method, headers, localAddress: from, ca }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk) => { text += chunk; });
			res.on('end', () => {
				let json = null;
				try {
					json = JSON.parse(text);
				} catch (e) {
					json = null;
				}
				resolve({ status: res.statusCode, json, text });
			});
		});
		req.on('error', reject);
		req.end(data);
	});
}

/**
 * A self-signed certificate for 127.0.0.1 in `dir` (openssl). Returns
 * { cert, key, pem, pin }: the files, the certificate's text, and its pin
 * as clients write it: sha256// and the base64 SHA-256 of its public key.
 */
export function selfSignedCert(dir) {
	const cert = path.join(dir, 'server.crt'), key = path.join(dir, 'server.key');
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
	    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
	const pem = fs.readFileSync(cert, 'utf8');
	const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
	return { cert, key, pem, pin: 'sha256//' + createHash('sha256').update(spki).digest('base64') };
}

/**
 * Starts dyndistcc-server (in the foreground, its default) on a free
 * loopback port with a temporary database and an admin token, over HTTPS
 * with a fresh self-signed certificate when `tls` is set, and waits for
 * /healthz. With `nets` (see netns), it runs in host `host`'s namespace on
 * its address, port 33333, and api() calls come from there. Returns { url,
 * port, token, dir, proc, log, tls (the certificate, see selfSignedCert, or
 * null), api(method, path, body, bearer, from), createProject(name,
 * { open }), checkin(key, body, from), stop(), restart() }; restart()
 * starts it again on the same port and database.
 */
export async function startServer({ heartbeat = 1, ttl = 3, token = randomBytes(16).toString('hex'), tls = false,
    nets = null, host = 'srv' } = {}) {
	const dir = tempDir('dyndistcc-srv-');
	const port = nets ? 33333 : await freePort();
	const listen = nets ? nets.addr[host] : '127.0.0.1';
	const bin = path.join(BUILD, 'dyndistcc-server');
	assert(fs.existsSync(bin), `${bin} exists (run make first)`);
	/* Never the machine's own /etc/dyndistcc/server.conf. */
	let conf = '/dev/null';
	const cert = tls ? selfSignedCert(dir) : null;
	if (cert) {
		conf = path.join(dir, 'server.conf');
		fs.writeFileSync(conf, `tls_cert ${cert.cert}\ntls_key ${cert.key}\n`);
	}
	const args = ['-f', conf, '-l', listen, '-p', String(port),
	    '--db', path.join(dir, 'dyndistcc.db'), '--admin-token', token,
	    '--heartbeat', String(heartbeat), '--ttl', String(ttl)];
	const url = `${tls ? 'https' : 'http'}://${listen}:${port}`;
	const srv = { url, port, token, dir, tls: cert, proc: null, log: path.join(dir, 'server.log') };
	const ca = cert ? cert.pem : undefined;

	srv.restart = async () => {
		const proc = nets ? spawnLogged(dir, 'server', 'ip', nets.argv(host, bin, args))
		    : spawnLogged(dir, 'server', bin, args);
		srv.proc = proc;
		try {
			await waitUntil(async () => {
				if (proc.exitCode !== null)
					return 'exited';
				const r = await srv.api('GET', '/healthz');
				return r.status === 200;
			}, 'the server to answer /healthz', 30000);
		} catch (e) {
			throw new Error(e.message + '\n--- server log ---\n' + tail(proc.log));
		}
		if (proc.exitCode !== null)
			throw new Error(`the server exited with ${proc.exitCode}\n--- server log ---\n` + tail(proc.log));
	};
	srv.stop = () => stop(srv.proc);

	/* One API v1 call, from local address `from` if given; resolves to { status, json, text }. */
	srv.api = (method, p, body, bearer, from) => nets ? nsRequest(nets.name(host), url + p, { method, body, bearer })
	    : request(url + p, { method, body, bearer, from, ca });

	/* Creates a project as the admin; resolves to its key (null for an open one). */
	srv.createProject = async (name, { open = false } = {}) => {
		const r = await srv.api('POST', '/api/v1/projects', open ? { name, key: false } : { name }, token);
		assertEq(r.status, 201, `create project ${name} (${r.text.trim()})`);
		return open ? null : r.json.key;
	};

	/*
	 * A check-in like a heartbeat's: with the node's secret once the server
	 * has bound one (it is in the reply of the first check-in only).
	 */
	const secrets = new Map();	/* project + node id -> secret */
	srv.checkin = async (key, body, from) => {
		const id = body.project + '/' + body.node;
		const secret = secrets.get(id);
		const r = await srv.api('POST', '/api/v1/checkin', secret ? { ...body, secret } : body, key, from);
		if (r.status === 200 && r.json && typeof r.json.secret === 'string')
			secrets.set(id, r.json.secret);
		return r;
	};
	await srv.restart();
	return srv;
}

/** A random node id: 32 lowercase hex characters. */
export function nodeId() {
	return randomBytes(16).toString('hex');
}

/**
 * Launches Debian's chromium headless with a fresh profile, inside host
 * `host`'s network namespace when `nets` is given (see netns). Returns
 * { context, page, problems } where `problems` collects every JS dialog,
 * uncaught page error, console error and CSP violation; tests assert it
 * stays empty.
 */
export async function launchBrowser({ nets = null, host = 'srv', ...options } = {}) {
	const profile = tempDir('dyndistcc-chromium-');
	let executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
	if (nets) {
		/* ip netns exec execs chromium: playwright's pipe and pid stay the same. */
		const wrapper = path.join(profile, '..', path.basename(profile) + '.sh');
		fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${nets.name(host)}' '${executablePath}' "$@"\n`, { mode: 0o755 });
		tempDirs.add(wrapper);
		executablePath = wrapper;
	}
	const context = await chromium.launchPersistentContext(profile, {
		executablePath,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
		viewport: { width: 1280, height: 800 },
		...options,
	});
	closers.push(() => context.close().catch(() => {}));
	const page = context.pages()[0] || await context.newPage();
	const problems = [];
	page.on('dialog', (d) => {
		problems.push(`JS ${d.type()} dialog: ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('pageerror', (e) => problems.push('page error: ' + e.message));
	page.on('console', (m) => {
		/* Refusals and outages the tests provoke show up as failed loads. */
		if (m.type() === 'error' &&
		    !/^Failed to load resource: (.* status of (400|401|403|409)\b|net::ERR_CONNECTION_REFUSED)/.test(m.text()))
			problems.push('console error: ' + m.text());
	});
	await page.addInitScript(() => {
		window.__csp = [];
		document.addEventListener('securitypolicyviolation',
		    (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
	});
	return { context, page, problems };
}

/** Throws if the page raised any dialog, error or CSP violation. */
export async function assertNoProblems(page, problems) {
	const csp = await page.evaluate(() => window.__csp || []);
	for (const v of csp)
		problems.push('CSP violation: ' + v);
	assert(problems.length === 0, 'no dialogs, page errors or CSP violations:\n  ' + problems.join('\n  '));
}

/* Why a started process ended badly, or null: each must exit 0 on SIGTERM. */
function badExit(child) {
	if (child.exitCode === 0)
		return null;
	const how = child.exitCode !== null ? `exit status ${child.exitCode}`
	    : child.signalCode === 'SIGKILL' ? 'SIGKILL (it ignored SIGTERM)' : `signal ${child.signalCode}`;
	return `${child.name} (pid ${child.pid}) ended with ${how}\n--- ${child.log} ---\n${tail(child.log)}`;
}

/**
 * Runs a test body, then stops every started process with SIGTERM (each
 * must exit 0: a crash, a sanitizer report or a hang fails the test), closes
 * the browser, prints ok/not ok with the failure's logs and a screenshot,
 * and sets the exit status.
 */
export async function run(name, body) {
	const t0 = Date.now();
	const ctx = { logs: [], page: null };
	let failed = null;
	try {
		await body(ctx);
	} catch (e) {
		failed = e;
	}
	if (!failed) {
		/* SIGTERM first, so a heartbeat stops its distccd too. */
		await Promise.all([...children].map((c) => stop(c, 20000)));
		const bad = spawned.map(badExit).filter((m) => m !== null);
		if (bad.length)
			failed = new Error(bad.join('\n'));
	}
	if (failed) {
		console.error(`not ok - ${name}: ${failed.stack || failed}`);
		if (ctx.page) {
			const shot = path.join(BUILD, 'test-logs', `browser-${name}-failure.png`);
			try {
				fs.mkdirSync(path.dirname(shot), { recursive: true });
				await ctx.page.screenshot({ path: shot, fullPage: true });
				console.error(`# screenshot of the failure: ${shot}`);
			} catch (e) {
				/* the page may be gone */
			}
		}
		for (const log of ctx.logs)
			console.error(`--- ${log} ---\n${tail(log)}`);
	} else {
		console.log(`ok - ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	}
	for (const close of closers.splice(0))
		await close();
	/* SIGTERM first, so a heartbeat stops its distccd too. */
	await Promise.all([...children].map((c) => stop(c, 20000)));
	killAll();
	process.exit(failed ? 1 : 0);
}

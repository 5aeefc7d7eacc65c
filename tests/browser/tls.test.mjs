/*
 * tls.test.mjs — the panel over HTTPS (issue 15): the server runs with a
 * fresh self-signed certificate; the project made on the page comes with an
 * install command and client.conf lines that carry the server's TLS pin
 * (checked against the pin computed here from the certificate) and never
 * the key on a command line. A real dcc-heartbeat configured with exactly
 * the dialog's client.conf lines joins over HTTPS, so the lines work; the
 * same lines with another pin are refused by the heartbeat.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
	BUILD, assert, assertEq, assertNoProblems, freePort, launchBrowser, run, spawnLogged, startServer,
	tempDir, waitUntil,
} from './lib.mjs';

run('tls', async (ctx) => {
	const srv = await startServer({ heartbeat: 1, ttl: 3, tls: true });
	ctx.logs.push(srv.log);
	assert(srv.url.startsWith('https://'), 'the server speaks HTTPS');
	const info = await srv.api('GET', '/api/v1/server');
	assertEq(info.json.pin, srv.tls.pin, 'GET /api/v1/server gives the pin of the certificate');

	const { page, problems } = await launchBrowser({ ignoreHTTPSErrors: true });
	ctx.page = page;
	await page.addInitScript((t) => sessionStorage.setItem('dyndistcc.adminToken', t), srv.token);
	await page.goto(srv.url + '/');
	await page.waitForSelector('#conn.conn-live', { timeout: 30000 });

	await page.fill('#create-name', 'fw');
	await page.click('#create-submit');
	await page.waitForSelector('#key-dialog[open]', { timeout: 30000 });
	const key = (await page.textContent('#key-value')).trim();
	assert(/^[0-9a-f]{32}$/.test(key), `the page shows the join key (got "${key}")`);
	const cmd = await page.textContent('#key-command');
	assertEq(cmd, `sudo scripts/install-client.sh --server ${srv.url} --pin ${srv.tls.pin} --project fw --key-file - --yes`,
	    'the install command carries the pin and reads the key from standard input');
	assert(!cmd.includes(key), 'the key is not on the command line');
	assert(await page.isVisible('#key-pin'), 'the dialog says what the pin is for');
	const conf = await page.textContent('#key-conf');
	assertEq(conf, `server ${srv.url}\nserver_pin ${srv.tls.pin}\nproject fw\nkey ${key}\n`, 'the client.conf lines');
	await page.click('#key-done');

	/* A heartbeat with another pin refuses the server. */
	const wrongDir = tempDir('dyndistcc-hb-');
	const wrongPin = 'sha256//' + Buffer.alloc(32, 7).toString('base64');
	const base = (dir, port) => [`state_dir ${dir}`, 'source 127.0.0.2', 'distccd_listen 127.0.0.2',
	    `distccd_port ${port}`, 'cores 2', ''].join('\n');
	fs.writeFileSync(path.join(wrongDir, 'client.conf'),
	    conf.replace(srv.tls.pin, wrongPin) + base(wrongDir, await freePort('127.0.0.2')));
	const wrong = spawnLogged(wrongDir, 'heartbeat-wrong-pin', path.join(BUILD, 'dcc-heartbeat'),
	    ['-d', '-f', path.join(wrongDir, 'client.conf')]);
	ctx.logs.push(wrong.log);

	/* The dialog's own lines: the heartbeat joins over HTTPS and shows in the panel. */
	const hbDir = tempDir('dyndistcc-hb-');
	fs.writeFileSync(path.join(hbDir, 'client.conf'), conf + base(hbDir, await freePort('127.0.0.2')));
	const hb = spawnLogged(hbDir, 'heartbeat', path.join(BUILD, 'dcc-heartbeat'), ['-d', '-f', path.join(hbDir, 'client.conf')]);
	ctx.logs.push(hb.log);
	const row = await waitUntil(() => page.$('#node-rows tr.node'), 'the heartbeat\'s node to appear', 30000);
	assertEq(await row.getAttribute('data-id'), fs.readFileSync(path.join(hbDir, 'node-id'), 'utf8').trim(),
	    'the row is the heartbeat that used the dialog\'s lines');
	assertEq((await page.$$('#node-rows tr.node')).length, 1, 'the heartbeat with the wrong pin never joined');
	await waitUntil(() => /pin|public key|certificate/i.test(fs.readFileSync(wrong.log, 'utf8')),
	    'the heartbeat with the wrong pin to say why it cannot check in', 30000);

	await assertNoProblems(page, problems);
});

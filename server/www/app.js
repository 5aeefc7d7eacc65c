/*
 * app.js — the dyndistcc control panel.
 *
 * Talks to the server only through API v1. Every value that comes from the
 * server (and so from the database, and so from any client that checked in)
 * reaches the page through textContent, setAttribute or createElement, never
 * as HTML. The page polls every few seconds and patches the DOM row by row,
 * keyed by project name and node id, so scroll position, focus and text
 * selection survive the updates.
 */
'use strict';

(function () {

const POLL_MS = 2500;
const TOKEN_KEY = 'dyndistcc.adminToken';
const KEY_PREFIX = 'dyndistcc.key.';	/* + a project's name: the key given for it */
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = {
	selected: null,		/* name of the selected project, or null */
	projects: new Map(),	/* name -> last project record from the server */
	nodes: [],		/* nodes of the selected project */
	history: null,		/* last history reply of the selected project */
	activity: null,		/* last activity reply of the selected project */
	compilers: [],		/* its compiler table, see compilerTable() */
	locked: false,		/* a keyed project shown without its key */
	lockError: null,	/* why the last key was refused, or null */
	problem: undefined,	/* what the last poll ran into, null if nothing */
};

const $ = (id) => document.getElementById(id);

/* Text of a value from the server, whatever its JSON type. */
function str(v) {
	if (typeof v === 'string')
		return v;
	if (v === null || v === undefined)
		return '';
	return String(v);
}

/* A finite number from the server, or null. */
function num(v) {
	return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/* Sets an element's text only when it changed, so selections in it survive. */
function setText(el, text) {
	if (el.textContent !== text)
		el.textContent = text;
}

function setAttr(el, name, value) {
	if (el.getAttribute(name) !== value)
		el.setAttribute(name, value);
}

/* Creates an element with a class and optional text. */
function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	if (text !== undefined)
		e.textContent = text;
	return e;
}

const enc = encodeURIComponent;

/* "8 s ago", "3 min ago", "2 h ago", "5 d ago". */
function ago(seconds) {
	const s = num(seconds);
	if (s === null || s < 0)
		return '—';
	if (s < 60)
		return Math.floor(s) + ' s ago';
	if (s < 3600)
		return Math.floor(s / 60) + ' min ago';
	if (s < 86400)
		return Math.floor(s / 3600) + ' h ago';
	return Math.floor(s / 86400) + ' d ago';
}

function dateTime(epoch) {
	const t = num(epoch);
	if (t === null)
		return '';
	return new Date(t * 1000).toLocaleString();
}

/* Local time of day, "14:05" or with seconds "14:05:30". */
function clock(epoch, seconds) {
	const d = new Date(epoch * 1000);
	const two = (n) => String(n).padStart(2, '0');
	return two(d.getHours()) + ':' + two(d.getMinutes()) + (seconds ? ':' + two(d.getSeconds()) : '');
}

function plural(n, one, many) {
	return n + ' ' + (n === 1 ? one : many);
}

/* ---- talking to the server ---- */

class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

/*
 * One API v1 call, with `bearer` (a project key or the admin token) when
 * given. Resolves to the parsed JSON reply; rejects with an ApiError
 * carrying the HTTP status (0 when the server was not reached) and the
 * server's own error message.
 */
async function api(method, path, body, bearer) {
	const headers = { 'Accept': 'application/json' };
	const opts = { method, headers, cache: 'no-store', credentials: 'same-origin' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		opts.body = JSON.stringify(body);
	}
	if (bearer)
		headers['Authorization'] = 'Bearer ' + bearer;
	let res;
	try {
		res = await fetch(path, opts);
	} catch (e) {
		throw new ApiError(0, 'the server cannot be reached');
	}
	let data = null;
	try {
		const text = await res.text();
		if (text)
			data = JSON.parse(text);
	} catch (e) {
		data = null;
	}
	if (!res.ok) {
		const msg = data && typeof data.error === 'string' ? data.error
		    : 'HTTP ' + res.status + ' ' + res.statusText;
		throw new ApiError(res.status, msg);
	}
	return data;
}

/*
 * An admin call: sends the tab's admin token if it has one. When the server
 * answers 403, asks for the token in the page and tries again; rejects with
 * status -1 if the user cancels.
 */
async function adminCall(method, path, body) {
	for (;;) {
		try {
			return await api(method, path, body, sessionStorage.getItem(TOKEN_KEY));
		} catch (e) {
			if (e.status !== 403)
				throw e;
			const had = sessionStorage.getItem(TOKEN_KEY) !== null;
			sessionStorage.removeItem(TOKEN_KEY);
			updateAdminUi();
			const token = await askToken(e.message, had);
			if (token === null)
				throw new ApiError(-1, 'cancelled');
			sessionStorage.setItem(TOKEN_KEY, token);
			updateAdminUi();
		}
	}
}

/*
 * What opens a keyed project's members, history and activity: the key given
 * for it in this tab, else the admin token, else null.
 */
function readBearer(name) {
	return sessionStorage.getItem(KEY_PREFIX + name) || sessionStorage.getItem(TOKEN_KEY);
}

/* Drops a key or token the server refused for reading project `name`. */
function dropBearer(name, bearer) {
	if (sessionStorage.getItem(KEY_PREFIX + name) === bearer)
		sessionStorage.removeItem(KEY_PREFIX + name);
	else if (sessionStorage.getItem(TOKEN_KEY) === bearer)
		sessionStorage.removeItem(TOKEN_KEY);
	updateAdminUi();
}

/* The names of every key and token this tab keeps. */
function storedSecrets() {
	const names = [];
	for (let i = 0; i < sessionStorage.length; i++) {
		const k = sessionStorage.key(i);
		if (k === TOKEN_KEY || k.startsWith(KEY_PREFIX))
			names.push(k);
	}
	return names;
}

function forgetSecrets() {
	for (const k of storedSecrets())
		sessionStorage.removeItem(k);
	updateAdminUi();
	toast('Admin token and project keys forgotten for this tab.');
	refresh();
}

function updateAdminUi() {
	$('admin-forget').hidden = storedSecrets().length === 0;
}

/* An HTTP header carries printable ASCII only. */
const bearerShape = (s) => /^[\x21-\x7e]+$/.test(s);

/* ---- in-page dialogs (never window.alert/confirm/prompt) ---- */

/* Opens a <dialog> and resolves with its returnValue once it closes. */
function openDialog(dialog) {
	return new Promise((resolve) => {
		dialog.returnValue = '';
		dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
		dialog.showModal();
	});
}

/* Asks the user to confirm; resolves to true or false. */
async function confirmBox(title, text, okLabel) {
	$('confirm-title').textContent = title;
	$('confirm-text').textContent = text;
	$('confirm-ok').textContent = okLabel;
	const dialog = $('confirm-dialog');
	const p = openDialog(dialog);
	$('confirm-cancel').focus();
	return (await p) === 'ok';
}

/* Asks for the admin token, saying why (the server's words, and whether
 * the last token was refused); resolves to it, or null if cancelled. */
async function askToken(reason, refused) {
	const input = $('token-input');
	const err = $('token-error');
	input.value = '';
	err.textContent = refused ? 'The server refused this token: ' + reason : '';
	err.hidden = !refused;
	$('token-reason').textContent = refused ? '' : 'The server says: ' + reason;
	const p = openDialog($('token-dialog'));
	input.focus();
	const rv = await p;
	const token = input.value.trim();
	input.value = '';
	if (rv !== 'ok' || token === '')
		return null;
	if (!bearerShape(token))
		return askToken('a token is printable ASCII without spaces', true);
	return token;
}

let toastTimer = 0;

/* Shows a short message at the top of the page. */
function toast(message, kind) {
	const t = $('toast');
	t.textContent = message;
	t.className = 'toast' + (kind ? ' toast-' + kind : '');
	t.hidden = false;
	clearTimeout(toastTimer);
	toastTimer = setTimeout(() => { t.hidden = true; }, kind === 'error' ? 8000 : 4000);
}

/* Copies text to the clipboard, with a fallback for plain-http origins. */
async function copyText(text, button) {
	let ok = false;
	try {
		if (navigator.clipboard && window.isSecureContext) {
			await navigator.clipboard.writeText(text);
			ok = true;
		}
	} catch (e) {
		ok = false;
	}
	if (!ok) {
		/* Inside the modal dialog, or the textarea would be inert. */
		const host = button.closest('dialog') || document.body;
		const ta = el('textarea', 'offscreen');
		ta.value = text;
		ta.setAttribute('readonly', '');
		host.appendChild(ta);
		ta.select();
		try {
			ok = document.execCommand('copy');
		} catch (e) {
			ok = false;
		}
		ta.remove();
	}
	if (!button.dataset.label)
		button.dataset.label = button.textContent;
	button.textContent = ok ? 'Copied' : 'Select and copy';
	button.classList.toggle('copied', ok);
	clearTimeout(button.copyTimer);
	button.copyTimer = setTimeout(() => {
		button.textContent = button.dataset.label;
		button.classList.remove('copied');
	}, 1500);
}

/* ---- selection (kept in the URL fragment, so a reload keeps it) ---- */

function selectedFromHash() {
	const name = new URLSearchParams(location.hash.slice(1)).get('project');
	return name ? name : null;
}

function select(name) {
	const hash = name ? '#project=' + enc(name) : '';
	if (location.hash !== hash)
		history.replaceState(null, '', hash || location.pathname + location.search);
	applySelection();
}

function applySelection() {
	const name = selectedFromHash();
	if (name === state.selected)
		return;
	state.selected = name;
	state.nodes = [];
	state.history = null;
	state.activity = null;
	state.compilers = [];
	state.locked = false;
	state.lockError = null;
	clearNodes();
	clearChart();
	renderActivity();
	$('lock-key').value = '';
	renderProjectsSelection();
	renderDetail();
	refresh();
}

/* ---- projects ---- */

const projectItems = new Map();	/* name -> { li, button, name, meta, badge } */

function makeProjectItem(name) {
	const li = el('li', 'project');
	const button = el('button', 'project-button');
	button.type = 'button';
	button.dataset.project = name;
	const nameEl = el('span', 'project-name', name);
	const badge = el('span', 'badge badge-open', 'open');
	const meta = el('span', 'project-meta');
	button.append(nameEl, badge, meta);
	button.addEventListener('click', () => select(name));
	li.appendChild(button);
	return { li, button, meta, badge };
}

function renderProjects() {
	const ul = $('project-list');
	const names = [...state.projects.keys()].sort((a, b) => a.localeCompare(b));
	let prev = null, nodes = 0, threads = 0;
	for (const name of names) {
		const p = state.projects.get(name);
		let item = projectItems.get(name);
		if (!item) {
			item = makeProjectItem(name);
			projectItems.set(name, item);
		}
		const n = num(p.nodes_online) || 0, t = num(p.threads_online) || 0;
		nodes += n;
		threads += t;
		setText(item.meta, plural(n, 'node', 'nodes') + ' · ' + plural(t, 'thread', 'threads'));
		item.badge.hidden = p.keyed !== false;
		setAttr(item.button, 'title', 'created ' + dateTime(p.created));
		const want = prev ? prev.nextSibling : ul.firstChild;
		if (want !== item.li)
			ul.insertBefore(item.li, want);
		prev = item.li;
	}
	for (const [name, item] of projectItems) {
		if (!state.projects.has(name)) {
			item.li.remove();
			projectItems.delete(name);
		}
	}
	$('projects-empty').hidden = names.length > 0;
	setText($('totals'), names.length ? plural(nodes, 'node', 'nodes') + ' · ' + plural(threads, 'thread', 'threads') : '');
	renderProjectsSelection();
}

function renderProjectsSelection() {
	for (const [name, item] of projectItems) {
		const on = name === state.selected;
		item.li.classList.toggle('selected', on);
		if (on)
			item.button.setAttribute('aria-current', 'true');
		else
			item.button.removeAttribute('aria-current');
	}
}

/* The project panel on the right: header, numbers, settings, and the lock. */
function renderDetail() {
	const name = state.selected;
	const p = name ? state.projects.get(name) : null;
	$('detail-none').hidden = !!p;
	$('detail-project').hidden = !p;
	if (!p) {
		document.title = 'dyndistcc';
		return;
	}
	setText($('detail-name'), name);
	document.title = name + ' · dyndistcc';
	const a = state.locked ? null : state.activity;
	/* Without the activity (a locked project) only the public count of online threads is known. */
	const offered = a && num(a.slots) !== null;
	setText($('stat-threads'), String(offered ? a.slots : num(p.threads_online) || 0));
	setText($('stat-threads-label'), offered ? 'slots offered' : 'threads online');
	setText($('stat-busy'), a && num(a.busy) !== null ? String(a.busy) : '—');
	setText($('stat-nodes'), String(num(p.nodes_online) || 0));
	const offline = state.nodes.filter((n) => n.state !== 'online').length;
	setText($('stat-offline'), state.locked ? '—' : String(offline));
	setText($('stat-keyed'), p.keyed === false ? 'Open' : 'Keyed');
	setText($('stat-keyed-label'), p.keyed === false ? 'anyone may join and look' : 'key needed to join and look');

	/* A server without the setting (1.0) shows no switch. */
	const adv = $('advertise');
	$('settings').hidden = typeof p.advertise !== 'boolean';
	if (!adv.disabled)
		adv.checked = p.advertise === true;

	$('lock').hidden = !state.locked;
	$('private').hidden = state.locked;
	const err = $('lock-error');
	setText(err, state.lockError ? 'The server refused that key: ' + state.lockError : '');
	err.hidden = !state.lockError;
	const purge = $('purge-offline');
	purge.hidden = state.locked || offline === 0;
	setText(purge, 'Remove ' + plural(offline, 'offline node', 'offline nodes') + '…');
}

/* The lock form: keeps the key for this project in this tab and shows it. */
function unlock(event) {
	event.preventDefault();
	const name = state.selected;
	const input = $('lock-key');
	const key = input.value.trim();
	input.value = '';
	if (!name)
		return;
	if (!bearerShape(key)) {
		state.lockError = 'a key is printable ASCII without spaces';
		renderDetail();
		return;
	}
	sessionStorage.setItem(KEY_PREFIX + name, key);
	state.lockError = null;
	updateAdminUi();
	refresh();
}

/* The NAT switch (admin): PATCH the project, or put the switch back. */
async function toggleAdvertise() {
	const name = state.selected;
	const input = $('advertise');
	const want = input.checked;
	input.disabled = true;
	try {
		await adminCall('PATCH', '/api/v1/projects/' + enc(name), { advertise: want });
		const p = state.projects.get(name);
		if (p)
			p.advertise = want;
		toast(want ? 'Members of ' + name + ' may now advertise their own addresses.'
		    : 'Members of ' + name + ' are listed at the address they connect from.');
	} catch (e) {
		input.checked = !want;
		if (e.status !== -1)
			toast('Could not change ' + name + ': ' + e.message, 'error');
	} finally {
		input.disabled = false;
		refresh();
	}
}

async function createProject(event) {
	event.preventDefault();
	const input = $('create-name');
	const err = $('create-error');
	const name = input.value.trim();
	err.hidden = true;
	if (!name) {
		err.textContent = 'Enter a name for the project.';
		err.hidden = false;
		input.focus();
		return;
	}
	const body = $('create-open').checked ? { name, key: false } : { name };
	const submit = $('create-submit');
	submit.disabled = true;
	try {
		const reply = await adminCall('POST', '/api/v1/projects', body);
		input.value = '';
		$('create-open').checked = false;
		const created = reply && typeof reply.name === 'string' ? reply.name : name;
		select(created);
		await showKey(created, reply && typeof reply.key === 'string' ? reply.key : null);
	} catch (e) {
		if (e.status !== -1) {
			err.textContent = 'Could not create the project: ' + e.message;
			err.hidden = false;
		}
	} finally {
		submit.disabled = false;
	}
}

/* A word for a POSIX shell: as it is when safe, else in single quotes. */
function shellWord(s) {
	return /^[A-Za-z0-9._\/:=@%+,-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
}

/* The server's TLS pin when this page came over HTTPS and the server has one, else null. */
async function serverPin() {
	if (location.protocol !== 'https:')
		return null;
	try {
		const info = await api('GET', '/api/v1/server');
		return info && typeof info.pin === 'string' && info.pin ? info.pin : null;
	} catch (e) {
		return null;
	}
}

/*
 * Shows a new project's join key once, with the commands that use it. The
 * command never holds the key: the installer reads it from its standard
 * input (--key-file -), so it stays out of `ps` and the shell history.
 */
async function showKey(name, key) {
	const server = location.origin;
	const pin = await serverPin();
	const args = ['sudo', 'scripts/install-client.sh', '--server', server];
	let conf = 'server ' + server + '\n';
	if (pin) {
		args.push('--pin', pin);
		conf += 'server_pin ' + pin + '\n';
	}
	args.push('--project', name);
	conf += 'project ' + name + '\n';
	if (key) {
		args.push('--key-file', '-');
		conf += 'key ' + key + '\n';
	}
	args.push('--yes');
	$('key-project').textContent = name;
	$('key-value').textContent = key || '';
	$('key-keyed').hidden = !key;
	$('key-open').hidden = !!key;
	$('key-stdin').hidden = !key;
	$('key-pin').hidden = !pin;
	$('key-command').textContent = args.map(shellWord).join(' ');
	$('key-conf').textContent = conf;
	/* Opened on the server itself: other machines need its real address. */
	$('key-loopback').hidden = !/^(localhost|127\.[\d.]+|\[::1\])$/.test(location.hostname);
	$('key-loopback-host').textContent = location.host;
	const p = openDialog($('key-dialog'));
	refresh();
	return p.then(() => {
		/* The key is not kept anywhere once the dialog is closed. */
		$('key-value').textContent = '';
		$('key-command').textContent = '';
		$('key-conf').textContent = '';
	});
}

async function deleteProject() {
	const name = state.selected;
	if (!name)
		return;
	const p = state.projects.get(name);
	const n = p ? num(p.nodes_online) || 0 : 0;
	const ok = await confirmBox('Delete project ' + name + '?',
	    'The project and all its nodes are removed' + (n ? ' (' + plural(n, 'node is', 'nodes are') + ' online now)' : '') +
	    '. Its machines stop getting host lists and build locally. This cannot be undone.',
	    'Delete project');
	if (!ok)
		return;
	try {
		await adminCall('DELETE', '/api/v1/projects/' + enc(name));
		state.projects.delete(name);
		sessionStorage.removeItem(KEY_PREFIX + name);
		updateAdminUi();
		toast('Project ' + name + ' deleted.');
		select(null);
		renderProjects();
	} catch (e) {
		if (e.status !== -1)
			toast('Could not delete project ' + name + ': ' + e.message, 'error');
	}
}

/* ---- nodes ---- */

const COLUMNS = ['Host', 'Owner', 'Address', 'Cores', 'Jobs', 'Load', 'State', 'Version', 'Compilers', ''];
const nodeRows = new Map();	/* id -> the row's elements (see makeNodeRow) */

function makeNodeRow(id) {
	const tr = el('tr', 'node');
	tr.dataset.id = id;
	const c = {};		/* label -> its cell */
	for (const label of COLUMNS) {
		const td = el('td', label === 'Cores' ? 'num' : label ? '' : 'actions');
		if (label)
			td.dataset.label = label;
		tr.appendChild(td);
		c[label] = td;
	}
	/* Host: name, the node id underneath, and a tag while it sends jobs. */
	const host = el('span', 'host-name');
	const idEl = el('span', 'node-id', id.slice(0, 8));
	idEl.title = id;
	const building = el('span', 'tag tag-building', 'building');
	c.Host.append(host, idEl);
	const addr = el('span', 'addr');
	const advertised = el('span', 'tag tag-advertised', 'advertised');
	advertised.title = 'The address this node advertises (NAT), not the one it connects from';
	c.Address.append(addr);
	const cores = el('span', 'cores');
	const priority = el('span', 'priority');
	priority.title = 'How its jobs run: under SCHED_IDLE, or at this nice value';
	c.Cores.append(cores, priority);
	const jobs = el('span', 'jobs');
	const meter = el('meter', 'jobs-meter');
	meter.min = 0;
	const served = el('span', 'served');
	c.Jobs.append(jobs, meter, served);
	/* State: the badge, when it last checked in, and why it is unhealthy. */
	const badge = el('span', 'state');
	const seen = el('span', 'seen');
	const reason = el('span', 'health-reason');
	c.State.append(badge, seen, reason);
	const list = el('ul', 'compilers');
	c.Compilers.appendChild(list);
	const button = el('button', 'btn btn-small btn-ghost-danger expunge', 'Expunge');
	button.type = 'button';
	button.addEventListener('click', () => expungeNode(id));
	c[''].appendChild(button);
	return { id, tr, c, host, building, addr, advertised, cores, priority, jobs, meter, served, badge, seen, reason, list, button,
	    compilersKey: null };
}

/* Puts a tag into its cell or takes it out (not just hidden: the cell's text stays the value). */
function showTag(cell, tag, on) {
	if (on && !tag.isConnected)
		cell.appendChild(tag);
	else if (!on && tag.isConnected)
		tag.remove();
}

function formatAddr(addr, port) {
	const a = str(addr);
	const p = num(port);
	const host = a.includes(':') ? '[' + a + ']' : a;
	return p === null ? host : host + ':' + p;
}

function formatLoad(load) {
	if (!Array.isArray(load))
		return '—';
	return load.slice(0, 3).map((v) => {
		const x = num(v);
		return x === null ? '?' : x.toFixed(2);
	}).join(' ');
}

/* The fingerprint most of the project's nodes have for each compiler name. */
function commonBuilds() {
	const m = new Map();
	for (const g of state.compilers)
		m.set(g.name, g.builds[0].fp);
	return m;
}

function updateCompilers(row, compilers, common) {
	const list = Array.isArray(compilers) ? compilers : [];
	const parts = list.map((c) => {
		if (!c || typeof c !== 'object')
			return [str(c), '', '', false];
		const fp = str(c.fp), want = common.get(str(c.name));
		return [str(c.name), str(c.version), str(c.target), !!fp && !!want && fp !== want];
	});
	const key = JSON.stringify(parts);
	if (key === row.compilersKey)
		return;
	row.compilersKey = key;
	row.list.replaceChildren(...parts.map(([name, version, target, odd]) => {
		const li = el('li', odd ? 'cc-odd' : '');
		li.appendChild(el('span', 'cc-name', name));
		if (version)
			li.appendChild(el('span', 'cc-version', version));
		if (odd) {
			const tag = el('span', 'tag tag-warn', 'differs');
			tag.title = 'Another build of ' + name + ' than most nodes have: it gets only jobs from builders with this same build';
			li.appendChild(tag);
		}
		if (target)
			li.appendChild(el('span', 'cc-target', target));
		return li;
	}));
	if (!parts.length)
		row.list.appendChild(el('li', 'muted', '—'));
}

/* online, unhealthy (online but failing its self-check) or offline. */
function nodeState(n) {
	if (n.state !== 'online')
		return 'offline';
	return n.health && typeof n.health === 'object' && n.health.ok === false ? 'unhealthy' : 'online';
}

function updateNodeRow(row, n, senders, common) {
	const c = row.c;
	const st = nodeState(n);
	setText(row.host, str(n.hostname) || '—');
	setAttr(row.button, 'aria-label', 'Expunge node ' + (str(n.hostname) || row.id));
	const sending = senders.get(row.id);
	showTag(c.Host, row.building, !!sending && st !== 'offline');
	setAttr(row.building, 'title', sending ? 'sending ' + plural(sending, 'job', 'jobs') + ' now' : '');
	setText(c.Owner, str(n.owner) || '—');
	setText(row.addr, formatAddr(n.addr, n.port));
	showTag(c.Address, row.advertised, n.advertised === true);
	setText(row.cores, num(n.cores) === null ? '—' : String(n.cores));
	setText(row.priority, n.sched === 'idle' ? 'idle' : num(n.nice) === null ? '' : 'nice ' + n.nice);

	/* Jobs: running of the slots it offers now, and how many it has done. */
	const slots = num(n.slots), jobs = n.jobs && typeof n.jobs === 'object' ? n.jobs : {};
	const running = num(jobs.running);
	const on = st !== 'offline';
	setText(row.jobs, !on || slots === null ? '—' : (running === null ? '?' : running) + ' / ' + slots);
	row.meter.hidden = !on || slots === null || slots === 0;
	row.meter.max = Math.max(slots || 1, 1);
	row.meter.value = running || 0;
	setAttr(row.meter, 'title', running === null || slots === null ? '' : running + ' of ' + slots + ' slots busy');
	const served = num(jobs.served);
	setText(row.served, served === null ? '' : served + ' served');
	row.tr.classList.toggle('busy', on && (running || 0) > 0);

	setText(c.Load, formatLoad(n.load));

	/* State: unhealthy and slot-less nodes are left out of every host list. */
	setText(row.badge, st);
	setAttr(row.badge, 'class', 'state state-' + st);
	const why = st === 'unhealthy' ? str(n.health.reason) || 'its self-check failed'
	    : st === 'online' && slots === 0 ? 'offers no slots now' : '';
	setText(row.reason, why);
	setAttr(row.reason, 'title', why ? 'Left out of the host lists until this clears' : '');
	row.tr.classList.toggle('offline', st === 'offline');
	row.tr.classList.toggle('unhealthy', st === 'unhealthy');
	setText(row.seen, ago(n.age));
	setAttr(row.seen, 'title', 'last check-in ' + dateTime(n.last_seen));
	setText(c.Version, str(n.version) || '—');
	updateCompilers(row, n.compilers, common);
}

const STATE_ORDER = { online: 0, unhealthy: 1, offline: 2 };

function nodeOrder(a, b) {
	const oa = STATE_ORDER[nodeState(a)], ob = STATE_ORDER[nodeState(b)];
	if (oa !== ob)
		return oa - ob;
	return str(a.hostname).localeCompare(str(b.hostname)) || str(a.id).localeCompare(str(b.id));
}

function renderNodes() {
	const tbody = $('node-rows');
	const nodes = state.nodes.slice().sort(nodeOrder);
	const seen = new Set();
	const senders = buildingNodes();
	const common = commonBuilds();
	let prev = null;
	for (const n of nodes) {
		const id = str(n.id);
		if (!id || seen.has(id))
			continue;
		seen.add(id);
		let row = nodeRows.get(id);
		if (!row) {
			row = makeNodeRow(id);
			nodeRows.set(id, row);
		}
		updateNodeRow(row, n, senders, common);
		const want = prev ? prev.nextSibling : tbody.firstChild;
		if (want !== row.tr)
			tbody.insertBefore(row.tr, want);
		prev = row.tr;
	}
	for (const [id, row] of nodeRows) {
		if (!seen.has(id)) {
			row.tr.remove();
			nodeRows.delete(id);
		}
	}
	const online = nodes.filter((n) => n.state === 'online').length;
	const sick = nodes.filter((n) => nodeState(n) === 'unhealthy').length;
	$('nodes-empty').hidden = seen.size > 0;
	$('nodes').hidden = seen.size === 0;
	setText($('nodes-count'), seen.size ? online + ' of ' + seen.size + ' online' +
	    (sick ? ', ' + sick + ' unhealthy' : '') : '');
}

function clearNodes() {
	for (const row of nodeRows.values())
		row.tr.remove();
	nodeRows.clear();
}

async function expungeNode(id) {
	const n = state.nodes.find((x) => str(x.id) === id);
	const label = n && str(n.hostname) ? str(n.hostname) : id;
	const ok = await confirmBox('Expunge node ' + label + '?',
	    'The node ' + id + ' is removed from the project now. If its heartbeat is still running, it joins again at its next check-in.',
	    'Expunge');
	if (!ok)
		return;
	try {
		await adminCall('DELETE', '/api/v1/nodes/' + enc(id));
		const row = nodeRows.get(id);
		if (row) {
			row.tr.remove();
			nodeRows.delete(id);
		}
		state.nodes = state.nodes.filter((x) => str(x.id) !== id);
		toast('Node ' + label + ' expunged.');
		refresh();
	} catch (e) {
		if (e.status !== -1)
			toast('Could not expunge node ' + label + ': ' + e.message, 'error');
	}
}

/* Removes every offline node of the project at once (admin). */
async function purgeOffline() {
	const name = state.selected;
	const n = state.nodes.filter((x) => x.state !== 'online').length;
	const ok = await confirmBox('Remove the offline nodes of ' + name + '?',
	    plural(n, 'offline node is', 'offline nodes are') + ' removed from the project now. ' +
	    'A machine whose heartbeat comes back joins again at its next check-in.',
	    'Remove offline nodes');
	if (!ok)
		return;
	try {
		const r = await adminCall('DELETE', '/api/v1/projects/' + enc(name) + '/nodes?state=offline');
		const gone = r && num(r.deleted) !== null ? r.deleted : n;
		toast('Removed ' + plural(gone, 'offline node', 'offline nodes') + ' from ' + name + '.');
		refresh();
	} catch (e) {
		if (e.status !== -1)
			toast('Could not remove the offline nodes of ' + name + ': ' + e.message, 'error');
	}
}

/* ---- activity: who is building now, and the compiler table ---- */

/* Node id -> jobs it sends now, from the activity reply. */
function buildingNodes() {
	const m = new Map();
	for (const b of activityList('building'))
		if (typeof b.node === 'string')
			m.set(b.node, (m.get(b.node) || 0) + (num(b.jobs) || 0));
	return m;
}

/* The objects of one array of the activity reply. */
function activityList(field) {
	const a = state.activity;
	const list = a && Array.isArray(a[field]) ? a[field] : [];
	return list.filter((x) => x && typeof x === 'object');
}

/*
 * The activity reply's compilers as [{name, builds: [{fp, version, target,
 * nodes: [id]}]}], by name, each name's builds most common first (so
 * builds[0] is what most nodes have).
 */
function compilerTable() {
	const names = new Map();
	for (const c of activityList('compilers')) {
		const name = str(c.name);
		if (!names.has(name))
			names.set(name, []);
		names.get(name).push({
			fp: str(c.fp), version: str(c.version), target: str(c.target),
			nodes: Array.isArray(c.nodes) ? c.nodes.map(str) : [],
		});
	}
	return [...names].sort((a, b) => a[0].localeCompare(b[0])).map(([name, builds]) => ({
		name, builds: builds.sort((a, b) => b.nodes.length - a.nodes.length),
	}));
}

/* A node's hostname by id (its short id when it has none or is unknown). */
function hostOf(id) {
	const n = state.nodes.find((x) => str(x.id) === id);
	return n && str(n.hostname) ? str(n.hostname) : id.slice(0, 8);
}

/* Where a build is: "hopper", "volta and curie", or "4 nodes". */
function whereBuild(ids) {
	return ids.length <= 2 ? ids.map(hostOf).join(' and ') || 'no node' : ids.length + ' nodes';
}

/* What tells one build from the others of its name: version, then target, then fingerprint. */
function buildLabel(b, builds) {
	const same = builds.filter((x) => x.version === b.version);
	if (same.length === 1 && b.version)
		return b.version;
	if (same.filter((x) => x.target === b.target).length === 1 && b.target)
		return (b.version ? b.version + ' ' : '') + '(' + b.target + ')';
	return (b.version ? b.version + ' ' : '') + '(build ' + b.fp.slice(0, 8) + ')';
}

let buildingKey = null, compilersKey = null;

function renderActivity() {
	const people = activityList('building').map((b) => [str(b.addr), str(b.node), str(b.hostname), str(b.owner), num(b.jobs) || 0])
	    .sort((x, y) => y[4] - x[4] || x[0].localeCompare(y[0]));
	const bKey = JSON.stringify(people);
	if (bKey !== buildingKey) {
		buildingKey = bKey;
		$('building').replaceChildren(...people.map(([addr, node, hostname, owner, jobs]) => {
			const li = el('li', 'builder');
			li.dataset.addr = addr;
			if (node)
				li.dataset.node = node;
			li.append(el('span', 'builder-host', hostname || addr),
			    el('span', 'builder-owner', owner ? owner : node ? '' : 'not a member'),
			    el('span', 'builder-jobs', plural(jobs, 'job', 'jobs')),
			    el('span', 'builder-addr', addr));
			return li;
		}));
		$('building-empty').hidden = people.length > 0;
		setText($('building-count'), people.length ? plural(people.reduce((t, p) => t + p[4], 0), 'job', 'jobs') +
		    ' from ' + plural(people.length, 'member', 'members') : '');
	}

	const groups = state.compilers;
	const cKey = JSON.stringify([groups, groups.map((g) => g.builds.map((b) => b.nodes.map(hostOf)))]);
	if (cKey === compilersKey)
		return;
	compilersKey = cKey;
	const warnings = [], rows = [];
	for (const g of groups) {
		const split = g.builds.length > 1;
		if (split) {
			const p = el('p', 'warn cc-warning', g.name + ': ' +
			    g.builds.map((b) => buildLabel(b, g.builds) + ' on ' + whereBuild(b.nodes)).join(', '));
			p.dataset.compiler = g.name;
			warnings.push(p);
		}
		g.builds.forEach((b, i) => {
			const tr = el('tr', 'cc-build' + (split && i > 0 ? ' cc-odd' : ''));
			tr.dataset.compiler = g.name;
			tr.dataset.fp = b.fp;
			const name = el('td', 'cc-name' + (i > 0 ? ' cc-again' : ''), g.name);
			name.dataset.label = 'Compiler';
			if (split && i === 0)
				name.appendChild(el('span', 'tag tag-warn', plural(g.builds.length, 'build', 'builds')));
			const fp = el('td', 'cc-fp', b.fp.slice(0, 12));
			fp.title = b.fp;
			fp.dataset.label = 'Fingerprint';
			const where = el('td', 'cc-nodes', b.nodes.map(hostOf).join(', ') || '—');
			where.dataset.label = plural(b.nodes.length, 'node', 'nodes');
			const version = el('td', '', b.version || '—');
			version.dataset.label = 'Version';
			const target = el('td', 'cc-target', b.target || '—');
			target.dataset.label = 'Target';
			tr.append(name, version, target, fp, where);
			rows.push(tr);
		});
	}
	$('cc-warnings').replaceChildren(...warnings);
	$('cc-rows').replaceChildren(...rows);
	$('cc-table').hidden = rows.length === 0;
	$('cc-empty').hidden = rows.length > 0;
	setText($('cc-count'), groups.length ? plural(groups.length, 'compiler', 'compilers') +
	    (warnings.length ? ', ' + warnings.length + ' with several builds' : '') : '');
}

/* ---- the pool-size chart (SVG, drawn here) ---- */

const CHART_H = 200;
const PAD = { left: 40, right: 14, top: 14, bottom: 26 };
let chart = null;	/* the chart's SVG elements, made once */

/* An SVG element with a class and attributes. */
function svg(tag, cls, attrs) {
	const e = document.createElementNS(SVG_NS, tag);
	if (cls)
		e.setAttribute('class', cls);
	for (const name in attrs)
		e.setAttribute(name, attrs[name]);
	return e;
}

function svgLine(cls, x1, y1, x2, y2) {
	return svg('line', cls, { x1, y1, x2, y2 });
}

function svgText(cls, x, y, text) {
	const e = svg('text', cls, { x, y });
	e.textContent = text;
	return e;
}

function makeChart() {
	const root = $('chart');
	const grid = svg('g', 'chart-grid');
	const axis = svg('g', 'chart-axis');
	const area = svg('path', 'chart-area');
	const line = svg('path', 'chart-line');
	line.id = 'chart-line';
	const busyArea = svg('path', 'chart-busy-area');
	const busyLine = svg('path', 'chart-busy-line');
	busyLine.id = 'chart-busy';
	const dot = svg('circle', 'chart-dot');
	dot.setAttribute('r', '3.5');
	const hover = svg('g', 'chart-hover');
	const hoverLine = svg('line', 'chart-hover-line');
	const hoverBox = svg('rect', 'chart-hover-box');
	const hoverText = svg('text', 'chart-hover-text');
	hover.append(hoverLine, hoverBox, hoverText);
	hover.setAttribute('visibility', 'hidden');
	root.append(grid, area, busyArea, line, busyLine, dot, axis, hover);
	chart = { root, grid, axis, area, line, busyArea, busyLine, dot, hover, hoverLine, hoverBox, hoverText, geom: null };
}

/* A round step for about `count` ticks up to max: 1, 2, 5, 10, 20, 50 … */
function niceStep(max, count) {
	const raw = Math.max(max / count, 1);
	const mag = Math.pow(10, Math.floor(Math.log10(raw)));
	for (const m of [1, 2, 5, 10])
		if (m * mag >= raw)
			return m * mag;
	return 10 * mag;
}

/*
 * The samples as [t, threads, nodes, busy], sorted, with the values in force
 * at t0 first; busy is null in samples of a server that does not count it.
 */
function chartSeries(h, t0) {
	const raw = Array.isArray(h.samples) ? h.samples : [];
	const all = raw.map((s) => [num(s && s.t), num(s && s.threads), num(s && s.nodes), num(s && s.busy)])
	    .filter((s) => s[0] !== null && s[1] !== null)
	    .sort((a, b) => a[0] - b[0]);
	const before = all.filter((s) => s[0] <= t0);
	const inside = all.filter((s) => s[0] > t0);
	if (before.length)
		inside.unshift([t0, ...before[before.length - 1].slice(1)]);
	return inside;
}

/* A step line through column `k` of the series, from its first sample to x1. */
function stepPath(series, k, X, Y, x1) {
	let d = 'M' + X(series[0][0]).toFixed(1) + ' ' + Y(series[0][k] || 0).toFixed(1);
	for (let i = 1; i < series.length; i++)
		d += 'H' + X(series[i][0]).toFixed(1) + 'V' + Y(series[i][k] || 0).toFixed(1);
	return d + 'H' + x1.toFixed(1);
}

function renderChart() {
	const h = state.history;
	if (!h) {
		clearChart();
		return;
	}
	if (!chart)
		makeChart();
	const now = num(h.now) || Date.now() / 1000;
	const win = num(h.window) || 3600;
	let t0 = now - win;
	const series = chartSeries(h, t0);
	/* A project younger than the window: span the samples there are (a minute at least). */
	if (series.length && series[0][0] > t0)
		t0 = Math.min(series[0][0], now - 60);
	const span = now - t0;
	setText($('chart-title'), span >= win - 1 ? 'Pool size, last hour' : 'Pool size since ' + clock(t0, span < 600));
	const hasBusy = series.some((s) => s[3] !== null);
	const width = Math.max(Math.round(chart.root.getBoundingClientRect().width), 280);
	setAttr(chart.root, 'viewBox', '0 0 ' + width + ' ' + CHART_H);
	const x0 = PAD.left, x1 = width - PAD.right, y0 = CHART_H - PAD.bottom, y1 = PAD.top;
	const maxV = series.reduce((m, s) => Math.max(m, s[1], s[3] || 0), 0);
	const step = niceStep(Math.max(maxV, 4), 4);
	const top = Math.max(step * Math.ceil((maxV || 1) / step), step);
	const X = (t) => x0 + (Math.min(Math.max(t, t0), now) - t0) / span * (x1 - x0);
	const Y = (v) => y0 - v / top * (y0 - y1);
	chart.geom = { t0, span, x0, x1, series };

	/* Grid and axis labels. */
	const grid = [], axis = [];
	for (let v = 0; v <= top + 1e-9; v += step) {
		const y = Y(v).toFixed(1);
		grid.push(svgLine('', x0, y, x1, y));
		axis.push(svgText('chart-ylabel', x0 - 6, y, String(v)));
	}
	/* Time ticks: as many as fit, at most 6; labels with seconds are wider. */
	const fits = (st) => span / st <= Math.min(6, (x1 - x0) / (st < 60 ? 70 : 48));
	const tick = [10, 15, 30, 60, 120, 300, 600, 900, 1800].find(fits) || 3600;
	for (let t = Math.ceil(t0 / tick) * tick; t <= now; t += tick) {
		const x = X(t).toFixed(1);
		grid.push(svgLine('chart-vgrid', x, y1, x, y0));
		if (X(t) - x0 > 24 && x1 - X(t) > (tick < 60 ? 64 : 44))
			axis.push(svgText('chart-xlabel', x, CHART_H - 8, clock(t, tick < 60)));
	}
	axis.push(svgText('chart-xlabel chart-xlabel-now', x1, CHART_H - 8, 'now'));
	axis.push(svgLine('chart-base', x0, y0, x1, y0));
	chart.grid.replaceChildren(...grid);
	chart.axis.replaceChildren(...axis);

	/* The step line: flat while the pool stays, a vertical jump when it changes. */
	$('chart-empty').hidden = series.length > 0;
	const last = series[series.length - 1];
	const nowEl = $('chart-now');
	if (!series.length) {
		for (const p of [chart.line, chart.area, chart.busyLine, chart.busyArea])
			setAttr(p, 'd', '');
		chart.dot.setAttribute('visibility', 'hidden');
		setText(nowEl, '');
		nowEl.removeAttribute('data-threads');
		nowEl.removeAttribute('data-busy');
		return;
	}
	/* Online threads as a line over its area; the busy ones as a darker area under it. */
	const close = 'V' + y0.toFixed(1) + 'H' + X(series[0][0]).toFixed(1) + 'Z';
	const d = stepPath(series, 1, X, Y, x1);
	setAttr(chart.line, 'd', d);
	setAttr(chart.area, 'd', d + close);
	const b = hasBusy ? stepPath(series, 3, X, Y, x1) : '';
	setAttr(chart.busyLine, 'd', b);
	setAttr(chart.busyArea, 'd', b ? b + close : '');
	$('chart-legend').hidden = !hasBusy;
	chart.dot.setAttribute('visibility', 'visible');
	setAttr(chart.dot, 'cx', x1.toFixed(1));
	setAttr(chart.dot, 'cy', Y(last[1]).toFixed(1));
	setText(nowEl, plural(last[1], 'thread', 'threads') + (last[3] === null ? '' : ', ' + last[3] + ' busy') +
	    (last[2] === null ? '' : ' on ' + plural(last[2], 'node', 'nodes')) + ' now');
	setAttr(nowEl, 'data-threads', String(last[1]));
	if (last[3] === null)
		nowEl.removeAttribute('data-busy');
	else
		setAttr(nowEl, 'data-busy', String(last[3]));
}

function chartHoverEnd() {
	if (chart)
		chart.hover.setAttribute('visibility', 'hidden');
}

function chartHover(ev) {
	const g = chart && chart.geom;
	if (!g || !g.series.length)
		return;
	const rect = chart.root.getBoundingClientRect();
	const vb = chart.root.viewBox.baseVal;
	const x = (ev.clientX - rect.left) * (vb.width / rect.width);
	if (x < g.x0 || x > g.x1) {
		chart.hover.setAttribute('visibility', 'hidden');
		return;
	}
	const t = g.t0 + (x - g.x0) / (g.x1 - g.x0) * g.span;
	let s = null;
	for (const cand of g.series)
		if (cand[0] <= t)
			s = cand;
	if (!s) {
		chart.hover.setAttribute('visibility', 'hidden');
		return;
	}
	chart.hoverLine.setAttribute('x1', x);
	chart.hoverLine.setAttribute('x2', x);
	chart.hoverLine.setAttribute('y1', PAD.top);
	chart.hoverLine.setAttribute('y2', CHART_H - PAD.bottom);
	chart.hoverText.textContent = clock(t, g.span < 600) + '  ' + plural(s[1], 'thread', 'threads') +
	    (s[3] === null ? '' : ', ' + s[3] + ' busy');
	const tx = x + 110 > g.x1 ? x - 8 : x + 8;
	chart.hoverText.setAttribute('x', tx);
	chart.hoverText.setAttribute('y', PAD.top + 14);
	chart.hoverText.setAttribute('text-anchor', tx < x ? 'end' : 'start');
	chart.hover.setAttribute('visibility', 'visible');
	const box = chart.hoverText.getBBox();
	chart.hoverBox.setAttribute('x', box.x - 5);
	chart.hoverBox.setAttribute('y', box.y - 3);
	chart.hoverBox.setAttribute('width', box.width + 10);
	chart.hoverBox.setAttribute('height', box.height + 6);
}

function clearChart() {
	if (chart) {
		chart.root.replaceChildren($('chart-desc'));
		chart = null;
	}
	$('chart-empty').hidden = true;
	setText($('chart-now'), '');
	$('chart-legend').hidden = true;
}

/* ---- polling ---- */

let running = false, again = false, timer = 0;

/* The connection indicator: null when the last poll worked, else what went wrong. */
function setProblem(problem) {
	if (state.problem === problem)
		return;
	state.problem = problem;
	const c = $('conn');
	setText(c, problem === null ? 'live' : problem + ', retrying…');
	c.className = 'conn ' + (problem === null ? 'conn-live' : 'conn-down');
}

/*
 * One round: the project list, then the selected project's nodes, history
 * and activity. Those of a keyed project are read with its key (or the admin
 * token); without one, or when the server refuses it, the project shows its
 * lock form instead. An open project never asks.
 */
async function refreshOnce() {
	const name = state.selected;
	let projects;
	try {
		projects = await api('GET', '/api/v1/projects');
	} catch (e) {
		setProblem(e.status === 0 ? 'server unreachable' : 'server error: ' + e.message);
		return;
	}
	setProblem(null);
	if (name !== state.selected)
		return;		/* the selection changed meanwhile; the next round loads it */
	const list = projects && Array.isArray(projects.projects) ? projects.projects : [];
	state.projects = new Map(list.filter((p) => p && typeof p.name === 'string').map((p) => [p.name, p]));
	renderProjects();
	const p = name ? state.projects.get(name) : null;
	if (name && !p) {
		toast('Project ' + name + ' no longer exists.');
		select(null);
		return;
	}
	if (p)
		await refreshProject(name, p.keyed !== false);
	renderDetail();
	renderChart();		/* after renderDetail, so the chart measures a visible box */
}

async function refreshProject(name, keyed) {
	const bearer = keyed ? readBearer(name) : null;
	if (keyed && !bearer) {
		lockProject(null);
		return;
	}
	const base = '/api/v1/projects/' + enc(name);
	const [nodes, hist, act] = await Promise.allSettled([
		api('GET', '/api/v1/nodes?project=' + enc(name), undefined, bearer),
		api('GET', base + '/history', undefined, bearer),
		api('GET', base + '/activity', undefined, bearer),
	]);
	if (name !== state.selected)
		return;
	const refused = [nodes, hist, act].find((r) => r.status === 'rejected' &&
	    (r.reason.status === 401 || r.reason.status === 403));
	if (keyed && refused) {
		dropBearer(name, bearer);
		lockProject(refused.reason.message);
		return;
	}
	state.locked = false;
	state.lockError = null;
	if (nodes.status === 'fulfilled' && nodes.value && Array.isArray(nodes.value.nodes))
		state.nodes = nodes.value.nodes.filter((n) => n && typeof n === 'object');
	if (hist.status === 'fulfilled' && hist.value)
		state.history = hist.value;
	/* A 1.0 server has no activity: no builders, no compiler table. */
	if (act.status === 'fulfilled' || act.reason.status === 404)
		state.activity = act.status === 'fulfilled' ? act.value : null;
	state.compilers = compilerTable();
	renderNodes();
	renderActivity();
}

/* Shows the lock form instead of a keyed project's private parts. */
function lockProject(refusal) {
	if (!state.locked) {
		state.nodes = [];
		state.history = null;
		state.activity = null;
		state.compilers = [];
		clearNodes();
		clearChart();
		renderActivity();
	}
	state.locked = true;
	if (refusal !== null)
		state.lockError = refusal;
}

/* Polls now, then every POLL_MS; calls made while one runs are folded into one more round. */
async function refresh() {
	if (running) {
		again = true;
		return;
	}
	running = true;
	clearTimeout(timer);
	try {
		do {
			again = false;
			await refreshOnce();
		} while (again);
	} catch (e) {
		toast('Panel error: ' + e.message, 'error');
	} finally {
		running = false;
		timer = setTimeout(refresh, document.hidden ? POLL_MS * 4 : POLL_MS);
	}
}

/* ---- start ---- */

function start() {
	$('create-form').addEventListener('submit', createProject);
	$('delete-project').addEventListener('click', deleteProject);
	$('purge-offline').addEventListener('click', purgeOffline);
	$('advertise').addEventListener('change', toggleAdvertise);
	$('lock').addEventListener('submit', unlock);
	$('admin-forget').addEventListener('click', forgetSecrets);
	$('token-cancel').addEventListener('click', () => $('token-dialog').close('cancel'));
	for (const b of document.querySelectorAll('button.copy'))
		b.addEventListener('click', () => copyText($(b.dataset.copy).textContent, b));
	window.addEventListener('hashchange', applySelection);
	document.addEventListener('visibilitychange', () => {
		if (!document.hidden)
			refresh();
	});
	$('chart').addEventListener('pointermove', chartHover);
	$('chart').addEventListener('pointerleave', chartHoverEnd);
	/* Redraw at the new size, so the chart's text never stretches. */
	let chartWidth = 0;
	new ResizeObserver((entries) => {
		const w = Math.round(entries[0].contentRect.width);
		if (w !== chartWidth && w > 0) {
			chartWidth = w;
			renderChart();
		}
	}).observe($('chart'));
	updateAdminUi();
	state.selected = selectedFromHash();
	renderDetail();
	refresh();
}

start();

})();

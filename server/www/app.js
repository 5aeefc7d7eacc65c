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
const SVG_NS = 'http://www.w3.org/2000/svg';

const state = {
	selected: null,		/* name of the selected project, or null */
	projects: new Map(),	/* name -> last project record from the server */
	nodes: [],		/* nodes of the selected project */
	history: null,		/* last history reply of the selected project */
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
 * One API v1 call. Resolves to the parsed JSON reply; rejects with an
 * ApiError carrying the HTTP status (0 when the server was not reached)
 * and the server's own error message.
 */
async function api(method, path, body, withToken) {
	const headers = { 'Accept': 'application/json' };
	const opts = { method, headers, cache: 'no-store', credentials: 'same-origin' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		opts.body = JSON.stringify(body);
	}
	const token = withToken ? sessionStorage.getItem(TOKEN_KEY) : null;
	if (token)
		headers['Authorization'] = 'Bearer ' + token;
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
			return await api(method, path, body, true);
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

function updateAdminUi() {
	$('admin-forget').hidden = sessionStorage.getItem(TOKEN_KEY) === null;
}

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
	/* An HTTP header carries printable ASCII only. */
	if (!/^[\x21-\x7e]+$/.test(token))
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
	clearNodes();
	clearChart();
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

/* The project panel on the right: header and numbers. */
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
	setText($('stat-threads'), String(num(p.threads_online) || 0));
	setText($('stat-nodes'), String(num(p.nodes_online) || 0));
	const offline = state.nodes.filter((n) => n.state !== 'online').length;
	setText($('stat-offline'), String(offline));
	setText($('stat-keyed'), p.keyed === false ? 'Open' : 'Keyed');
	setText($('stat-keyed-label'), p.keyed === false ? 'anyone may join' : 'join key needed');
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

/* Shows a new project's join key once, with the commands that use it. */
function showKey(name, key) {
	const server = location.origin;
	let cmd = 'sudo scripts/install-client.sh --server ' + server + ' --project ' + name;
	let conf = 'server ' + server + '\nproject ' + name + '\n';
	if (key) {
		cmd += ' --key ' + key;
		conf += 'key ' + key + '\n';
	}
	cmd += ' --yes';
	$('key-project').textContent = name;
	$('key-value').textContent = key || '';
	$('key-keyed').hidden = !key;
	$('key-open').hidden = !!key;
	$('key-command').textContent = cmd;
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
		toast('Project ' + name + ' deleted.');
		select(null);
		renderProjects();
	} catch (e) {
		if (e.status !== -1)
			toast('Could not delete project ' + name + ': ' + e.message, 'error');
	}
}

/* ---- nodes ---- */

const COLUMNS = ['Host', 'Owner', 'Address', 'Cores', 'Nice', 'Load', 'State', 'Last seen', 'Version', 'Compilers', ''];
const nodeRows = new Map();	/* id -> the row's elements (see makeNodeRow) */

function makeNodeRow(id) {
	const tr = el('tr', 'node');
	tr.dataset.id = id;
	const cells = COLUMNS.map((label, i) => {
		const td = el('td');
		if (label)
			td.dataset.label = label;
		if (i === 3 || i === 4)
			td.className = 'num';
		tr.appendChild(td);
		return td;
	});
	/* Host: name, and the node id underneath. */
	const host = el('span', 'host-name');
	const idEl = el('span', 'node-id', id.slice(0, 8));
	idEl.title = id;
	cells[0].append(host, idEl);
	const badge = el('span', 'state');
	cells[6].appendChild(badge);
	const list = el('ul', 'compilers');
	cells[9].appendChild(list);
	const button = el('button', 'btn btn-small btn-ghost-danger expunge', 'Expunge');
	button.type = 'button';
	button.addEventListener('click', () => expungeNode(id));
	cells[10].className = 'actions';
	cells[10].appendChild(button);
	return { id, tr, cells, host, badge, list, button, compilersKey: null };
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

function updateCompilers(row, compilers) {
	const list = Array.isArray(compilers) ? compilers : [];
	const parts = list.map((c) => c && typeof c === 'object'
	    ? [str(c.name), str(c.version), str(c.target)] : [str(c), '', '']);
	const key = JSON.stringify(parts);
	if (key === row.compilersKey)
		return;
	row.compilersKey = key;
	row.list.replaceChildren(...parts.map(([name, version, target]) => {
		const li = el('li');
		li.appendChild(el('span', 'cc-name', name));
		if (version)
			li.appendChild(el('span', 'cc-version', version));
		if (target)
			li.appendChild(el('span', 'cc-target', target));
		return li;
	}));
	if (!parts.length)
		row.list.appendChild(el('li', 'muted', '—'));
}

function updateNodeRow(row, n) {
	const c = row.cells;
	setText(row.host, str(n.hostname) || '—');
	setAttr(row.button, 'aria-label', 'Expunge node ' + (str(n.hostname) || row.id));
	setText(c[1], str(n.owner) || '—');
	setText(c[2], formatAddr(n.addr, n.port));
	setText(c[3], num(n.cores) === null ? '—' : String(n.cores));
	setText(c[4], num(n.nice) === null ? '—' : String(n.nice));
	setText(c[5], formatLoad(n.load));
	const online = n.state === 'online';
	setText(row.badge, online ? 'online' : 'offline');
	setAttr(row.badge, 'class', 'state ' + (online ? 'state-online' : 'state-offline'));
	row.tr.classList.toggle('offline', !online);
	setText(c[7], ago(n.age));
	setAttr(c[7], 'title', dateTime(n.last_seen));
	setText(c[8], str(n.version) || '—');
	updateCompilers(row, n.compilers);
}

function nodeOrder(a, b) {
	const oa = a.state === 'online' ? 0 : 1, ob = b.state === 'online' ? 0 : 1;
	if (oa !== ob)
		return oa - ob;
	return str(a.hostname).localeCompare(str(b.hostname)) || str(a.id).localeCompare(str(b.id));
}

function renderNodes() {
	const tbody = $('node-rows');
	const nodes = state.nodes.slice().sort(nodeOrder);
	const seen = new Set();
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
		updateNodeRow(row, n);
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
	$('nodes-empty').hidden = seen.size > 0;
	$('nodes').hidden = seen.size === 0;
	setText($('nodes-count'), seen.size ? online + ' of ' + seen.size + ' online' : '');
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
	const dot = svg('circle', 'chart-dot');
	dot.setAttribute('r', '3.5');
	const hover = svg('g', 'chart-hover');
	const hoverLine = svg('line', 'chart-hover-line');
	const hoverBox = svg('rect', 'chart-hover-box');
	const hoverText = svg('text', 'chart-hover-text');
	hover.append(hoverLine, hoverBox, hoverText);
	hover.setAttribute('visibility', 'hidden');
	root.append(grid, area, line, dot, axis, hover);
	chart = { root, grid, axis, area, line, dot, hover, hoverLine, hoverBox, hoverText, geom: null };
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

/* The samples as [t, threads, nodes], sorted, with the value in force at t0 first. */
function chartSeries(h, t0) {
	const raw = Array.isArray(h.samples) ? h.samples : [];
	const all = raw.map((s) => [num(s && s.t), num(s && s.threads), num(s && s.nodes)])
	    .filter((s) => s[0] !== null && s[1] !== null)
	    .sort((a, b) => a[0] - b[0]);
	const before = all.filter((s) => s[0] <= t0);
	const inside = all.filter((s) => s[0] > t0);
	if (before.length)
		inside.unshift([t0, before[before.length - 1][1], before[before.length - 1][2]]);
	return inside;
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
	const width = Math.max(Math.round(chart.root.getBoundingClientRect().width), 280);
	setAttr(chart.root, 'viewBox', '0 0 ' + width + ' ' + CHART_H);
	const x0 = PAD.left, x1 = width - PAD.right, y0 = CHART_H - PAD.bottom, y1 = PAD.top;
	const maxV = series.reduce((m, s) => Math.max(m, s[1]), 0);
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
	if (!series.length) {
		setAttr(chart.line, 'd', '');
		setAttr(chart.area, 'd', '');
		chart.dot.setAttribute('visibility', 'hidden');
		setText($('chart-now'), '');
		$('chart-now').removeAttribute('data-threads');
		return;
	}
	let d = 'M' + X(series[0][0]).toFixed(1) + ' ' + Y(series[0][1]).toFixed(1);
	for (let i = 1; i < series.length; i++)
		d += 'H' + X(series[i][0]).toFixed(1) + 'V' + Y(series[i][1]).toFixed(1);
	d += 'H' + x1.toFixed(1);
	setAttr(chart.line, 'd', d);
	setAttr(chart.area, 'd', d + 'V' + y0.toFixed(1) + 'H' + X(series[0][0]).toFixed(1) + 'Z');
	chart.dot.setAttribute('visibility', 'visible');
	setAttr(chart.dot, 'cx', x1.toFixed(1));
	setAttr(chart.dot, 'cy', Y(last[1]).toFixed(1));
	const nowEl = $('chart-now');
	setText(nowEl, plural(last[1], 'thread', 'threads') +
	    (last[2] === null ? '' : ' on ' + plural(last[2], 'node', 'nodes')) + ' now');
	setAttr(nowEl, 'data-threads', String(last[1]));
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
	chart.hoverText.textContent = clock(t, g.span < 600) + '  ' + plural(s[1], 'thread', 'threads');
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

async function refreshOnce() {
	const name = state.selected;
	const calls = [api('GET', '/api/v1/projects')];
	if (name) {
		/* a keyed project's members need its key or the admin token */
		calls.push(api('GET', '/api/v1/nodes?project=' + enc(name), undefined, true));
		calls.push(api('GET', '/api/v1/projects/' + enc(name) + '/history', undefined, true));
	}
	const [projects, nodes, hist] = await Promise.allSettled(calls);
	if (projects.status === 'rejected') {
		const e = projects.reason;
		setProblem(e.status === 0 ? 'server unreachable' : 'server error: ' + e.message);
		return;
	}
	setProblem(null);
	if (name !== state.selected)
		return;		/* the selection changed meanwhile; the next round loads it */
	const list = projects.value && Array.isArray(projects.value.projects) ? projects.value.projects : [];
	state.projects = new Map(list.filter((p) => p && typeof p.name === 'string').map((p) => [p.name, p]));
	renderProjects();
	if (name && !state.projects.has(name)) {
		toast('Project ' + name + ' no longer exists.');
		select(null);
		return;
	}
	renderDetail();		/* first, so the chart measures a visible box */
	if (name) {
		if (nodes.status === 'fulfilled' && nodes.value && Array.isArray(nodes.value.nodes)) {
			state.nodes = nodes.value.nodes.filter((n) => n && typeof n === 'object');
			renderNodes();
		}
		if (hist.status === 'fulfilled' && hist.value) {
			state.history = hist.value;
			renderChart();
		}
	}
	renderDetail();
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
	$('admin-forget').addEventListener('click', () => {
		sessionStorage.removeItem(TOKEN_KEY);
		updateAdminUi();
		toast('Admin token forgotten for this tab.');
	});
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

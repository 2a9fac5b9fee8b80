// AcWs web console. Plain JavaScript, no framework, nothing fetched from elsewhere.
// It speaks only the public protocol: every button sends a command a user could type.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = 'acws.token';

  const st = {
    ws: null, opened: false, welcomed: false, wanted: false, retry: 0, retryTimer: 0,
    queue: [],              // commands waiting for their reply, oldest first
    info: null,             // last 'server info'
    drivers: new Map(),     // name → driver
    sessions: {}, pending: null,
    history: [], hpos: 0,
  };

  // ---------- small helpers ----------
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) for (const [k, v] of Object.entries(props)) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }
  const clock = (d) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  function duration(s) {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
  }
  function setMsg(id, text, ok) {
    const m = $(id);
    m.textContent = text || '';
    m.classList.toggle('bad', ok === false);
    m.classList.toggle('ok', ok === true);
  }
  const errOf = (f) => f && f.error ? (f.error.msg || 'error') : null;
  const msgOf = (f) => errOf(f) ?? (f && f.data && typeof f.data.msg === 'string' ? f.data.msg : '');

  // ---------- the event log ----------
  function log(kind, text) {
    const list = $('log');
    const li = el('li', { class: kind }, el('time', { text: clock(new Date()) }), el('span', { class: 'text', text }));
    list.append(li);
    while (list.children.length > 300) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }
  function logReply(f) {
    const e = errOf(f);
    if (e) { log('err', e); return; }
    const d = f.data || {};
    const keys = Object.keys(d);
    let text = typeof d.msg === 'string' ? d.msg : '';
    const rest = keys.filter((k) => k !== 'msg');
    if (rest.length) {
      const json = JSON.stringify(rest.length === keys.length ? d : Object.fromEntries(rest.map((k) => [k, d[k]])), null, 1);
      text += (text ? '\n' : '') + (json.length > 4000 ? json.slice(0, 4000) + ' …' : json);
    }
    log('reply', text || 'OK');
  }

  // ---------- the connection ----------
  function setConn(text, state) { const c = $('conn'); c.textContent = text; c.dataset.state = state; }

  function connect() {
    clearTimeout(st.retryTimer);
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token === null) { showLogin(''); return; }
    st.wanted = true;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The token goes only on the WebSocket URL: never in the page's URL, never in the log.
    const url = `${scheme}//${location.host}/` + (token ? `?token=${encodeURIComponent(token)}` : '');
    setConn('Connecting…', 'busy');
    $('connect').disabled = true;
    let ws;
    try { ws = new WebSocket(url); } catch (e) { refused(); return; }
    st.ws = ws; st.opened = false; st.welcomed = false; st.queue = [];
    ws.onopen = () => { st.opened = true; st.retry = 0; };
    ws.onmessage = (ev) => onFrame(ev.data);
    ws.onclose = (ev) => {
      if (st.ws !== ws) return;
      st.ws = null;
      for (const q of st.queue) q.resolve({ error: { msg: 'connection closed before the reply' } });
      st.queue = [];
      $('connect').disabled = false;
      if (!st.wanted) return;
      if (!st.opened) { refused(); return; }
      setConn('Disconnected', 'bad');
      log('err', `connection closed${ev.code ? ` (${ev.code}${ev.reason ? ': ' + ev.reason : ''})` : ''}; reconnecting…`);
      setDisabled(true);
      st.retry = Math.min(st.retry + 1, 5);
      st.retryTimer = setTimeout(connect, 1000 * 2 ** (st.retry - 1));
    };
  }

  // The browser does not say why an upgrade failed (401, 403 or no agent): /health tells which it is.
  async function refused() {
    st.ws = null;
    $('connect').disabled = false;
    let reachable = false;
    try { reachable = (await fetch('health', { cache: 'no-store' })).ok; } catch (e) { reachable = false; }
    if (reachable && st.opened === false && st.retry === 0) {
      sessionStorage.removeItem(TOKEN_KEY);
      st.wanted = false;
      setConn('Not connected', 'bad');
      showLogin('Wrong token: acws refused the connection. Enter the token acws was started with and try again. ' +
        '(If the token is right, this page\'s address is not allowed to connect: open the agent\'s own address or see --allow-origin.)');
    } else if (reachable) {
      st.retry = 0; connect();
    } else {
      setConn('Agent unreachable', 'bad');
      if ($('console').hidden) showLogin(`Cannot reach acws at ${location.host}: is it running?`);
      st.retry = Math.min(st.retry + 1, 5);
      st.retryTimer = setTimeout(connect, 1000 * 2 ** (st.retry - 1));
    }
  }

  function showLogin(error) {
    $('console').hidden = true;
    $('login').hidden = false;
    $('logout').hidden = true;
    $('login-error').textContent = error || '';
    $('token').value = '';
    $('token').focus();
  }

  function showConsole() {
    $('login').hidden = true;
    $('console').hidden = false;
    $('logout').hidden = false;
    $('login-error').textContent = '';
    setDisabled(false);
  }

  function setDisabled(off) {
    for (const b of $('console').querySelectorAll('button, input, select')) {
      if (off) { b.dataset.wasDisabled = b.disabled ? '1' : ''; b.disabled = true; } else if (b.dataset.wasDisabled !== undefined) { b.disabled = b.dataset.wasDisabled === '1'; delete b.dataset.wasDisabled; }
    }
  }

  // ---------- frames ----------
  // Every frame acws pushes on its own carries "event": true (and, in data, its topic); a reply never does.
  function isPush(f) {
    const body = f.error || f.data;
    return !!body && typeof body === 'object' && body.event === true;
  }

  function onFrame(text) {
    let f;
    try { f = JSON.parse(text); } catch (e) { log('err', 'not JSON: ' + text.slice(0, 200)); return; }
    if (!st.welcomed) {
      st.welcomed = true;
      const v = f.data && f.data.version;
      $('agent-version').textContent = v || '';
      setConn('Connected', 'on');
      showConsole();
      log('event', (f.data && f.data.msg) || 'connected');
      refreshAll();
      return;
    }
    if (isPush(f)) { onPush(f); return; }
    const q = st.queue[0];
    if (!q) { logReply(f); return; }
    // 'server restart' / 'tracker restart' of a running child answer twice: stopped, then started.
    // A command that answers in steps ('server restart' of a running server) marks each reply but the last "more".
    if (f.more === true) {
      if (q.log) logReply(f);
      return;
    }
    st.queue.shift();
    if (q.log) logReply(f);
    q.resolve(f);
  }

  /** Sends one command; resolves with its reply. */
  function ask(cmd, opts) {
    return new Promise((resolve) => {
      const ws = st.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) { resolve({ error: { msg: 'not connected' } }); return; }
      const logIt = !!(opts && opts.log);
      if (logIt) log('cmd-line', '> ' + cmd);
      // The original's "logon:" frame gets no reply.
      if (/^logon:/i.test(cmd.trim())) { ws.send(cmd); resolve({ data: {} }); return; }
      st.queue.push({ cmd: cmd.trim().replace(/\s+/g, ' '), resolve, log: logIt });
      ws.send(cmd);
    });
  }
  /** A button's command: logged, its reply (or error) shown next to the button. */
  async function act(cmd, msgId) {
    const f = await ask(cmd, { log: true });
    if (msgId) setMsg(msgId, msgOf(f) + (f.data && f.data.warning ? ` (${f.data.warning})` : '') + (f.data && f.data.note ? ` (${f.data.note})` : ''), !errOf(f));
    return f;
  }

  /** A pushed frame: decided by its topic, never by its text. */
  function onPush(f) {
    if (f.error) { log('err', f.error.msg); if (f.error.topic === 'lobby') refreshLobby(); else refreshServer(); return; }
    const d = f.data;
    const inner = (d[d.topic] && d[d.topic].event) || {};
    switch (d.topic) {
      case 'driver': {
        const dr = d.driver;
        if (dr.msg === 'joining') { st.drivers.set(dr.name, dr); log('event', `${dr.name} joined (${dr.car})`); renderDrivers(dr.name); }
        else { st.drivers.delete(dr.name); log('event', `${dr.name} left`); renderDrivers(); }
        return;
      }
      case 'lap': log('event', d.lap.msg || `${d.lap.driver}: ${lapTime(d.lap.lap_ms)}`); if (d.lap.car_id != null) liveLap(d.lap); return;
      case 'session': log('event', inner.msg || `${inner.type || d.session.type} session`); refreshSessions(); refreshLive(); return;
      case 'car': log('event', `${d.car.driver} ${d.car.state} (car ${d.car.car_id})`); liveCar(d.car); return;
      case 'chat': liveChat(d.chat); return;
      case 'collision': log('event', `${d.collision.driver} collided with ${d.collision.other_driver || 'the track'} at ${d.collision.impact_speed} km/h`); return;
      case 'server':
        log('event', d.msg || inner.msg || 'server');
        refreshServer(); refreshSessions(); refreshDrivers(); refreshLive();
        return;
      case 'configuration': log('event', d.msg); refreshServer(); refreshSessions(); refreshConfig(); return;
      case 'grid': log('event', d.msg); refreshGrid(); return;
      case 'lobby': log('event', d.msg || inner.msg); refreshLobby(); return;
      case 'tracker': log('event', d.msg); refreshTracker(); return;
      default: log('event', JSON.stringify(d));
    }
  }

  // ---------- live timing: the 'live' reply after (re)connect, then the lap/car/chat/session events ----------
  const live = { session: null, cars: new Map(), rows: new Map() };
  const NO_LAP = 999999999;
  const lapTime = (ms) => ms == null || ms >= NO_LAP ? '—'
    : `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
  const setText = (td, text) => { if (td.textContent !== text) td.textContent = text; };

  async function refreshLive() {
    const f = await ask('live');
    if (errOf(f)) { $('live-note').textContent = errOf(f); return; }
    const l = f.data.live || {};
    live.session = l.session;
    live.cars = new Map((l.cars || []).map((c) => [c.car_id, c]));
    $('live-session').textContent = l.session ? l.session.name : '';
    $('live-note').textContent = l.plugin && l.plugin.linked === false ? l.plugin.msg : '';
    renderLive();
  }

  // Positions and gaps by the contract's rule (README "Live timing"): a race by laps then total time, otherwise by
  // best lap (no lap last); the gap is to the leader.
  function ranked() {
    const race = !!live.session && live.session.type === 'race';
    const best = (c) => c.best_lap_ms == null ? NO_LAP : c.best_lap_ms;
    const list = [...live.cars.values()].sort(race
      ? (a, b) => (b.laps || 0) - (a.laps || 0) || (a.total_ms || 0) - (b.total_ms || 0) || a.car_id - b.car_id
      : (a, b) => best(a) - best(b) || a.car_id - b.car_id);
    list.forEach((c, i) => {
      const lead = list[0], behind = race ? (lead.laps || 0) - (c.laps || 0) : 0;
      const ms = race ? (c.total_ms || 0) - (lead.total_ms || 0) : best(c) - best(lead);
      c.position = i + 1;
      c.gap = i === 0 ? '' : behind > 0 ? `+${behind} lap${behind > 1 ? 's' : ''}` : best(c) >= NO_LAP && !race ? '' : `+${(ms / 1000).toFixed(3)}`;
    });
    return list;
  }

  function renderLive() {
    const body = $('live-body');
    ranked().forEach((c, i) => {
      let tr = live.rows.get(c.car_id);
      if (!tr) live.rows.set(c.car_id, tr = liveRow(c.car_id));
      const td = tr.children;
      [c.position, c.driver || '—', c.model || '', c.laps || 0, lapTime(c.last_lap_ms), lapTime(c.best_lap_ms), c.gap]
        .forEach((v, k) => setText(td[k], String(v)));
      td[4].classList.toggle('pb', !!c.last_personal_best);
      td[5].classList.toggle('overall', !!c.overall_best);
      tr.classList.toggle('off', c.connected === false);
      // Moved, never rebuilt: a row keeps its element (and focus) when its position changes.
      if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null);
    });
    for (const [id, tr] of live.rows) if (!live.cars.has(id)) { tr.remove(); live.rows.delete(id); }
    const to = $('chat-to'), chosen = to.value;
    to.replaceChildren(el('option', { value: 'all', text: 'Everyone' }),
      ...[...live.cars.values()].filter((c) => c.connected !== false).map((c) => el('option', { value: String(c.car_id), text: c.driver })));
    to.value = [...to.options].some((o) => o.value === chosen) ? chosen : 'all';
  }

  function liveRow(carId) {
    const kick = el('button', { type: 'button', class: 'danger', text: 'Kick' });
    kick.addEventListener('click', async () => {
      const c = live.cars.get(carId);
      if (!c || !confirm(`Kick ${c.driver} (car ${carId}) off the server?`)) return;
      await act(`kick ${carId}`, 'live-msg');
    });
    return el('tr', { 'data-car': String(carId) }, ...[0, 1, 2, 3, 4, 5, 6].map((k) => el('td', { class: k === 1 || k === 2 ? '' : 'num' })), el('td', null, kick));
  }

  function liveLap(l) {
    const c = live.cars.get(l.car_id) || { car_id: l.car_id, laps: 0, total_ms: 0 };
    Object.assign(c, { driver: l.driver, laps: l.laps, last_lap_ms: l.lap_ms, total_ms: (c.total_ms || 0) + l.lap_ms, last_personal_best: l.personal_best });
    if (l.personal_best) c.best_lap_ms = l.lap_ms;
    if (l.overall_best) for (const o of live.cars.values()) o.overall_best = false;
    c.overall_best = c.overall_best || l.overall_best;
    live.cars.set(l.car_id, c);
    renderLive();
  }

  function liveCar(e) {
    const c = live.cars.get(e.car_id) || { car_id: e.car_id, laps: 0, total_ms: 0 };
    Object.assign(c, { driver: e.driver, guid: e.guid, model: e.model, connected: e.state !== 'disconnected', loaded: e.state === 'loaded' });
    live.cars.set(e.car_id, c);
    renderLive();
  }

  function liveChat(e) {
    const list = $('chat-log');
    list.append(el('li', null, el('time', { text: clock(new Date()) }), el('span', { class: 'text', text: `${e.driver}: ${e.message}` })));
    while (list.children.length > 200) list.firstElementChild.remove();
    list.scrollTop = list.scrollHeight;
  }

  // ---------- views ----------
  function refreshAll() {
    refreshServer(); refreshDrivers(); refreshSessions(); refreshConfig(); refreshGrid(); refreshLobby(); refreshTracker(); refreshLive();
  }

  async function refreshServer() {
    const f = await ask('server info');
    if (errOf(f)) { setMsg('srv-msg', errOf(f), false); return; }
    const s = f.data.server;
    st.info = s;
    st.infoAt = Date.now();
    $('srv-name').textContent = s.name || '—';
    $('srv-track').textContent = s.track + (s.config_track ? ` (${s.config_track})` : '');
    $('srv-cars').textContent = (s.cars || []).join(', ') || '—';
    const state = $('srv-state');
    state.textContent = s.running ? 'Running' : 'Stopped';
    state.dataset.state = s.running ? 'running' : 'stopped';
    $('srv-version').textContent = s.version ? `${s.kind || 'acServer'} ${s.version}` : (s.running ? 'acServer (version not printed yet)' : '—');
    $('btn-start').disabled = !!s.running;
    $('btn-stop').disabled = !s.running;
    tick();
  }

  function tick() {
    const s = st.info;
    if (!s || !s.running) { $('srv-uptime').textContent = ''; return; }
    const up = s.uptime_s != null ? s.uptime_s + (Date.now() - st.infoAt) / 1000 : s.started_at ? (Date.now() - Date.parse(s.started_at)) / 1000 : null;
    $('srv-uptime').textContent = up == null ? '' : `for ${duration(up)}`;
  }

  async function refreshDrivers() {
    const f = await ask('server drivers');
    if (errOf(f)) return;
    st.drivers = new Map(Object.values(f.data.drivers || {}).map((d) => [d.name, d]));
    renderDrivers();
  }

  function renderDrivers(fresh) {
    const body = $('drivers-body');
    body.replaceChildren();
    const list = [...st.drivers.values()].sort((a, b) => String(a.since).localeCompare(String(b.since)));
    for (const d of list) {
      const since = Date.parse(d.since);
      body.append(el('tr', { class: d.name === fresh ? 'joined' : '', 'data-name': d.name },
        el('td', { text: d.name }), el('td', { text: d.car }), el('td', { class: 'guid', text: d.guid }),
        el('td', { text: isNaN(since) ? d.since : clock(new Date(since)) })));
    }
    $('drivers-count').textContent = String(list.length);
    $('drivers-empty').hidden = list.length > 0;
  }

  const length = (s) => s.laps > 0 ? `${s.laps} laps` : s.time > 0 ? `${s.time} min` : '—';
  const openText = (n) => n === 0 ? 'closed' : n === 2 ? 'until start' : 'open';

  async function refreshSessions() {
    const f = await ask('server sessions');
    if (errOf(f)) { setMsg('cfg-msg', errOf(f), false); return; }
    st.sessions = f.data.sessions || {};
    const body = $('sessions-body');
    body.replaceChildren();
    for (const s of Object.values(st.sessions)) {
      const tr = el('tr', { class: s.active ? 'active' : '', 'data-session': s.type },
        el('td', { text: s.name && s.name !== s.type ? `${s.type} (${s.name})` : s.type }),
        el('td', { text: length(s) }), el('td', { text: s.wait_time ? `${s.wait_time} s` : '—' }), el('td', { text: openText(s.is_open) }));
      if (s.active) tr.setAttribute('aria-current', 'true');
      body.append(tr);
    }
    if (!body.children.length) body.append(el('tr', null, el('td', { colspan: '4', text: 'No sessions configured.' })));
    fillEditor();
  }

  function fillEditor() {
    const want = $('ed-session').value;
    const all = st.pending || st.sessions;
    const s = Object.values(all).find((x) => x.type.toLowerCase() === want);
    $('ed-laps').value = s && s.laps ? s.laps : '';
    $('ed-time').value = s && s.time ? s.time : '';
    $('ed-laps').disabled = want !== 'race';
    $('ed-set-laps').disabled = want !== 'race';
    $('ed-enable').disabled = !!s;
    $('ed-disable').disabled = !s;
  }

  async function refreshConfig() {
    const f = await ask('server configuration show');
    if (errOf(f)) { setMsg('cfg-msg', errOf(f), false); return; }
    const diff = f.data.diff || '';
    st.pending = diff ? f.data.pending : null;
    const pre = $('diff');
    pre.replaceChildren();
    if (!diff) pre.textContent = 'Nothing pending.';
    for (const line of diff ? diff.replace(/\n$/, '').split('\n') : []) {
      const cls = line.startsWith('+++') || line.startsWith('---') || line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : '';
      pre.append(cls ? el('span', { class: cls, text: line }) : line + '\n');
    }
    $('cfg-write').disabled = !diff;
    $('cfg-discard').disabled = !diff;
    if (diff && f.data.stale === true) setMsg('cfg-msg', f.data.msg, false);
    fillEditor();
  }

  async function edit(option, value) {
    const s = $('ed-session').value;
    await act(`server session ${s} ${option}${value !== undefined ? ' ' + value : ''}`, 'cfg-msg');
    refreshConfig();
  }

  async function refreshGrid() {
    const f = await ask('grid entries');
    const cur = $('grid-current'), prop = $('grid-proposed');
    cur.replaceChildren(); prop.replaceChildren();
    if (errOf(f)) { setMsg('grid-msg', errOf(f), false); $('grid-save').disabled = true; return; }
    const entries = Object.values(f.data.entries || {});
    const label = (e) => e.driver || e.car_id;
    for (const e of [...entries].sort((a, b) => a.position - b.position))
      cur.append(el('li', { 'data-slot': e.car_id, title: `${e.car_id} · ${e.model}`, text: label(e) }));
    const pending = entries.filter((e) => e.pending_position != null).sort((a, b) => a.pending_position - b.pending_position);
    for (const e of pending) {
      const moved = e.pending_position !== e.position;
      prop.append(el('li', { class: moved ? 'moved' : '', 'data-slot': e.car_id }, label(e),
        moved ? el('span', { class: 'was', text: ` (now ${e.position})` }) : null));
    }
    $('grid-none').hidden = pending.length > 0;
    $('grid-save').disabled = pending.length === 0;
    if (f.data.warning) setMsg('grid-msg', f.data.warning, false);
  }

  async function refreshLobby() {
    const f = await ask('lobby info');
    const state = $('lobby-state');
    if (errOf(f)) { state.textContent = 'Unavailable'; state.dataset.state = 'unknown'; $('lobby-detail').textContent = errOf(f); return; }
    const l = f.data.lobby || {};
    state.textContent = l.connected ? 'Registered' : 'Not registered';
    state.dataset.state = l.connected ? 'on' : 'off';
    const bits = [];
    if (l.since) bits.push(`since ${new Date(l.since).toLocaleString()}`);
    if (l.last_msg) bits.push(`lobby said: ${l.last_msg}`);
    if (l.auto === false) bits.push('automatic re-registration off');
    $('lobby-detail').textContent = bits.join(' · ');
  }

  async function refreshTracker() {
    const f = await ask('tracker status');
    const state = $('tracker-state');
    if (errOf(f)) { state.textContent = 'Unavailable'; state.dataset.state = 'unknown'; $('tracker-detail').textContent = errOf(f); return; }
    const t = f.data.tracker || f.data.stracker || f.data;
    state.textContent = t.running ? 'Running' : 'Stopped';
    state.dataset.state = t.running ? 'on' : 'off';
    const since = t.since || t.started_at;
    $('tracker-detail').textContent = [t.pid ? `pid ${t.pid}` : '', since ? `since ${new Date(since).toLocaleString()}` : '', t.msg || ''].filter(Boolean).join(' · ');
    $('tracker-start').disabled = !!t.running;
    $('tracker-stop').disabled = !t.running;
  }

  // ---------- wiring ----------
  function on(id, fn) { $(id).addEventListener('click', fn); }

  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('token').value = '';
    $('login-error').textContent = '';
    st.retry = 0;
    connect();
  });
  on('logout', () => {
    st.wanted = false;
    clearTimeout(st.retryTimer);
    sessionStorage.removeItem(TOKEN_KEY);
    if (st.ws) st.ws.close(1000, 'bye');
    st.ws = null;
    setConn('Not connected', 'off');
    showLogin('');
  });

  $('chat-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = $('chat-text').value.trim();
    if (!text) return;
    if (!errOf(await act(`chat ${$('chat-to').value} ${text}`, 'live-msg'))) $('chat-text').value = '';
  });
  for (const [id, what] of [['live-next', 'next'], ['live-restart', 'restart']])
    on(id, async () => { if (confirm(`${what === 'next' ? 'End this session and start the next' : 'Restart this session'}? Its results are written now.`)) await act(`session ${what}`, 'live-msg'); });

  on('btn-start', async () => { await act('server start', 'srv-msg'); refreshServer(); });
  on('btn-stop', async () => {
    if (!confirm('Stop the Assetto Corsa server? Everyone on it is disconnected.')) return;
    await act('server stop', 'srv-msg'); refreshServer(); refreshDrivers(); refreshSessions();
  });
  on('btn-restart', async () => {
    if (!confirm('Restart the Assetto Corsa server? Everyone on it is disconnected.')) return;
    await act('server restart', 'srv-msg'); refreshServer(); refreshDrivers(); refreshSessions();
  });

  $('ed-session').addEventListener('change', fillEditor);
  on('ed-set-laps', () => edit('laps', $('ed-laps').value.trim()));
  on('ed-set-time', () => edit('time', $('ed-time').value.trim()));
  on('ed-enable', () => edit('enable'));
  on('ed-disable', () => edit('disable'));
  $('editor').addEventListener('submit', (ev) => ev.preventDefault());
  for (const [input, button] of [['ed-laps', 'ed-set-laps'], ['ed-time', 'ed-set-time']])
    $(input).addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); $(button).click(); } });
  on('cfg-write', async () => { await act('server configuration write', 'cfg-msg'); refreshConfig(); refreshSessions(); });
  on('cfg-discard', async () => { await act('server configuration discard', 'cfg-msg'); refreshConfig(); });

  on('grid-finish', async () => { await act('grid finish', 'grid-msg'); refreshGrid(); });
  on('grid-reverse', async () => {
    const n = $('grid-n').value.trim();
    await act('grid reverse' + (n ? ' ' + n : ''), 'grid-msg'); refreshGrid();
  });
  on('grid-save', async () => { await act('grid save', 'grid-msg'); refreshGrid(); });

  on('lobby-restart', async () => { await act('lobby restart', 'lobby-msg'); refreshLobby(); });
  on('tracker-start', async () => { await act('tracker start', 'tracker-msg'); refreshTracker(); });
  on('tracker-stop', async () => { await act('tracker stop', 'tracker-msg'); refreshTracker(); });

  $('cmd-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('cmd-input');
    const cmd = input.value.trim();
    if (!cmd) return;
    if (st.history[st.history.length - 1] !== cmd) st.history.push(cmd);
    st.hpos = st.history.length;
    input.value = '';
    await ask(cmd, { log: true });
    const word = cmd.split(/\s+/)[0].toLowerCase();
    if (word === 'server') { refreshServer(); refreshSessions(); refreshConfig(); }
    else if (word === 'grid') refreshGrid();
    else if (word === 'lobby') refreshLobby();
    else if (word === 'tracker') refreshTracker();
  });
  $('cmd-input').addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown') return;
    if (!st.history.length) return;
    ev.preventDefault();
    st.hpos = Math.max(0, Math.min(st.history.length, st.hpos + (ev.key === 'ArrowUp' ? -1 : 1)));
    ev.target.value = st.history[st.hpos] || '';
  });
  on('log-clear', () => $('log').replaceChildren());

  setInterval(tick, 1000);
  if (sessionStorage.getItem(TOKEN_KEY) !== null) connect(); else showLogin('');
})();

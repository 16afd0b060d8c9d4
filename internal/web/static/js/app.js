// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Forms and buttons with data-confirm ask before an irreversible action.
  document.addEventListener('submit', function (e) {
    var f = e.target;
    var msg = f.getAttribute('data-confirm') || (e.submitter && e.submitter.getAttribute('data-confirm'));
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  // Print buttons.
  document.addEventListener('click', function (e) {
    var b = e.target.closest('[data-print]');
    if (b) { e.preventDefault(); window.print(); }
  });
})();
// The import review: ticking "删除" on a row greys it out, so the rows that
// will not be imported stand out before "确认导入".
(function () {
  'use strict';
  document.addEventListener('change', function (e) {
    var box = e.target;
    if (box.type === 'checkbox' && /^(it|g)\d+_drop$/.test(box.name)) {
      var row = box.closest('tr');
      if (row) { row.classList.toggle('dropped', box.checked); }
    }
  });
})();
// Warning before the idle timeout (SECURITY.md I10). The page asks the
// server how long its session has left (/session/status, which is not
// activity) every 30 seconds and when the window regains focus; from 5
// minutes before the timeout a banner offers 继续, which pings the
// keep-alive. A form posted after the timeout is not lost: the server holds
// it until the user logs in again.
(function () {
  'use strict';
  var idle = parseInt(document.body.getAttribute('data-idle-minutes') || '', 10);
  if (!idle || !window.fetch) { return; }
  var banner = null;
  var stopped = false;
  function bar() {
    if (!banner) {
      banner = document.createElement('div');
      banner.className = 'idle-warning noprint';
      banner.setAttribute('role', 'alert');
      banner.appendChild(document.createElement('span'));
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = '继续';
      btn.addEventListener('click', keepAlive);
      banner.appendChild(btn);
      document.body.insertBefore(banner, document.body.firstChild);
    }
    return banner;
  }
  function show(left) {
    var b = bar();
    var used = Math.max(0, Math.floor((idle * 60 - left) / 60));
    b.firstChild.textContent = '您已' + used + '分钟未操作，' + Math.max(1, Math.ceil(left / 60)) +
      '分钟后将自动退出，请及时保存';
    b.lastChild.hidden = false;
    b.hidden = false;
  }
  function expired() {
    stopped = true;
    var b = bar();
    b.firstChild.textContent = '登录已超时。此时提交的内容会被暂存，重新登录后可恢复提交。';
    b.lastChild.hidden = true;
    b.hidden = false;
  }
  function ask(url) {
    return fetch(url, { credentials: 'same-origin', redirect: 'manual', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (r.type === 'opaqueredirect' || r.status === 401) { expired(); return null; }
        return r.ok ? r.json() : null;
      });
  }
  function check() {
    if (stopped) { return; }
    ask('/session/status').then(function (s) {
      if (!s) { return; }
      if (s.left_seconds <= 300) { show(s.left_seconds); } else if (banner) { banner.hidden = true; }
    }).catch(function () {});
  }
  function keepAlive() {
    ask('/session/ping').then(function (s) {
      if (s && s.left_seconds > 300 && banner) { banner.hidden = true; }
    }).catch(function () {});
  }
  window.setInterval(check, 30000);
  window.addEventListener('focus', check);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) { check(); } });
})();
// Progress reports: a draft saves itself a few seconds after typing stops
// and when a field loses focus (POST .../autosave with the form's version).
// A 409 means someone else saved or submitted meanwhile: nothing was
// overwritten, this text was kept as a conflict copy, and autosave stops.
(function () {
  'use strict';
  var form = document.getElementById('report-form');
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute('data-autosave');
  var status = document.getElementById('autosave-status');
  var version = document.getElementById('f-version');
  var timer = null, busy = false, again = false, stopped = false, dirty = false;
  var flush = function () {};
  function say(text, warn) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle('field-error', !!warn);
  }
  function fields() {
    var p = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === 'file' || el.type === 'submit' || el.disabled) { return; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { return; }
      p.append(el.name, el.value);
    });
    return p;
  }
  function save() {
    timer = null;
    if (stopped || !dirty) { return; }
    if (busy) { again = true; return; }
    busy = true; dirty = false;
    var body = fields();
    fetch(url, { method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'X-CSRF-Token': body.get('csrf_token') || '', 'Accept': 'application/json' } })
      .then(function (res) {
        return res.json().then(function (j) { return { status: res.status, j: j }; }, function () { return { status: res.status, j: {} }; });
      })
      .then(function (r) {
        if (r.status === 200 && r.j.version) {
          version.value = r.j.version;
          say('已自动保存 ' + r.j.saved_at);
        } else if (r.status === 401 || r.status === 200) {
          // The session timed out (200 without a version: sent on to the
          // login page). Autosave stops; the form's own post is held by
          // the server and offered again after the login (I10).
          stopped = true;
          say('登录已超时，自动保存已停止。本页填写的内容仍在，不会丢失：请点击“保存草稿”或“提交”，' +
            '按提示重新登录后，在“恢复未提交的内容”页点击“提交”即可保存。', true);
        } else if (r.status === 409) {
          stopped = true;
          say((r.j.error && r.j.error.message) || '报告已被他人修改，未自动保存。');
        } else {
          dirty = true;
          say((r.j.error && r.j.error.message) || '自动保存未成功，请点击“保存草稿”。');
        }
      }, function () { dirty = true; say('网络中断，稍后将再次尝试自动保存。'); })
      .then(function () {
        busy = false;
        flush();
        if (again && !stopped) { again = false; schedule(); }
      });
  }
  function schedule() { if (timer) { clearTimeout(timer); } timer = setTimeout(save, 3000); }
  form.addEventListener('input', function (e) { if (e.target.type !== 'file') { dirty = true; schedule(); } });
  form.addEventListener('change', function (e) { if (e.target.type !== 'file') { dirty = true; schedule(); } });
  form.addEventListener('focusout', function (e) {
    // Leaving a field for one of the form's buttons: the button posts it.
    if (e.relatedTarget && e.relatedTarget.form === form && e.relatedTarget.type === 'submit') { return; }
    if (dirty) { if (timer) { clearTimeout(timer); } save(); }
  });
  // The buttons post the whole form with the latest version; no autosave
  // may race them. A save still on its way is waited for, so that the
  // form carries the version it produced.
  var pending = null;
  form.addEventListener('submit', function (e) {
    stopped = true;
    if (timer) { clearTimeout(timer); timer = null; }
    if (busy) { e.preventDefault(); pending = e.submitter || null; }
  });
  flush = function () {
    if (!pending) { return; }
    var b = pending; pending = null;
    var ask = b.getAttribute('data-confirm');
    b.removeAttribute('data-confirm'); // already confirmed
    form.requestSubmit(b);
    if (ask) { b.setAttribute('data-confirm', ask); }
  };
})();

// Data-call board (call/board.html): a section marked data-refresh="N"
// reloads the page every N seconds, unless the user is typing in a field.
(function () {
  var el = document.querySelector('[data-refresh]');
  if (!el) { return; }
  var secs = parseInt(el.getAttribute('data-refresh'), 10);
  if (!(secs >= 10)) { return; }
  window.setInterval(function () {
    var a = document.activeElement;
    if (document.hidden || (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName))) { return; }
    window.location.reload();
  }, secs * 1000);
})();

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

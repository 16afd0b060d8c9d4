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

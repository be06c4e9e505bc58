/* Grid keyboard navigation and showing refused entries (409/422) in place. No library. */
(function () {
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if (s === 409 || s === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  function caretAt(el, end) {
    if (el.tagName !== "INPUT") return true;
    try { return end ? el.selectionEnd === el.value.length : el.selectionStart === 0; }
    catch (err) { return true; }
  }
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.dataset || el.dataset.r === undefined) return;
    var r = +el.dataset.r, c = +el.dataset.c;
    if (e.key === "Enter" || e.key === "ArrowDown") r += 1;
    else if (e.key === "ArrowUp") r -= 1;
    else if (e.key === "ArrowRight" && caretAt(el, true)) c += 1;
    else if (e.key === "ArrowLeft" && caretAt(el, false)) c -= 1;
    else return;
    var next = el.closest("table").querySelector('[data-r="' + r + '"][data-c="' + c + '"]');
    e.preventDefault();
    if (next) { next.focus(); if (next.select) next.select(); }
  });
})();

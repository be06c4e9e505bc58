/* Grid keyboard navigation (rows from the table, columns from data-c) and showing refused
   entries (409/422) in place: the answer also redraws the box with the stored value. */
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
    if (!el.dataset || el.dataset.c === undefined) return;
    var row = el.closest("tr"), c = +el.dataset.c;
    if (e.key === "Enter" || e.key === "ArrowDown") row = row.nextElementSibling;
    else if (e.key === "ArrowUp") row = row.previousElementSibling;
    else if (e.key === "ArrowRight" && caretAt(el, true)) c += 1;
    else if (e.key === "ArrowLeft" && caretAt(el, false)) c -= 1;
    else return;
    var next = row && row.querySelector('[data-c="' + c + '"]');
    e.preventDefault();
    if (next) { next.focus(); if (next.select) next.select(); }
  });
})();

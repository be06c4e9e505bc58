/* hocba — the little script every page may use (no inline script: Content-Security-Policy). */
(function () {
  /* <select data-autosubmit>: choosing an option submits its form (a <noscript> button
     stays for browsers without script). */
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
})();

// The few behaviours that HTML and htmx attributes cannot express, attached from here
// so that the Content-Security-Policy can forbid every inline script.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
  if (event.target.matches("[data-select-on-click]")) event.target.select();
});

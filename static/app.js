// Small enhancements; every page works without them.
// - The "Vorschau" button of a Markdown field shows the preview in place (POST /preview)
//   instead of reloading the whole form.
// - Forms with data-confirm ask before they are sent (deleting an idea, an account).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('input[name="csrf_token"]');

  document.querySelectorAll("button[data-preview-for]").forEach((button) => {
    button.addEventListener("click", async (event) => {
      const field = document.getElementById(button.dataset.previewFor);
      const box = document.getElementById(button.dataset.previewFor + "-preview");
      if (!field || !box || !token) return;
      event.preventDefault();
      const body = new URLSearchParams({ text: field.value, csrf_token: token.value });
      try {
        const response = await fetch("/preview", { method: "POST", body, credentials: "same-origin",
                                                    headers: { "X-CSRF-Token": token.value } });
        if (!response.ok) throw new Error(String(response.status));
        // The server sanitised this HTML (nh3), as it does for every page.
        box.querySelector(".body").innerHTML = await response.text();
        box.hidden = false;
      } catch (error) {
        button.form.requestSubmit(button);  // fall back to the server-rendered preview
      }
    });
  });

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

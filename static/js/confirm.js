// Confirmation before actions that cannot be undone, in an accessible modal <dialog>.
//
// A form with data-confirm="Question?" (and optionally data-confirm-action="Accept") asks
// before it submits; htmx's hx-confirm asks through the same dialog instead of the browser's
// built-in confirm box. Without JavaScript the forms post as they are. No inline script and no on*
// attributes: everything is wired here (a strict Content-Security-Policy allows this file).
(() => {
  let dialog = null;
  let answer = null;
  let opener = null;

  const build = () => {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-question");
    dialog.innerHTML =
      '<form method="dialog" class="stack">' +
      '<h2 id="confirm-dialog-title">Please confirm</h2>' +
      '<p id="confirm-dialog-question"></p>' +
      '<div class="row">' +
      '<button type="submit" value="yes" class="button" data-confirm-yes>Confirm</button>' +
      '<button type="submit" value="no" class="button button-secondary" data-confirm-no>Cancel</button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    dialog.addEventListener("close", () => {
      const confirmed = dialog.returnValue === "yes";
      const done = answer;
      answer = null;
      if (opener && typeof opener.focus === "function") opener.focus();
      opener = null;
      if (done) done(confirmed);
    });
  };

  // Opens the dialog; `then(true)` when confirmed, `then(false)` on Cancel or Escape.
  const ask = (question, actionLabel, then) => {
    if (!dialog) build();
    opener = document.activeElement;
    dialog.querySelector("#confirm-dialog-question").textContent = question;
    dialog.querySelector("[data-confirm-yes]").textContent = actionLabel || "Confirm";
    dialog.returnValue = "";
    answer = then;
    dialog.showModal();
    // Focus the safe choice first: Enter on an unread question must not do the irreversible thing.
    dialog.querySelector("[data-confirm-no]").focus();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed;
      return;
    }
    event.preventDefault();
    const submitter = event.submitter || null;
    ask(form.dataset.confirm, form.dataset.confirmAction, (confirmed) => {
      if (!confirmed) return;
      form.dataset.confirmed = "yes";
      if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      else form.submit();
    });
  });

  document.addEventListener("htmx:confirm", (event) => {
    const question = event.detail && event.detail.question;
    if (!question) return;
    event.preventDefault();
    ask(question, event.detail.elt.dataset.confirmAction, (confirmed) => {
      if (confirmed) event.detail.issueRequest(true);
    });
  });

  // An htmx action the server refused (409 with the reason as text): say it in a live region.
  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 409) return;
    let region = document.getElementById("refusal-message");
    if (!region) {
      region = document.createElement("div");
      region.id = "refusal-message";
      region.className = "message message-error";
      region.setAttribute("role", "alert");
      const main = document.getElementById("main");
      main.insertBefore(region, main.firstChild);
    }
    region.textContent = xhr.responseText;
  });
})();

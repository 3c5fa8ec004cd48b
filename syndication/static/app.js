/* Syndication Desk: the few things a script adds. Every page works without it:
   the menu is then always open, a destructive form gets a confirmation page from
   the server instead of the dialog, and the embed code is selected by hand. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // The menu button (shown under 768 px) opens and closes the main navigation.
    var button = document.querySelector(".menu-button");
    var menu = document.getElementById("main-menu");
    if (button && menu) {
      button.addEventListener("click", function () {
        var open = menu.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.classList.contains("open")) {
          menu.classList.remove("open");
          button.setAttribute("aria-expanded", "false");
          button.focus();
        }
      });
    }

    // A form (or its submit button) with data-confirm asks in a dialog first. The
    // answer is sent as confirmed=yes, which the server takes as the confirmation.
    var dialog = document.getElementById("confirm-dialog");
    if (dialog && typeof dialog.showModal === "function") {
      var pending = null;
      document.addEventListener("submit", function (event) {
        var form = event.target;
        var submitter = event.submitter || null;
        var question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
        if (!question || form.dataset.confirmed === "yes") return;
        event.preventDefault();
        pending = { form: form, submitter: submitter };
        dialog.querySelector(".confirm-dialog-question").textContent = question;
        var ok = dialog.querySelector(".confirm-dialog-ok");
        ok.textContent = (submitter && submitter.dataset.confirmLabel) || form.dataset.confirmLabel || "Yes, go ahead";
        dialog.returnValue = "";
        dialog.showModal();
        ok.focus();
      });
      dialog.addEventListener("close", function () {
        var job = pending;
        pending = null;
        if (!job || dialog.returnValue !== "confirm") {
          if (job && job.submitter) job.submitter.focus();
          return;
        }
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "confirmed";
        flag.value = "yes";
        job.form.appendChild(flag);
        job.form.dataset.confirmed = "yes";
        if (job.submitter && typeof job.form.requestSubmit === "function") {
          job.form.requestSubmit(job.submitter);
        } else {
          job.form.submit();
        }
      });
    }

    // "Copy" buttons copy the text of the element their data-copy names.
    document.querySelectorAll("[data-copy]").forEach(function (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        var source = document.getElementById(copy.dataset.copy);
        if (!source) return;
        var text = "value" in source ? source.value : source.textContent;
        var status = document.getElementById(copy.dataset.copy + "-status");
        function done(message) { if (status) status.textContent = message; }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(
            function () { done("Copied to the clipboard."); },
            function () { done("Could not copy: select the text and copy it by hand."); }
          );
        } else {
          if (source.select) source.select();
          try {
            document.execCommand("copy");
            done("Copied to the clipboard.");
          } catch (error) {
            done("Select the text and copy it by hand.");
          }
        }
      });
    });

    // A background import's page follows it: poll its progress as JSON every two
    // seconds, move the bar, and load the page again (with the report) once it ends.
    var importProgress = document.querySelector("[data-progress-url]");
    if (importProgress && importProgress.dataset.finished !== "yes" && window.fetch) {
      var bar = importProgress.querySelector("progress");
      var message = importProgress.querySelector(".import-progress-message");
      var poll = function () {
        fetch(importProgress.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (state) {
            if (!state) return;
            if (state.finished) { window.location.reload(); return; }
            if (state.total) { bar.max = state.total; bar.value = state.done; }
            bar.textContent = state.percent + "%";
            if (message.textContent !== state.message) message.textContent = state.message;
            window.setTimeout(poll, 2000);
          })
          .catch(function () { window.setTimeout(poll, 5000); });
      };
      window.setTimeout(poll, 2000);
    }
  });
})();

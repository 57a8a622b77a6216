// The scoring form page, when the browser knows it has no connection at the moment of
// Submit or Save draft: the new audit is kept on this device under its form token (as if it
// had been scored on the offline page) instead of being lost to a failed request, and the
// offline page opens. With a connection, the form is sent exactly as without JavaScript.
import * as store from "./store.js";

const NOT_KEPT = new Set(["csrf_token", "token", "fingerprint", "submit", "save_draft"]);

export function keepWhenOffline(form, owner) {
  form.addEventListener("submit", (event) => {
    if (navigator.onLine) return;
    // Decided now, before any wait: a default prevented later would be too late.
    event.preventDefault();
    keep(form, owner, event.submitter?.name === "submit");
  });
}

async function keep(form, owner, submit) {
  const kept = await store.getPackage(owner).catch(() => null);
  const checklist = kept?.checklists.find((c) => c.fingerprint === form.elements.fingerprint.value);
  if (!checklist) {
    // Nothing to fill the form again with later: the answers stay here, on the page.
    say(
      form,
      "No connection, and this checklist version is not kept on this device. Your answers " +
        "are still here: submit again when the connection returns.",
    );
    return;
  }
  const fields = [...new FormData(form)].filter(([name]) => !NOT_KEPT.has(name));
  await store.putAudit({
    token: form.elements.token.value,
    owner,
    staff_member_id: Number(form.dataset.staffId),
    staff_label: form.dataset.staffLabel,
    checklist_title: checklist.title,
    checklist_version: checklist.version,
    fingerprint: checklist.fingerprint,
    form_html: checklist.form_html,
    fields,
    state: submit ? "waiting" : "draft",
    saved_at: new Date().toISOString(),
    message: null,
    problems: {},
  });
  window.location.assign(form.dataset.offlinePage);
}

function say(form, text) {
  const alert = document.createElement("div");
  alert.className = "alert alert-warning";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  form.before(alert);
  alert.scrollIntoView();
}

// The scoring form page, when the browser knows it has no connection at the moment of
// Submit or Save draft: the new audit is kept on this device under its form token (as if it
// had been scored on the offline page) instead of being lost to a failed request, and the
// offline page opens. With a connection, the form is sent exactly as without JavaScript.
import * as store from "./store.js";

const NOT_KEPT = new Set(["csrf_token", "token", "fingerprint", "submit", "save_draft"]);

export function keepWhenOffline(form, owner) {
  form.addEventListener("submit", async (event) => {
    if (navigator.onLine) return;
    const kept = await store.getPackage(owner).catch(() => null);
    const checklist = kept?.checklists.find((c) => c.fingerprint === form.elements.fingerprint.value);
    if (!checklist) return; // this version is not kept: nothing to fill the form again with
    event.preventDefault();
    const submit = event.submitter?.name === "submit";
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
  });
}

// One audit's form on the offline page: a new audit, a draft to finish, a refused audit to
// fix, or a refused copy to review (read only). The form is the server's own rendering of
// the checklist version's blank form, kept in the package; saving keeps the audit on this
// device and hands it back to the page.
import * as store from "./store.js";
import { count } from "./app.js";

const root = document.getElementById("offline-app");
const $ = (selector) => root.querySelector(selector);
const form = $("[data-audit-form]");
export const STATES = {
  draft: "Draft",
  waiting: "Waiting to be sent",
  problem: "Not stored: needs your attention",
  conflict: "Not stored: already submitted",
};
let current = null; // the audit open in the form
let onSaved = null;

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function openForm(audit, whenSaved) {
  current = audit;
  onSaved = whenSaved;
  // The server's own rendering of the checklist version's blank form (views/offline.py).
  $("[data-fields]").innerHTML = audit.form_html;
  fill(audit.fields);
  const conflict = audit.state === "conflict";
  for (const control of form.elements) control.disabled = conflict;
  for (const button of form.querySelectorAll("[type=submit]")) button.hidden = conflict;
  $("[data-audit-heading]").textContent =
    audit.state === "new" ? "New audit" : `${STATES[audit.state]}`;
  $("[data-audit-about]").textContent =
    `${audit.staff_label} · ${audit.checklist_title} (version ${audit.checklist_version})`;
  showProblems(audit);
  $("[data-lists]").hidden = true;
  $("[data-audit]").hidden = false;
  $("[data-audit-heading]").focus();
}

export const isOpen = () => current !== null;

export function closeForm() {
  current = null;
  $("[data-fields]").replaceChildren();
  $("[data-audit]").hidden = true;
  $("[data-lists]").hidden = false;
}

function fill(fields) {
  for (const [name, value] of fields) {
    const control = form.elements.namedItem(name);
    if (!control) continue;
    if (control instanceof RadioNodeList) control.value = value;
    else if (control.type === "checkbox" || control.type === "radio") control.checked = true;
    else control.value = value;
  }
}

function showProblems(audit) {
  const box = $("[data-audit-message]");
  box.replaceChildren();
  for (const old of form.querySelectorAll("[data-problem]")) old.remove();
  const unplaced = [];
  for (const [name, errors] of Object.entries(audit.problems || {})) {
    const field = document.getElementById(name);
    if (!field || !form.contains(field)) {
      unplaced.push(...errors);
      continue;
    }
    const problem = { class: "invalid-feedback d-block", role: "alert", "data-problem": "" };
    field.after(element("div", problem, errors.join(" ")));
  }
  if (!audit.message && !unplaced.length) return;
  const alert = element("div", { class: "alert alert-danger", role: "alert" }, audit.message || "");
  for (const text of unplaced) alert.append(element("p", { class: "mb-0" }, text));
  if (audit.stored_url) {
    alert.append(" ", element("a", { class: "alert-link", href: audit.stored_url }, "Open the stored audit"));
  }
  box.append(alert);
}

// Items asked on the chosen channel that have no answer (the server checks again).
function unanswered() {
  const channel = form.elements.namedItem("channel")?.value;
  return [...form.querySelectorAll("fieldset.item-row")].filter((item) => {
    const only = item.dataset.channels;
    if (only && !only.split(" ").includes(channel)) return false;
    return !item.querySelector("input[type=radio]:checked");
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const submit = event.submitter?.name === "submit";
  if (submit) {
    const missing = unanswered();
    if (missing.length) {
      current.message =
        `${count(missing.length, "item")} still need${missing.length === 1 ? "s" : ""} an ` +
        "answer (or N/A) before the audit can be submitted. A draft can be incomplete.";
      current.problems = Object.fromEntries(
        missing.map((item) => [item.querySelector(".answer-group").id, ["Give an answer."]]),
      );
      showProblems(current);
      missing[0].querySelector("input").focus();
      return;
    }
  }
  const fields = [...new FormData(form)].filter(([name]) => !["submit", "save_draft"].includes(name));
  Object.assign(current, {
    fields,
    state: submit ? "waiting" : "draft",
    saved_at: new Date().toISOString(),
    message: null,
    problems: {},
  });
  await store.putAudit(current);
  const saved = current;
  const then = onSaved;
  closeForm();
  then(saved);
});


// The offline page: the audits not sent yet (finish, fix, review, discard), those sent, a
// form to score a new audit from the checklists kept on this device, and what is kept.
// Nothing here needs the server: a new audit's form is the server's own blank form for that
// checklist version, kept in the package.
import * as store from "./store.js";
import { changed, count, keptLine, onChange, owner, refreshPackage, sendNow, when } from "./app.js";

const root = document.getElementById("offline-app");
const $ = (selector) => root.querySelector(selector);
const form = $("[data-audit-form]");
const STATES = {
  draft: "Draft",
  waiting: "Waiting to be sent",
  problem: "Not stored: needs your attention",
  conflict: "Not stored: already submitted",
};
const OPEN_LABEL = { draft: "Finish", problem: "Fix", conflict: "Review" };
let current = null; // the audit open in the form


function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function say(text, kind = "success") {
  $("[data-status]").replaceChildren(
    ...(text ? [element("div", { class: `alert alert-${kind}` }, text)] : []),
  );
}

function showConnection() {
  const box = $("[data-connection]");
  box.textContent = navigator.onLine
    ? "Connected: a submitted audit is sent at once."
    : "No connection: audits you submit are kept on this device and sent when the connection returns.";
  box.className = `alert py-2 ${navigator.onLine ? "alert-secondary" : "alert-warning"}`;
}

function localNow() {
  const now = new Date();
  now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
  return now.toISOString().slice(0, 16);
}

// ---- the lists ---------------------------------------------------------------------------

async function renderLists() {
  const kept = await store.getPackage(owner);
  if (kept) {
    $("[data-kept]").textContent = `${keptLine(kept)}.`;
  }
  fillStart(kept);

  const waiting = await store.audits(owner);
  $("[data-waiting]").hidden = !waiting.length;
  $("[data-waiting-empty]").hidden = waiting.length > 0;
  $("[data-action=send]").hidden = !waiting.some((a) => a.state === "waiting");
  $("[data-waiting] tbody").replaceChildren(...waiting.map(waitingRow));

  const sent = await store.sent(owner);
  $("[data-sent]").hidden = $("[data-sent-heading]").hidden = !sent.length;
  $("[data-sent]").replaceChildren(...sent.map(sentRow));
}

function waitingRow(audit) {
  const state = element("td", {}, STATES[audit.state] || audit.state);
  if (audit.message) state.append(element("div", { class: "small text-danger" }, audit.message));
  const actions = element("td", { class: "text-end text-nowrap" });
  if (OPEN_LABEL[audit.state]) {
    const open = element(
      "button",
      { type: "button", class: "btn btn-sm btn-outline-primary me-1" },
      OPEN_LABEL[audit.state],
    );
    open.setAttribute("aria-label", `${OPEN_LABEL[audit.state]}: ${audit.staff_label}`);
    open.addEventListener("click", () => openForm(audit));
    actions.append(open);
  }
  const discard = element(
    "button",
    { type: "button", class: "btn btn-sm btn-outline-danger" },
    "Discard",
  );
  discard.setAttribute("aria-label", `Discard: ${audit.staff_label}`);
  discard.addEventListener("click", () => discardAudit(audit));
  actions.append(discard);
  return element(
    "tr",
    { "data-token": audit.token },
    element("td", {}, audit.staff_label),
    element("td", {}, audit.checklist_title),
    element("td", {}, when(audit.saved_at)),
    state,
    actions,
  );
}

function sentRow(result) {
  const score = result.overall === null ? "no score" : `${Math.round(result.overall)} %`;
  const verdict = result.passed === null ? "" : result.passed ? ", passed" : ", not passed";
  return element(
    "li",
    { class: "list-group-item d-flex flex-wrap justify-content-between gap-2" },
    element("span", {}, `${result.staff_label} · ${result.checklist_title}: ${score}${verdict}`),
    element("a", { href: result.url }, "Open the stored audit"),
  );
}

function fillStart(kept) {
  const staff = $("#offline-staff");
  const checklist = $("#offline-checklist");
  const options = (items, value, label) =>
    items.map((x) => element("option", { value: value(x) }, label(x)));
  const chosen = [staff.value, checklist.value];
  staff.replaceChildren(...options(kept ? kept.staff : [], (s) => s.id, (s) => s.label));
  checklist.replaceChildren(
    ...options(kept ? kept.checklists : [], (c) => c.fingerprint, (c) => c.title),
  );
  [staff.value, checklist.value] = chosen;
  if (!staff.value && staff.options.length) staff.selectedIndex = 0;
  if (!checklist.value && checklist.options.length) checklist.selectedIndex = 0;
  $("[data-start] button").disabled = !kept;
}

async function discardAudit(audit) {
  if (!window.confirm(`Discard the audit of ${audit.staff_label}? It has not been sent.`)) return;
  await store.removeAudit(audit.token);
  say(`The audit of ${audit.staff_label} was discarded.`, "info");
  changed();
}

// ---- one audit's form --------------------------------------------------------------------

function openForm(audit) {
  current = audit;
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
  say("");
  $("[data-audit-heading]").focus();
}

function closeForm() {
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
  const unplaced = [];
  for (const [name, errors] of Object.entries(audit.problems || {})) {
    const field = document.getElementById(name);
    if (!field || !form.contains(field)) {
      unplaced.push(...errors);
      continue;
    }
    field.after(element("div", { class: "invalid-feedback d-block", role: "alert" }, errors.join(" ")));
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
  const who = current.staff_label;
  say(
    submit
      ? `The audit of ${who} is kept on this device and sent ${navigator.onLine ? "now" : "when the connection returns"}.`
      : `Draft saved on this device for ${who}. Finish it from the list below.`,
  );
  closeForm();
  changed();
  if (submit && navigator.onLine) sendNow();
});

// ---- starting, sending, refreshing -------------------------------------------------------

$("[data-start]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const kept = await store.getPackage(owner);
  const staff = kept?.staff.find((s) => String(s.id) === $("#offline-staff").value);
  const checklist = kept?.checklists.find((c) => c.fingerprint === $("#offline-checklist").value);
  if (!staff || !checklist) {
    say("Choose a staff member and a checklist.", "danger");
    return;
  }
  openForm({
    token: crypto.randomUUID(),
    owner,
    staff_member_id: staff.id,
    staff_label: staff.label,
    checklist_title: checklist.title,
    checklist_version: checklist.version,
    fingerprint: checklist.fingerprint,
    form_html: checklist.form_html,
    fields: [["observed_at", localNow()]],
    state: "new",
    saved_at: new Date().toISOString(),
  });
});

$("[data-action=back]").addEventListener("click", () => {
  closeForm();
  renderLists();
});

$("[data-action=send]").addEventListener("click", async () => {
  say(navigator.onLine ? "Sending…" : "No connection: the audits are sent when it returns.", "info");
  if (navigator.onLine) await sendNow();
});

$("[data-action=refresh]").addEventListener("click", async () => {
  try {
    const kept = await refreshPackage();
    if (kept) say("What is kept on this device was refreshed.");
    else say("Sign in again to refresh what is kept on this device.", "warning");
  } catch {
    say("No connection: what is kept stays as it was.", "warning");
  }
});

onChange((outcome) => {
  if (outcome) report(outcome);
  if (!current) renderLists();
});

function report({ sent, kept, signedOut }) {
  const parts = [];
  if (sent.length) parts.push(`${count(sent.length, "audit")} sent and stored.`);
  if (kept.length) parts.push(`${count(kept.length, "audit")} could not be stored: see below.`);
  if (signedOut) parts.push("Sign in again to send the audits that wait: they are kept until then.");
  if (parts.length && !current) say(parts.join(" "), kept.length || signedOut ? "warning" : "success");
}

window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);
root.hidden = false;
showConnection();
renderLists();

// The offline page: the audits not sent yet (finish, fix, review, discard), those sent, a
// form to score a new audit from the checklists kept on this device, and what is kept.
// Nothing here needs the server: a new audit's form is the server's own blank form for that
// checklist version, kept in the package.
import * as store from "./store.js";
import { changed, count, keptLine, onChange, owner, refreshPackage, sendNow, when } from "./app.js";
import { STATES, closeForm, element, isOpen, openForm } from "./audit_view.js";

const root = document.getElementById("offline-app");
const $ = (selector) => root.querySelector(selector);
const OPEN_LABEL = { draft: "Finish", problem: "Fix", conflict: "Review" };

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
    open.addEventListener("click", () => show(audit));
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

// ---- one audit, starting, sending, refreshing --------------------------------------------

function show(audit) {
  say("");
  openForm(audit, (saved) => {
    const who = saved.staff_label;
    say(
      saved.state === "waiting"
        ? `The audit of ${who} is kept on this device and sent ${navigator.onLine ? "now" : "when the connection returns"}.`
        : `Draft saved on this device for ${who}. Finish it from the list below.`,
    );
    changed();
    if (saved.state === "waiting" && navigator.onLine) sendNow();
  });
}


$("[data-start]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const kept = await store.getPackage(owner);
  const staff = kept?.staff.find((s) => String(s.id) === $("#offline-staff").value);
  const checklist = kept?.checklists.find((c) => c.fingerprint === $("#offline-checklist").value);
  if (!staff || !checklist) {
    say("Choose a staff member and a checklist.", "danger");
    return;
  }
  show({
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
  if (!isOpen()) renderLists();
});

function report({ sent, kept, signedOut }) {
  const parts = [];
  if (sent.length) parts.push(`${count(sent.length, "audit")} sent and stored.`);
  if (kept.length) parts.push(`${count(kept.length, "audit")} could not be stored: see below.`);
  if (signedOut) parts.push("Sign in again to send the audits that wait: they are kept until then.");
  if (parts.length && !isOpen()) say(parts.join(" "), kept.length || signedOut ? "warning" : "success");
}

window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);
root.hidden = false;
showConnection();
renderLists();

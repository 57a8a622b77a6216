// Loaded on every page a supervisor sees: installs the service worker, keeps the device's
// package fresh, sends waiting audits (now, when the connection returns, and again with a
// growing pause while some wait), shows how many wait in the navbar, and warns before a
// logout that would delete them.
import * as store from "./store.js";
import { keepWhenOffline } from "./form_page.js";
import { refresh, sendWaiting } from "./send.js";

const badge = document.getElementById("offline-badge");
export const urls = badge ? { ...badge.dataset } : {};
export const owner = badge ? Number(badge.dataset.user) : null;

const REFRESH_AFTER_MS = 10 * 60 * 1000;
const FIRST_RETRY_MS = 5000;
const LAST_RETRY_MS = 5 * 60 * 1000;
let retryIn = FIRST_RETRY_MS;
let retryTimer = null;
const listeners = new Set();

// Pages (the offline page) that show the store are told when it changes.
export function onChange(listener) {
  listeners.add(listener);
}

export function changed(outcome = null) {
  updateBadge();
  showKept();
  for (const listener of listeners) listener(outcome);
}

export async function updateBadge() {
  if (!badge) return;
  const count = (await store.audits(owner)).length;
  badge.querySelector("[data-count]").textContent = String(count);
  badge.querySelector("[data-label]").textContent =
    count === 1 ? " audit not sent yet" : " audits not sent yet";
  badge.hidden = count === 0;
}

// The home page's line on what this device keeps for scoring offline.
async function showKept() {
  const line = document.querySelector("[data-offline-kept]");
  const kept = line && (await store.getPackage(owner));
  if (!kept) return;
  line.querySelector("span").textContent = `${keptLine(kept)}.`;
  line.hidden = false;
}

export const when = (iso) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
export const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
export const keptLine = (kept) =>
  `${count(kept.checklists.length, "checklist")} and ${count(kept.staff.length, "staff member")} ` +
  `you can score offline, as of ${when(kept.fetched_at)}`;

export async function sendNow() {
  clearTimeout(retryTimer);
  let outcome;
  try {
    outcome = await sendWaiting(urls, owner);
  } catch (error) {
    console.warn("auditapp: the audits kept on this device cannot be read:", error);
    return null;
  }
  if (outcome.unreachable) {
    retryTimer = setTimeout(sendNow, retryIn);
    retryIn = Math.min(retryIn * 2, LAST_RETRY_MS);
  } else {
    retryIn = FIRST_RETRY_MS;
  }
  changed(outcome);
  return outcome;
}

export async function refreshPackage() {
  const kept = await refresh(urls, owner);
  changed();
  return kept;
}

async function keepFresh() {
  const kept = await store.getPackage(owner);
  if (kept && Date.now() - Date.parse(kept.fetched_at) < REFRESH_AFTER_MS) return;
  try {
    await refreshPackage();
  } catch {
    // No connection: what is kept stays until the next page load.
  }
}

function warnBeforeLogout() {
  const form = document.getElementById("logout-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // A store that cannot be read holds nothing to warn about; the logout must still happen
    // (and the server's Clear-Site-Data clears what it can).
    const count = await store.audits(owner).then((a) => a.length, () => 0);
    const what = count === 1 ? "1 audit has" : `${count} audits have`;
    const message =
      `${what} not been sent. Logging out deletes ${count === 1 ? "it" : "them"} ` +
      "from this device. Log out anyway?";
    if (count && !window.confirm(message)) return;
    await store.clearAll().catch(() => {});
    form.submit();
  });
}

if (badge) {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker
      .register(urls.sw, { scope: urls.scope })
      .catch((error) => console.warn("auditapp: this device cannot score offline:", error));
  }
  warnBeforeLogout();
  const scoring = document.querySelector("form[data-offline-page]");
  if (scoring) keepWhenOffline(scoring, owner);
  window.addEventListener("online", () => sendNow());
  updateBadge();
  showKept();
  if (navigator.onLine) keepFresh().then(sendNow);
}

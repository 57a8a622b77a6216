// What this device keeps to score offline, in IndexedDB: the package (checklists' forms and
// the roster, from /offline/package.json), the audits not sent yet (keyed by their form
// token, which is also what makes the server store each one once) and the results of those
// sent. Each record names the supervisor it belongs to; logging out deletes everything.

const NAME = "auditapp-offline";
const KEEP_SENT = 20;
let opening = null;
// Set once a logout has begun to clear the device: nothing on this page may open the database
// again. A send retrying meanwhile (its timer fires as the confirmation closes) would make it
// anew after the deletion, and could put a result in it; whatever asks now waits for the page
// to go.
let leaving = false;

function open() {
  if (leaving) return new Promise(() => {});
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("package");
        db.createObjectStore("audits", { keyPath: "token" });
        db.createObjectStore("sent", { keyPath: "token" });
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab is deleting the database (a logout): let it.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function inStore(name, mode, work) {
  const db = await open();
  const tx = db.transaction(name, mode);
  const result = await work(tx.objectStore(name));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result;
}

const byNewest = (a, b) => (a.saved_at < b.saved_at ? 1 : -1);

export async function getPackage(owner) {
  const kept = await inStore("package", "readonly", (s) => done(s.get("current")));
  return kept && kept.supervisor === owner ? kept : null;
}

export function putPackage(kept) {
  return inStore("package", "readwrite", (s) => done(s.put(kept, "current")));
}

export async function audits(owner) {
  const all = await inStore("audits", "readonly", (s) => done(s.getAll()));
  return all.filter((a) => a.owner === owner).sort(byNewest);
}

export async function getAudit(owner, token) {
  const audit = await inStore("audits", "readonly", (s) => done(s.get(token)));
  return audit && audit.owner === owner ? audit : null;
}

export function putAudit(audit) {
  return inStore("audits", "readwrite", (s) => done(s.put(audit)));
}

export function removeAudit(token) {
  return inStore("audits", "readwrite", (s) => done(s.delete(token)));
}

export async function sent(owner) {
  const all = await inStore("sent", "readonly", (s) => done(s.getAll()));
  return all.filter((r) => r.owner === owner).sort(byNewest);
}

// The server stored the audit: keep its result (never its answers) and forget the copy, in
// one transaction, so that a crash in between can neither lose nor repeat it.
export async function markSent(audit, result) {
  const db = await open();
  const tx = db.transaction(["audits", "sent"], "readwrite");
  tx.objectStore("sent").put({
    token: audit.token,
    owner: audit.owner,
    staff_label: audit.staff_label,
    checklist_title: audit.checklist_title,
    saved_at: new Date().toISOString(),
    status: result.status,
    overall: result.overall,
    passed: result.passed,
    url: result.url,
  });
  tx.objectStore("audits").delete(audit.token);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  const old = (await sent(audit.owner)).slice(KEEP_SENT);
  for (const record of old) {
    await inStore("sent", "readwrite", (s) => done(s.delete(record.token)));
  }
}

// Everything this app keeps on the device: the database, the service worker's caches, the
// service worker itself. The server's logout also sends Clear-Site-Data; this does the same
// at once, before the page leaves.
export async function clearAll() {
  leaving = true;
  const db = await opening;
  if (db) db.close();
  opening = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  if ("caches" in self) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  if ("serviceWorker" in navigator) {
    for (const registration of await navigator.serviceWorker.getRegistrations()) {
      await registration.unregister();
    }
  }
}

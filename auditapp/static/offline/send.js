// Talking to the server: refreshing what the device keeps, and sending the audits that wait,
// one by one, each with a fresh CSRF token. The server scores every audit itself and stores
// it once per form token, so a send that was cut off can simply be made again.
import * as store from "./store.js";

const ITEM = "item_";
const COMMENT = "comment_";

// What the server answers a device that is not signed in: the login page, after a redirect.
async function json(response) {
  if (response.redirected || !(response.headers.get("Content-Type") || "").includes("json")) {
    return null;
  }
  return response.json();
}

// The package, fetched and kept; null when the session has ended (sign in again first).
// A network error is thrown: the caller tries again later.
export async function refresh(urls, owner) {
  const response = await fetch(urls.package, { headers: { Accept: "application/json" } });
  const kept = response.ok ? await json(response) : null;
  if (!kept || kept.supervisor !== owner) return null;
  kept.fetched_at = new Date().toISOString();
  await store.putPackage(kept);
  return kept;
}

// An item's id from its field name: ids use '-', which field names write as '_'.
const itemId = (name, prefix) => name.slice(prefix.length).replaceAll("_", "-");

// The audit's form fields as the JSON the server takes; `interaction` names the form's
// interaction fields (the package's list).
export function asJson(audit, interaction) {
  const body = {
    token: audit.token,
    fingerprint: audit.fingerprint,
    staff_member_id: audit.staff_member_id,
    submit: true,
    answers: {},
    comments: {},
    interaction: {},
  };
  for (const [name, value] of audit.fields) {
    if (name.startsWith(ITEM)) body.answers[itemId(name, ITEM)] = value;
    else if (name.startsWith(COMMENT)) body.comments[itemId(name, COMMENT)] = value;
    else if (name === "lead_captured") body.interaction.lead_captured = true;
    else if (interaction.has(name)) body.interaction[name] = value;
  }
  return body;
}

// Send every audit waiting to be sent. Returns what happened: {sent, kept, signedOut,
// unreachable}; `unreachable` means "try again later".
export async function sendWaiting(urls, owner) {
  const outcome = { sent: [], kept: [], signedOut: false, unreachable: false };
  const work = async () => {
    const waiting = (await store.audits(owner)).filter((a) => a.state === "waiting");
    if (!waiting.length) return;
    let kept;
    try {
      kept = await refresh(urls, owner);
    } catch {
      outcome.unreachable = true;
      return;
    }
    if (!kept) {
      outcome.signedOut = true;
      return;
    }
    const interaction = new Set(kept.interaction_fields);
    for (const audit of waiting) {
      // Another tab may have sent it meanwhile.
      if (!(await store.getAudit(owner, audit.token))) continue;
      let response;
      try {
        response = await fetch(urls.send, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": kept.csrf_token,
          },
          body: JSON.stringify(asJson(audit, interaction)),
        });
      } catch {
        outcome.unreachable = true;
        return;
      }
      const answer = await json(response).catch(() => null);
      if (response.redirected) {
        outcome.signedOut = true;
        return;
      }
      if ((response.status === 200 || response.status === 201) && answer) {
        await store.markSent(audit, answer);
        outcome.sent.push(audit);
      } else if ([400, 409, 422].includes(response.status) && answer) {
        audit.state = response.status === 409 ? "conflict" : "problem";
        audit.message = answer.message;
        audit.problems = answer.problems || {};
        audit.stored_url = answer.url || null;
        await store.putAudit(audit);
        outcome.kept.push(audit);
      } else {
        // Anything else (a CSRF refusal, a server error, a proxy's page): try again later.
        outcome.unreachable = true;
        return;
      }
    }
  };
  // One tab sends at a time; the others find nothing left to send.
  if (navigator.locks) await navigator.locks.request("auditapp-send", work);
  else await work();
  return outcome;
}

// The local dashboard's script (served from /local/static/). It never builds markup from data:
// it fetches the server-rendered, autoescaped tables (GET /local/tables) and swaps them in.
//
// The dashboard token arrives once, in the address the server printed (?token=...). The script
// takes it out of the address bar and keeps it in this tab's sessionStorage, which belongs to
// this origin alone (port included), then sends it as a header on its own fetches. No cookie
// carries it: a cookie of 127.0.0.1 would go to every other port of that address.
"use strict";
(() => {
  const TOKEN_PARAM = "token";
  const TOKEN_HEADER = "X-Memoram-Local-Token";
  const STORED_TOKEN = "memoram-local-dashboard-token";
  const tables = document.getElementById("tables");
  const message = document.getElementById("message");
  const updated = document.getElementById("updated");
  const auto = document.getElementById("auto-refresh");
  const REFRESH_MS = Number(tables.dataset.refreshMs);
  const FETCH_TIMEOUT_MS = Number(tables.dataset.fetchTimeoutMs);
  let shown = null;  // the last fetched markup: swap only when it changed
  let busy = false;

  function takeToken() {
    const address = new URL(window.location.href);
    const given = address.searchParams.get(TOKEN_PARAM);
    if (given === null) return sessionStorage.getItem(STORED_TOKEN);
    sessionStorage.setItem(STORED_TOKEN, given);
    address.searchParams.delete(TOKEN_PARAM);
    history.replaceState(history.state, "", address.pathname + address.search + address.hash);
    return given;
  }

  let token = takeToken();

  const say = (text, isError) => {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  };

  function send(path, options) {
    const headers = token === null ? {} : { [TOKEN_HEADER]: token };
    return fetch(path, {
      ...options, headers, cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    }).then((response) => {
      if (response.status === 401) {
        // A token from an earlier server, or none: only the printed address helps now.
        sessionStorage.removeItem(STORED_TOKEN);
        token = null;
        throw new Error("the dashboard token is missing or stale; open the Dashboard address"
          + " the server printed");
      }
      return response;
    });
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      // The page's own query (which page of each table) goes to the tables it reloads.
      const response = await send(tables.dataset.src + window.location.search, {});
      if (!response.ok) throw new Error("HTTP " + response.status);
      const html = await response.text();
      if (html !== shown) {
        // Swapping the tables would close open <details> and drop focus: keep both.
        const open = [...tables.querySelectorAll("details[open]")].map((d) => d.id);
        const focused = document.activeElement && document.activeElement.id;
        tables.innerHTML = html;
        shown = html;
        delete tables.dataset.locked;
        for (const id of open) {
          const details = document.getElementById(id);
          if (details) details.open = true;
        }
        const again = focused && document.getElementById(focused);
        if (again && tables.contains(again)) again.focus();
      }
      updated.textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (error) {
      updated.textContent = "Could not refresh (" + error.message + ").";
    } finally {
      busy = false;
    }
  }

  function outcome(label, body) {
    if (body.key_version !== undefined) {
      return label + ": done, key version " + body.key_version + " is now current.";
    }
    if (body.revoked !== undefined) {
      return label + ": done, " + body.revoked.length + " approved request(s) revoked; the app"
        + " has no access to this user now.";
    }
    const done = label + ": done, the request is now " + body.status + ".";
    const others = body.still_approved || [];
    if (others.length === 0) return done;
    return done + " The app still has access to this user through " + others.length
      + " other approved request(s): use \u201cRevoke all\u201d in the Users table to end it.";
  }

  async function act(button) {
    const label = button.getAttribute("aria-label");
    button.disabled = true;
    try {
      const response = await send(button.dataset.path, { method: "POST" });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || "HTTP " + response.status);
      say(outcome(label, body));
    } catch (error) {
      say(label + " failed: " + error.message, true);
      button.disabled = false;
    }
    await refresh();
  }

  tables.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-path]");
    if (button && !button.disabled) {
      act(button);
      return;
    }
    const link = event.target.closest("a[data-page-link]");
    if (link) {
      // Paging stays in this tab: the address changes, the tables reload with the token.
      event.preventDefault();
      history.pushState(history.state, "", link.getAttribute("href"));
      refresh();
    }
  });
  window.addEventListener("popstate", refresh);
  document.getElementById("refresh-now").addEventListener("click", refresh);
  if (tables.dataset.locked !== undefined && token !== null) refresh();
  setInterval(() => {
    if (auto.checked && !document.hidden && token !== null) refresh();
  }, REFRESH_MS);
})();

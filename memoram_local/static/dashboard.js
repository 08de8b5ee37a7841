// The local dashboard's script (served from /local/static/). It never builds markup from data:
// it fetches the server-rendered, autoescaped tables (GET /local/tables) and swaps them in.
"use strict";
(() => {
  const tables = document.getElementById("tables");
  const message = document.getElementById("message");
  const updated = document.getElementById("updated");
  const auto = document.getElementById("auto-refresh");
  const REFRESH_MS = Number(tables.dataset.refreshMs);
  const FETCH_TIMEOUT_MS = Number(tables.dataset.fetchTimeoutMs);
  let shown = null;  // the last fetched markup: swap only when it changed
  let busy = false;

  const say = (text, isError) => {
    message.textContent = text;
    message.classList.toggle("error", Boolean(isError));
  };

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(tables.dataset.src, {
        cache: "no-store", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const html = await response.text();
      if (html !== shown) {
        // Swapping the tables would close open <details> and drop focus: keep both.
        const open = [...tables.querySelectorAll("details[open]")].map((d) => d.id);
        const focused = document.activeElement && document.activeElement.id;
        tables.innerHTML = html;
        shown = html;
        for (const id of open) {
          const details = document.getElementById(id);
          if (details) details.open = true;
        }
        const again = focused && document.getElementById(focused);
        if (again && tables.contains(again)) again.focus();
      }
      updated.textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (error) {
      updated.textContent = "Could not refresh (" + error.message + "): is the server running?";
    } finally {
      busy = false;
    }
  }

  async function act(button) {
    const label = button.getAttribute("aria-label");
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.path, {
        method: "POST", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.message || "HTTP " + response.status);
      say(body.key_version !== undefined
        ? label + ": done, key version " + body.key_version + " is now current."
        : label + ": done, the request is now " + body.status + ".");
    } catch (error) {
      say(label + " failed: " + error.message, true);
      button.disabled = false;
    }
    await refresh();
  }

  tables.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-path]");
    if (button && !button.disabled) act(button);
  });
  document.getElementById("refresh-now").addEventListener("click", refresh);
  setInterval(() => {
    if (auto.checked && !document.hidden) refresh();
  }, REFRESH_MS);
})();

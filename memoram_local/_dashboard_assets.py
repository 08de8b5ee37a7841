"""The dashboard's stylesheet and script, inlined into the page (no CDN, no external files).

The script never builds markup from data: it fetches the server-rendered, escaped tables
(`GET /local/tables`) and swaps them in, so no value reaches the DOM unescaped.
"""

from __future__ import annotations

REFRESH_SECONDS = 3
"""How often the page reloads its tables while it is visible and auto-refresh is on."""
FETCH_TIMEOUT_SECONDS = 10
"""How long one fetch may take before the page gives up on it."""

STYLE = """
:root { color-scheme: light dark; --line: #8884; --muted: #777; --accent: #2563eb; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; padding: 1.25rem 2rem 3rem; }
header p, .note, .empty, .meta { color: var(--muted); margin: .25rem 0; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
h2 .count { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem;
  border-bottom: 1px solid var(--line); }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num { font-variant-numeric: tabular-nums; }
td.reason { max-width: 28rem; overflow-wrap: anywhere; }
code { font: .85rem/1.3 ui-monospace, monospace; overflow-wrap: anywhere; }
.status { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .85rem;
  border: 1px solid currentColor; }
.status-pending { color: #b45309; }
.status-approved { color: #15803d; }
.status-rejected { color: #b91c1c; }
.status-revoked { color: #6b7280; }
caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
button { font: inherit; font-size: .85rem; padding: .2rem .7rem; margin: 0 .25rem .25rem 0;
  white-space: nowrap;
  border-radius: .35rem; border: 1px solid var(--line); background: transparent;
  color: inherit; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: progress; }
button:focus-visible, summary:focus-visible, input:focus-visible {
  outline: 2px solid var(--accent); outline-offset: 2px; }
details ul { margin: .35rem 0 0; padding-left: 1.1rem; }
details li { margin-bottom: .2rem; }
details li .meta { white-space: nowrap; }
.controls { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: .75rem 0; }
#message:empty { display: none; }
#message { padding: .4rem .7rem; border-left: 3px solid var(--accent); }
#message.error { border-color: #b91c1c; }
"""

SCRIPT = """
"use strict";
(() => {
  const tables = document.getElementById("tables");
  const message = document.getElementById("message");
  const updated = document.getElementById("updated");
  const auto = document.getElementById("auto-refresh");
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
""".replace("FETCH_TIMEOUT_MS", str(FETCH_TIMEOUT_SECONDS * 1000)).replace(
    "REFRESH_MS", str(REFRESH_SECONDS * 1000)
)

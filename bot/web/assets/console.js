// The console's only script: keeps an open page current from /console/events (Server-Sent Events) and
// counts ticked rows. Pages work without it; it never runs inline (the CSP allows only this file).

(() => {
  const badge = document.getElementById("pending-count");
  const region = document.getElementById("live-region");

  /** Someone is working in this element: a ticked box, an open form, text typed, or focus inside. */
  function busy(el) {
    if (!el) return false;
    if (el.querySelector("input.pick:checked, details[open]")) return true;
    for (const t of el.querySelectorAll("textarea")) if (t.value.trim() !== "") return true;
    return el.contains(document.activeElement) && document.activeElement !== document.body;
  }

  /** The page as a GET shows it now (after a decision the address bar holds the POST's URL). */
  async function fetchPage(url) {
    const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) return null;
    return new DOMParser().parseFromString(await res.text(), "text/html");
  }

  /** Pending: rows decided elsewhere go, new rows come, changed rows are redrawn unless in use. */
  function mergeQueue(next) {
    const fresh = next.getElementById("live-region");
    if (!fresh) return;
    const list = document.getElementById("queue");
    const freshList = fresh.querySelector("#queue");
    if (!list || !freshList || !busy(region)) {
      region.replaceChildren(...fresh.childNodes);
      countPicked();
      return;
    }
    const wanted = new Map([...freshList.children].map((li) => [li.dataset.id, li]));
    for (const li of [...list.children]) {
      if (!wanted.has(li.dataset.id)) li.remove();
    }
    const have = new Map([...list.children].map((li) => [li.dataset.id, li]));
    let before = null;
    for (const [id, li] of [...wanted].reverse()) {
      const current = have.get(id);
      if (!current) list.insertBefore(li, before);
      else if (current.dataset.v !== li.dataset.v && !busy(current)) current.replaceWith(li);
      before = current?.isConnected ? current : li;
    }
    countPicked();
  }

  async function refresh(ids) {
    if (region && region.dataset.first === "1") {
      const next = await fetchPage(region.dataset.self);
      if (next) mergeQueue(next);
      return;
    }
    const article = document.querySelector("article.approval");
    if (article && (ids.includes(article.dataset.id) || ids.includes("*"))) {
      if (busy(article)) {
        const note = document.getElementById("live-note");
        if (note) note.textContent = "This approval changed elsewhere: reload to see it.";
        return;
      }
      const next = await fetchPage(article.dataset.self);
      const fresh = next?.querySelector("article.approval");
      if (fresh) article.replaceWith(fresh);
    }
  }

  function countPicked() {
    const out = document.getElementById("selected-count");
    if (!out) return;
    const n = document.querySelectorAll("input.pick:checked").length;
    out.textContent = n === 0 ? "" : `${n} selected`;
  }
  document.addEventListener("change", (e) => {
    if (e.target instanceof HTMLInputElement && e.target.classList.contains("pick")) countPicked();
  });

  if (!badge || !("EventSource" in window)) return;
  const events = new EventSource("/console/events");
  let running = Promise.resolve();
  events.addEventListener("changed", (e) => {
    const data = JSON.parse(e.data);
    badge.textContent = String(data.pending);
    if (data.ids.length === 0) return;
    running = running.then(() => refresh(data.ids)).catch(() => {});
  });
})();

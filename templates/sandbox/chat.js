// The sandbox chat page: several simulated users side by side, each chatting with the bot
// through the sandbox's /sim/ JSON API, kept live by Server-Sent Events (or polling).
"use strict";

(function () {
  const DEFAULT_USERS = [
    { id: 1001, name: "Fan", role: "fan" },
    { id: 1002, name: "Expert", role: "expert" },
    { id: 1003, name: "Merchant", role: "merchant" },
    { id: 1004, name: "Admin", role: "admin" },
  ];
  const LANGUAGES = ["zh-hans", "en"];
  const POLL_INTERVAL_MS = 1000;
  const TOAST_MS = 2600;
  const { ChatPanel } = window.SandboxPanel;
  const { WebAppHost } = window.SandboxWebApp;

  /** Returns the users named by `?users=id:Name[:lang],…`, or the default four. */
  function usersFromQuery(search) {
    const spec = new URLSearchParams(search).get("users");
    if (!spec) return DEFAULT_USERS.map((user) => ({ ...user }));
    const users = [];
    for (const part of spec.split(",")) {
      const [idText, name, lang] = part.split(":").map((piece) => (piece || "").trim());
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id <= 0 || users.some((user) => user.id === id)) continue;
      users.push({ id, name: name || `User ${id}`, role: "", lang: LANGUAGES.includes(lang) ? lang : undefined });
    }
    return users.length ? users : DEFAULT_USERS.map((user) => ({ ...user }));
  }

  /** Returns the language a user starts with: the URL's, the last one chosen, or the browser's. */
  function initialLanguage(user) {
    if (user.lang) return user.lang;
    const pageLang = new URLSearchParams(location.search).get("lang");
    if (LANGUAGES.includes(pageLang)) return pageLang;
    const saved = safeStorageGet(`sandbox.lang.${user.id}`);
    if (LANGUAGES.includes(saved)) return saved;
    return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-hans" : "en";
  }

  /** The page's language for a person's Telegram language code (the sandbox keeps the code). */
  function pageLanguage(code) {
    const lower = String(code || "").toLowerCase();
    if (LANGUAGES.includes(lower)) return lower;
    return lower.startsWith("zh") ? "zh-hans" : "en";
  }

  /**
   * Takes the name and language of the people the sandbox already has: opening the page must not
   * rename them or reset their language (the bot would see the change). Only new people are created.
   */
  async function adoptKnownPeople(users) {
    let known;
    try {
      known = await callApi("GET", "/sim/users");
    } catch (_) {
      return; // the sandbox cannot say: the panels create (or update) their people as before
    }
    const byId = new Map((Array.isArray(known) ? known : []).map((person) => [person.id, person]));
    for (const user of users) {
      const person = byId.get(user.id);
      if (!person) continue;
      user.name = person.first_name || user.name;
      user.lang = pageLanguage(person.language_code);
      user.known = true;
    }
  }

  function safeStorageGet(key) {
    try { return window.localStorage.getItem(key); } catch (_) { return null; }
  }

  function safeStorageSet(key, value) {
    try { window.localStorage.setItem(key, value); } catch (_) { /* private mode: not remembered */ }
  }

  /** Calls the sandbox JSON API; resolves to the parsed body, rejects with its error text. */
  async function callApi(method, path, body) {
    const init = { method, headers: {} };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const raw = await response.text();
    let data = null;
    try { data = raw ? JSON.parse(raw) : null; } catch (_) { data = { description: raw }; }
    if (!response.ok || (data && data.ok === false)) {
      const reason = (data && (data.description || data.error || data.detail)) || `HTTP ${response.status}`;
      const error = new Error(typeof reason === "string" ? reason : JSON.stringify(reason));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  /** Keeps every panel current from /sim/events, polling transcripts while the stream is down. */
  class LiveUpdates {
    constructor(panelsById, indicator) {
      this.panelsById = panelsById;
      this.indicator = indicator;
      this.pollTimer = null;
      this.source = null;
    }

    start() {
      if (typeof window.EventSource !== "function") {
        this.startPolling();
        return;
      }
      this.source = new EventSource("/sim/events");
      this.source.onopen = () => {
        this.stopPolling();
        this.setState("live");
        this.refreshAll(); // catch up on whatever happened while the stream was down
      };
      this.source.onerror = () => {
        if (this.source.readyState === EventSource.CLOSED) this.source = null;
        this.startPolling();
      };
      const onEvent = (event) => this.dispatch(event.data);
      for (const type of ["message", "edit", "delete", "toast", "update"]) {
        this.source.addEventListener(type, onEvent);
      }
    }

    /** Applies one event from the stream to the panel of the user it concerns. */
    dispatch(raw) {
      let event;
      try { event = JSON.parse(raw); } catch (_) { return; }
      if (!event || typeof event !== "object") return;
      const userId = Number(event.user_id ?? event.chat_id);
      const targets = Number.isFinite(userId) && userId
        ? [this.panelsById.get(userId)].filter(Boolean)
        : [...this.panelsById.values()];
      for (const panel of targets) {
        if (event.type === "toast") {
          panel.showToast(event.text ?? (event.toast && event.toast.text), Boolean(event.show_alert ?? (event.toast && event.toast.show_alert)));
        } else {
          panel.refresh();
        }
      }
    }

    refreshAll() {
      for (const panel of this.panelsById.values()) panel.refresh();
    }

    startPolling() {
      if (this.pollTimer) return;
      this.setState("polling");
      this.pollTimer = window.setInterval(() => this.refreshAll(), POLL_INTERVAL_MS);
    }

    stopPolling() {
      if (this.pollTimer) window.clearInterval(this.pollTimer);
      this.pollTimer = null;
    }

    setState(state) {
      this.indicator.dataset.state = state;
      this.indicator.querySelector(".live-label").textContent = state;
    }
  }

  /** Builds one panel per user, registers them with the sandbox and starts live updates. */
  async function main() {
    const users = usersFromQuery(location.search);
    const panelsHost = document.getElementById("panels");
    const tabs = document.getElementById("user-tabs");
    const template = document.getElementById("panel-template");
    const panelsById = new Map();
    const themeSwitch = document.getElementById("theme-switch");
    themeSwitch.checked = new URLSearchParams(location.search).get("theme") === "dark";
    const webApps = new WebAppHost(document.getElementById("webapp-panel"), {
      callApi, theme: themeSwitch.checked ? "dark" : "light",
    });
    themeSwitch.addEventListener("change", () => webApps.setTheme(themeSwitch.checked ? "dark" : "light"));
    const context = {
      callApi, webApps, toastMs: TOAST_MS, languages: LANGUAGES,
      rememberLanguage: (userId, lang) => safeStorageSet(`sandbox.lang.${userId}`, lang),
    };

    await adoptKnownPeople(users);
    for (const user of users) {
      if (!user.known) user.lang = initialLanguage(user);
      const panel = new ChatPanel(user, template, context);
      // The first chat's menu button is #menu-button (the one tests press), the others'
      // #menu-button-<user id>.
      panel.menuButton.id = panelsById.size ? `menu-button-${user.id}` : "menu-button";
      panelsHost.appendChild(panel.root);
      panelsById.set(user.id, panel);

      const tab = document.createElement("button");
      tab.type = "button";
      tab.className = "user-tab";
      tab.textContent = user.name;
      tab.addEventListener("click", () => panel.root.scrollIntoView({ behavior: "smooth", inline: "start" }));
      tabs.appendChild(tab);
    }

    await Promise.all([...panelsById.values()].map((panel) => panel.start()));

    new LiveUpdates(panelsById, document.getElementById("live-state")).start();
  }

  window.SandboxChat = { usersFromQuery };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();

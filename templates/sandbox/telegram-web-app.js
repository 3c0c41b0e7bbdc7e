// The sandbox's stand-in for Telegram's telegram-web-app.js (https://telegram.org/js/telegram-web-app.js).
// It reads the launch parameters from location.hash as Telegram's script does, exposes the part of
// window.Telegram.WebApp the sandbox simulates, and talks to the page hosting the app the way
// Telegram Web does: window.parent.postMessage(JSON.stringify({eventType, eventData}), "*").
"use strict";

(function () {
  const STORAGE_KEY = "__telegram__initParams";

  /** Decodes a URL-encoded component ("+" is a space), or returns it as it is if it is broken. */
  function decode(value) {
    try { return decodeURIComponent(value.replace(/\+/g, "%20")); } catch (_) { return value; }
  }

  function parseQuery(query) {
    const params = {};
    for (const pair of query.split("&")) {
      if (!pair) continue;
      const at = pair.indexOf("=");
      if (at < 0) params[decode(pair)] = null;
      else params[decode(pair.slice(0, at))] = decode(pair.slice(at + 1));
    }
    return params;
  }

  /** The launch parameters: "#tgWebAppData=…&…", or "#/path?tgWebAppData=…" behind a path. */
  function parseHash(hash) {
    const text = hash.replace(/^#/, "");
    if (text.indexOf("=") < 0 && text.indexOf("?") < 0) return {};
    const question = text.indexOf("?");
    return parseQuery(question >= 0 ? text.slice(question + 1) : text);
  }

  /** Like Telegram's script: the parameters survive navigation inside the app (sessionStorage). */
  function launchParams() {
    let params = parseHash(location.hash);
    try {
      if (params.tgWebAppData) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(params));
      else params = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "{}") || {};
    } catch (_) { /* no storage: this page's hash only */ }
    return params;
  }

  function parseJson(text, fallback) {
    try { return JSON.parse(text); } catch (_) { return fallback; }
  }

  /** Says whether a #rrggbb background is dark (Telegram's script picks colorScheme this way). */
  function isDark(color) {
    const match = /^#([0-9a-f]{6})$/i.exec(color || "");
    if (!match) return false;
    const value = parseInt(match[1], 16);
    const [r, g, b] = [value >> 16, (value >> 8) & 255, value & 255];
    return Math.sqrt(0.299 * r * r + 0.587 * g * g + 0.114 * b * b) < 120;
  }

  const params = launchParams();
  const initData = params.tgWebAppData || "";
  const initDataUnsafe = {};
  for (const [key, value] of Object.entries(initData ? parseQuery(initData) : {})) {
    const looksJson = typeof value === "string" && /^[{[]/.test(value) && /[}\]]$/.test(value);
    initDataUnsafe[key] = looksJson ? parseJson(value, value) : value;
  }

  const handlers = {};
  function onEvent(name, callback) {
    if (typeof callback !== "function") return;
    (handlers[name] = handlers[name] || []).push(callback);
  }
  function offEvent(name, callback) {
    const list = handlers[name] || [];
    const at = list.indexOf(callback);
    if (at >= 0) list.splice(at, 1);
  }
  function fire(name, ...args) {
    for (const callback of (handlers[name] || []).slice()) {
      try { callback.apply(WebApp, args); } catch (error) { console.error("[Telegram.WebApp]", error); }
    }
  }

  function postEvent(eventType, eventData) {
    if (window.parent === window) {
      console.log("[Telegram.WebApp] not in a Telegram frame:", eventType, eventData);
      return;
    }
    window.parent.postMessage(JSON.stringify({ eventType, eventData: eventData || {} }), "*");
  }

  const WebApp = {
    initData,
    initDataUnsafe,
    version: params.tgWebAppVersion || "6.0",
    platform: params.tgWebAppPlatform || "unknown",
    colorScheme: "light",
    themeParams: {},
    isExpanded: false,
    onEvent,
    offEvent,
    ready() { postEvent("web_app_ready"); },
    expand() { WebApp.isExpanded = true; postEvent("web_app_expand"); },
    close() { postEvent("web_app_close"); },
    openLink(url) {
      const link = new URL(url, location.href);
      if (link.protocol !== "http:" && link.protocol !== "https:") throw Error("WebAppTgUrlInvalid");
      postEvent("web_app_open_link", { url: link.href });
    },
    openTelegramLink(url) {
      const link = new URL(url, location.href);
      if (link.protocol !== "http:" && link.protocol !== "https:" || link.hostname !== "t.me") {
        throw Error("WebAppTgUrlInvalid");
      }
      postEvent("web_app_open_tg_link", { path_full: link.pathname + link.search });
    },
    shareMessage(id, callback) {
      if (share) throw Error("WebAppShareMessageOpened");
      share = { callback };
      postEvent("web_app_send_prepared_message", { id });
    },
    requestWriteAccess(callback) {
      if (writeAccess) throw Error("WebAppWriteAccessRequested");
      writeAccess = { callback };
      postEvent("web_app_request_write_access");
    },
  };
  let share = null;
  let writeAccess = null;

  function applyTheme(themeParams) {
    WebApp.themeParams = themeParams && typeof themeParams === "object" ? themeParams : {};
    WebApp.colorScheme = isDark(WebApp.themeParams.bg_color) ? "dark" : "light";
    const style = document.documentElement.style;
    for (const [key, color] of Object.entries(WebApp.themeParams)) {
      style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, color);
    }
    style.setProperty("--tg-color-scheme", WebApp.colorScheme);
  }
  applyTheme(parseJson(params.tgWebAppThemeParams || "{}", {}));

  /** The main button under the app (BottomButton "main"): state kept here, drawn by the host.
   * Its colors follow the theme until the app sets its own, as in Telegram's script. */
  const main = { text: "Continue", color: "", textColor: "", isVisible: false, isActive: true, isProgressVisible: false };
  const MainButton = {
    setText(text) { return MainButton.setParams({ text }); },
    setParams(options) {
      const given = options || {};
      if (given.text !== undefined) {
        const text = String(given.text).trim();
        if (!text.length || text.length > 64) throw Error("WebAppMainButtonParamInvalid");
        main.text = text;
      }
      if (given.color !== undefined) main.color = String(given.color || "");
      if (given.text_color !== undefined) main.textColor = String(given.text_color || "");
      if (given.is_visible !== undefined) main.isVisible = Boolean(given.is_visible);
      if (given.is_active !== undefined) main.isActive = Boolean(given.is_active);
      setupMainButton();
      return MainButton;
    },
    show() { return MainButton.setParams({ is_visible: true }); },
    hide() { return MainButton.setParams({ is_visible: false }); },
    enable() { return MainButton.setParams({ is_active: true }); },
    disable() { return MainButton.setParams({ is_active: false }); },
    showProgress(leaveActive) {
      main.isProgressVisible = true;
      if (!leaveActive) main.isActive = false;
      setupMainButton();
      return MainButton;
    },
    hideProgress() {
      main.isProgressVisible = false;
      main.isActive = true;
      setupMainButton();
      return MainButton;
    },
    onClick(callback) { onEvent("mainButtonClicked", callback); return MainButton; },
    offClick(callback) { offEvent("mainButtonClicked", callback); return MainButton; },
  };
  const mainProperties = {
    text: [() => main.text, "text"],
    color: [() => main.color || WebApp.themeParams.button_color || "#2481cc", "color"],
    textColor: [() => main.textColor || WebApp.themeParams.button_text_color || "#ffffff", "text_color"],
    isVisible: [() => main.isVisible, "is_visible"],
    isActive: [() => main.isActive, "is_active"],
  };
  for (const [name, [get, param]] of Object.entries(mainProperties)) {
    Object.defineProperty(MainButton, name, { get, set: (value) => MainButton.setParams({ [param]: value }), enumerable: true });
  }
  Object.defineProperty(MainButton, "isProgressVisible", { get: () => main.isProgressVisible, enumerable: true });
  function setupMainButton() {
    postEvent("web_app_setup_main_button", main.isVisible ? {
      is_visible: true,
      is_active: main.isActive,
      is_progress_visible: main.isProgressVisible,
      text: main.text,
      color: MainButton.color,
      text_color: MainButton.textColor,
    } : { is_visible: false });
  }

  let backVisible = false;
  const BackButton = {
    show() { return setBackButton(true); },
    hide() { return setBackButton(false); },
    onClick(callback) { onEvent("backButtonClicked", callback); return BackButton; },
    offClick(callback) { offEvent("backButtonClicked", callback); return BackButton; },
  };
  Object.defineProperty(BackButton, "isVisible", { get: () => backVisible, set: (value) => setBackButton(value), enumerable: true });
  function setBackButton(visible) {
    backVisible = Boolean(visible);
    postEvent("web_app_setup_back_button", { is_visible: backVisible });
    return BackButton;
  }
  WebApp.MainButton = MainButton;
  WebApp.BackButton = BackButton;

  /** What the host page sends: {eventType, eventData}, from the window that framed the app only. */
  function receive(eventType, eventData) {
    const data = eventData || {};
    if (eventType === "main_button_pressed") {
      if (main.isVisible && main.isActive) fire("mainButtonClicked");
    } else if (eventType === "back_button_pressed") {
      if (backVisible) fire("backButtonClicked");
    } else if (eventType === "theme_changed") {
      applyTheme(data.theme_params);
      if (main.isVisible) setupMainButton(); // its theme colors changed
      fire("themeChanged");
    } else if (eventType === "prepared_message_sent" || eventType === "prepared_message_failed") {
      const pending = share;
      share = null;
      const sent = eventType === "prepared_message_sent";
      if (sent) fire("shareMessageSent");
      else fire("shareMessageFailed", { error: data.error || "UNKNOWN_ERROR" });
      if (pending && typeof pending.callback === "function") pending.callback(sent);
    } else if (eventType === "write_access_requested") {
      const pending = writeAccess;
      writeAccess = null;
      fire("writeAccessRequested", { status: data.status });
      if (pending && typeof pending.callback === "function") pending.callback(data.status === "allowed");
    }
  }
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = typeof event.data === "string" ? parseJson(event.data, null) : event.data;
    if (message && typeof message.eventType === "string") receive(message.eventType, message.eventData);
  });

  window.Telegram = window.Telegram || {};
  window.Telegram.WebApp = WebApp;
})();

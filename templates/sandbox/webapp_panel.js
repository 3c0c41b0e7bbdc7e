// The Mini App panel: a phone-sized frame over a chat, playing the Telegram client's side of a
// Mini App. The app's telegram-web-app.js posts {eventType, eventData} JSON to this page (as it
// would to Telegram Web); the panel answers the same way, and only ever listens to its own frame.
"use strict";

(function () {
  const PANEL_WIDTH = 390;
  const DIRECT_LINK_RE = /^(https?:\/\/(t\.me|telegram\.me|telegram\.dog)\/[a-z][a-z0-9_]*bot\/[a-z0-9_]{3,30}\/?([?#].*)?|tg:\/\/resolve\?.*\bappname=.*)$/i;
  const HTTP_RE = /^https?:\/\//i;

  /** Says whether a URL is a direct link to a bot's Mini App (t.me/<bot>/<app>?startapp=…). */
  function isDirectAppLink(url) {
    return typeof url === "string" && DIRECT_LINK_RE.test(url);
  }

  /** The origin of a launch URL, or null unless it is http(s) (a javascript: or data: URL has none to check). */
  function launchOrigin(url) {
    let parsed;
    try { parsed = new URL(url); } catch (_) { return null; }
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : null;
  }

  function displayName(person) {
    return [person.first_name, person.last_name].filter(Boolean).join(" ") || `User ${person.id}`;
  }

  class WebAppHost {
    /** `root` is #webapp-panel; `context.callApi` reaches the sandbox. */
    constructor(root, context) {
      this.root = root;
      this.context = context;
      this.theme = context.theme === "dark" ? "dark" : "light";
      this.themes = null; // light and dark themeParams, from /sim/webapp/themes
      this.chat = null; // the ChatPanel whose person has the app open
      this.botId = null;
      this.origin = null;
      this.launchId = 0; // bumped by every show() and close(), so late answers can tell they are stale
      const $ = (selector) => root.querySelector(selector);
      this.frame = $("#webapp-frame");
      this.title = $("#webapp-title");
      this.back = $("#webapp-back");
      this.mainButton = $("#webapp-main-button");
      this.shareSheet = $(".webapp-share");
      this.chooser = $("#webapp-share-chooser");
      this.shareNote = $(".webapp-share-note");
      this.error = $("#webapp-error");
      this.pendingShare = null;

      $("#webapp-close").addEventListener("click", () => this.close());
      this.back.addEventListener("click", () => this.post("back_button_pressed"));
      this.mainButton.addEventListener("click", () => {
        if (!this.mainButton.disabled) this.post("main_button_pressed");
      });
      $("#webapp-share-cancel").addEventListener("click", () => this.finishShare(false, "USER_DECLINED"));
      window.addEventListener("message", (event) => this.receive(event));
    }

    get isOpen() {
      return !this.root.hidden;
    }

    /** Opens a web_app button's or the menu button's URL for the person of `chat`. */
    async openButton(chat, url, source) {
      if (isDirectAppLink(url)) return this.openLink(chat, url);
      const query = chat.botId ? `?bot=${encodeURIComponent(chat.botId)}` : "";
      await this.launch(chat, `/sim/users/${chat.user.id}/webapp${query}`, { url, source, theme: this.theme });
    }

    /** Opens a direct link to a registered Mini App. */
    async openLink(chat, url) {
      await this.launch(chat, `/sim/users/${chat.user.id}/open-link`, { url, theme: this.theme });
    }

    async launch(chat, path, body) {
      let launch;
      try {
        launch = await this.context.callApi("POST", path, body);
      } catch (error) {
        chat.showToast(`Mini App not opened: ${error.message}`, false, true);
        return;
      }
      this.show(chat, launch);
    }

    show(chat, launch) {
      this.finishShare(false, "UNKNOWN_ERROR", true);
      this.launchId += 1;
      const origin = launchOrigin(launch.url);
      // An app on the sandbox's own origin would share it with this page (the frame allows scripts
      // and same-origin), and could drive the chats from inside the frame: such a launch is refused.
      const refused = origin === null || origin === location.origin;
      this.chat = refused ? null : chat;
      this.botId = launch.bot ? launch.bot.id : chat.botId;
      this.origin = refused ? null : origin;
      this.title.textContent = (launch.bot && launch.bot.first_name) || "Mini App";
      this.back.hidden = true;
      this.renderMainButton({ is_visible: false });
      delete this.root.dataset.ready;
      this.applyTheme(launch.theme_params);
      this.error.textContent = refused
        ? "Mini App not opened: its URL must be http(s) on an origin other than the sandbox's."
        : "";
      this.error.hidden = !refused;
      this.frame.hidden = refused;
      this.root.hidden = false;
      this.place(chat.root);
      this.frame.src = refused ? "about:blank" : launch.url;
    }

    /** Says whether `launchId` (taken before an await) is still the open launch. */
    isCurrent(launchId) {
      return this.isOpen && launchId === this.launchId;
    }

    /** Puts the panel over the chat that opened it, inside the window. */
    place(chatRoot) {
      const box = chatRoot.getBoundingClientRect();
      const width = Math.min(PANEL_WIDTH, window.innerWidth - 16);
      const left = Math.max(8, Math.min(box.left + (box.width - width) / 2, window.innerWidth - width - 8));
      this.root.style.left = `${Math.round(left)}px`;
    }

    close() {
      this.finishShare(false, "UNKNOWN_ERROR", true);
      this.launchId += 1;
      this.root.hidden = true;
      this.error.hidden = true;
      this.frame.src = "about:blank";
      this.chat = this.origin = null;
    }

    async setTheme(theme) {
      this.theme = theme === "dark" ? "dark" : "light";
      if (!this.isOpen) return;
      if (!this.themes) {
        const launchId = this.launchId;
        try { this.themes = await this.context.callApi("GET", "/sim/webapp/themes"); } catch (_) { return; }
        if (!this.isCurrent(launchId)) return; // closed or relaunched meanwhile: the launch had its theme
      }
      const params = this.themes[this.theme];
      this.applyTheme(params);
      this.post("theme_changed", { theme_params: params });
    }

    applyTheme(params) {
      this.root.dataset.theme = this.theme;
      if (!params) return;
      this.root.style.setProperty("--webapp-bg", params.bg_color);
      this.root.style.setProperty("--webapp-header", params.header_bg_color || params.bg_color);
      this.root.style.setProperty("--webapp-text", params.text_color);
      this.root.style.setProperty("--webapp-bar", params.bottom_bar_bg_color || params.secondary_bg_color);
    }

    /** Sends {eventType, eventData} to the app in the frame (and nowhere else). */
    post(eventType, eventData) {
      if (!this.isOpen || !this.frame.contentWindow || !this.origin) return;
      this.frame.contentWindow.postMessage(JSON.stringify({ eventType, eventData: eventData || {} }), this.origin);
    }

    receive(event) {
      if (!this.isOpen || event.source !== this.frame.contentWindow || !this.origin || event.origin !== this.origin) return;
      let message;
      try { message = typeof event.data === "string" ? JSON.parse(event.data) : event.data; } catch (_) { return; }
      if (!message || typeof message.eventType !== "string") return;
      const data = message.eventData && typeof message.eventData === "object" ? message.eventData : {};
      switch (message.eventType) {
        case "web_app_ready": this.root.dataset.ready = "true"; break;
        case "web_app_expand": this.root.dataset.expanded = "true"; break;
        case "web_app_close": this.close(); break;
        case "web_app_open_link":
          if (typeof data.url === "string" && HTTP_RE.test(data.url)) window.open(data.url, "_blank", "noopener");
          break;
        case "web_app_open_tg_link": this.openTelegramLink(data.path_full); break;
        case "web_app_setup_main_button": this.renderMainButton(data); break;
        case "web_app_setup_back_button": this.back.hidden = !data.is_visible; break;
        case "web_app_send_prepared_message": this.startShare(data.id); break;
        case "web_app_request_write_access": this.requestWriteAccess(); break;
        default: break; // the sandbox does not simulate the rest
      }
    }

    openTelegramLink(pathFull) {
      if (typeof pathFull !== "string" || !pathFull.startsWith("/")) return;
      const url = `https://t.me${pathFull}`;
      if (isDirectAppLink(url) && this.chat) this.openLink(this.chat, url);
      else window.open(url, "_blank", "noopener");
    }

    renderMainButton(params) {
      const button = this.mainButton;
      const visible = Boolean(params.is_visible) && typeof params.text === "string" && params.text.trim() !== "";
      button.hidden = !visible;
      if (!visible) return;
      button.textContent = params.text;
      button.style.backgroundColor = params.color || "";
      button.style.color = params.text_color || "";
      button.disabled = params.is_active === false;
      button.dataset.progress = String(Boolean(params.is_progress_visible));
      button.setAttribute("aria-busy", String(Boolean(params.is_progress_visible)));
    }

    botQuery() {
      return this.botId ? `?bot=${encodeURIComponent(this.botId)}` : "";
    }

    /** shareMessage: check the prepared message, then let the person pick someone to send it to. */
    async startShare(id) {
      if (!this.chat || typeof id !== "string" || !id) return this.post("prepared_message_failed", { error: "UNKNOWN_ERROR" });
      const launchId = this.launchId;
      const user = this.chat.user;
      const base = `/sim/users/${user.id}/prepared-messages/${encodeURIComponent(id)}`;
      let prepared;
      try {
        prepared = await this.context.callApi("GET", base + this.botQuery());
      } catch (error) {
        if (!this.isCurrent(launchId)) return; // the app that asked is gone
        return this.post("prepared_message_failed", { error: error.status === 410 ? "MESSAGE_EXPIRED" : "UNKNOWN_ERROR" });
      }
      let people = [];
      if (!this.isCurrent(launchId)) return;
      try { people = await this.context.callApi("GET", "/sim/users"); } catch (_) { /* none to offer */ }
      if (!this.isCurrent(launchId)) return;
      this.pendingShare = { base, launchId };
      this.chooser.replaceChildren();
      const others = (Array.isArray(people) ? people : []).filter((person) => person.id !== user.id);
      const allowed = Boolean(prepared.allow_user_chats);
      this.shareNote.textContent = allowed
        ? "Send to…"
        : "The bot allows this message in other kinds of chats only.";
      if (allowed) {
        for (const person of others) {
          const choice = document.createElement("button");
          choice.type = "button";
          choice.className = "webapp-share-person";
          choice.dataset.userId = String(person.id);
          choice.textContent = displayName(person);
          choice.addEventListener("click", () => this.sendShare(person.id));
          this.chooser.appendChild(choice);
        }
      }
      this.chooser.hidden = false;
      this.shareSheet.hidden = false;
    }

    async sendShare(toUser) {
      const pending = this.pendingShare;
      if (!pending) return;
      try {
        await this.context.callApi("POST", `${pending.base}/send${this.botQuery()}`, { to_user: toUser });
      } catch (error) {
        // Closed, relaunched or cancelled meanwhile: that already ended this share.
        if (pending !== this.pendingShare || !this.isCurrent(pending.launchId)) return;
        if (this.chat) this.chat.showToast(`Not shared: ${error.message}`, false, true);
        return this.finishShare(false, "MESSAGE_SEND_FAILED");
      }
      if (pending !== this.pendingShare || !this.isCurrent(pending.launchId)) return;
      this.finishShare(true);
    }

    /** Closes the chooser and tells the app how sharing ended (`quiet`: the app is going away). */
    finishShare(sent, error, quiet = false) {
      if (!this.pendingShare) return;
      this.pendingShare = null;
      this.shareSheet.hidden = true;
      this.chooser.hidden = true;
      this.chooser.replaceChildren();
      if (quiet) return;
      if (sent) this.post("prepared_message_sent");
      else this.post("prepared_message_failed", { error });
    }

    async requestWriteAccess() {
      if (!this.chat) return;
      const launchId = this.launchId;
      let status = "cancelled";
      try {
        const answer = await this.context.callApi("POST", `/sim/users/${this.chat.user.id}/write-access${this.botQuery()}`);
        status = answer && answer.status === "allowed" ? "allowed" : "cancelled";
      } catch (_) { /* the person could not allow it */ }
      if (!this.isCurrent(launchId)) return; // the answer is for an app that is no longer open
      this.post("write_access_requested", { status });
    }
  }

  window.SandboxWebApp = { WebAppHost, isDirectAppLink };
})();

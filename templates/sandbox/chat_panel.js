// One simulated user's chat with the bot: the bubbles, keyboards, composer and command menu.
"use strict";

(function () {
  const { renderMessage, isFromBot, el } = window.SandboxMessages;
  const { isDirectAppLink } = window.SandboxWebApp;

  /** A user's chat panel; talks to the sandbox through `context.callApi`. */
  class ChatPanel {
    constructor(user, template, context) {
      this.user = user;
      this.context = context;
      this.blocked = false;
      this.commands = [];
      this.entries = new Map(); // message key -> { node, signature }
      this.toastCounts = null; // message key -> toasts already seen (null before the first load)
      this.usedOneTimeKeyboard = null;
      this.refreshing = null;
      this.refreshAgain = false;
      this.toastTimer = null;
      this.botId = undefined; // the bot whose chat the transcript shows
      this.menu = { type: "default" }; // the chat's menu button (setChatMenuButton)
      this.messageHandlers = {
        press: (messageId, data, node) => this.press(messageId, data, node),
        openWebApp: (url, source) => this.openWebApp(url, source),
        imageLoaded: (height) => this.scrollToBottomIfNear(height),
      };

      this.root = template.content.firstElementChild.cloneNode(true);
      const $ = (selector) => this.root.querySelector(selector);
      this.log = $(".messages");
      this.toast = $(".toast");
      this.replyKeyboard = $(".reply-keyboard");
      this.commandMenu = $(".command-menu");
      this.menuButton = $(".menu-button");
      this.textInput = $(".text-input");
      this.blockToggle = $(".block-toggle");
      this.langSelect = $(".lang-select");

      this.root.dataset.userId = String(user.id);
      this.root.dataset.role = user.role || "";
      this.root.setAttribute("aria-label", `Chat of ${user.name}`);
      const avatar = $(".avatar");
      avatar.textContent = (user.name || "?").trim().charAt(0).toUpperCase() || "?";
      avatar.style.setProperty("--avatar-hue", String((user.id * 47) % 360));
      $(".who-name").textContent = user.name;
      $(".who-meta").textContent = [user.role, `id ${user.id}`].filter(Boolean).join(" · ");
      this.langSelect.value = user.lang;

      $(".composer").addEventListener("submit", (event) => {
        event.preventDefault();
        this.send(this.textInput.value);
      });
      this.textInput.addEventListener("input", () => this.suggestCommands());
      this.textInput.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.closeMenu();
      });
      this.menuButton.addEventListener("click", () => {
        if (this.menu.type === "web_app") this.openWebApp(this.menu.web_app.url, "menu");
        else this.toggleMenu();
      });
      // A link to a bot's Mini App opens the app in the panel, as Telegram does, not a tab.
      this.log.addEventListener("click", (event) => {
        const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
        if (!link || !isDirectAppLink(link.href)) return;
        event.preventDefault();
        this.context.webApps.openLink(this, link.href);
      });
      $(".photo-input").addEventListener("change", (event) => {
        const file = event.target.files && event.target.files[0];
        event.target.value = "";
        if (file) this.sendPhoto(file);
      });
      this.blockToggle.addEventListener("click", () => this.setBlocked(!this.blocked));
      this.langSelect.addEventListener("change", () => this.setLanguage(this.langSelect.value));
      this.toast.addEventListener("click", () => this.hideToast());
      document.addEventListener("click", (event) => {
        if (!this.commandMenu.hidden && !this.commandMenu.contains(event.target) && event.target !== this.menuButton) this.closeMenu();
      });
    }

    /** Registers a new user with the sandbox (a known one stays as is), then loads the commands
     * and the transcript. */
    async start() {
      if (!this.user.known) await this.ensureUser();
      await Promise.all([this.loadCommands(), this.refresh()]);
    }

    async ensureUser() {
      try {
        await this.context.callApi("POST", "/sim/users", {
          id: this.user.id, first_name: this.user.name, language_code: this.user.lang,
        });
      } catch (error) {
        this.showToast(`Could not create the user: ${error.message}`, false, true);
      }
    }

    async setLanguage(lang) {
      this.user.lang = lang;
      this.context.rememberLanguage(this.user.id, lang);
      await this.ensureUser();
      await this.loadCommands();
    }

    async loadCommands() {
      try {
        const query = `language_code=${encodeURIComponent(this.user.lang)}&user_id=${this.user.id}`;
        const data = await this.context.callApi("GET", `/sim/commands?${query}`);
        const list = Array.isArray(data) ? data : (data && (data.commands || data.result)) || [];
        this.commands = list.filter((entry) => entry && typeof entry.command === "string");
      } catch (_) {
        this.commands = [];
      }
    }

    /** Reloads the transcript; calls made while one is in flight coalesce into one more. */
    refresh() {
      if (this.refreshing) {
        this.refreshAgain = true;
        return this.refreshing;
      }
      this.refreshing = (async () => {
        do {
          this.refreshAgain = false;
          try {
            const data = await this.context.callApi("GET", `/sim/users/${this.user.id}/transcript`);
            const messages = Array.isArray(data) ? data : (data && (data.messages || data.result)) || [];
            this.reconcile(messages);
            if (data && typeof data.blocked === "boolean") this.showBlocked(data.blocked);
            if (data && data.menu_button) this.showMenuButton(data.menu_button);
            // A bot that appears (or changes) after the page loaded brings its own commands.
            const botId = data && data.bot ? data.bot.id : null;
            if (botId !== this.botId) {
              this.botId = botId;
              if (botId !== null) this.loadCommands();
            }
          } catch (_) { /* the next event or poll retries */ }
        } while (this.refreshAgain);
      })().finally(() => { this.refreshing = null; });
      return this.refreshing;
    }

    /** Makes the log show exactly `messages`: new ones added, edited ones replaced, deleted ones gone. */
    reconcile(messages) {
      const nearBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
      const firstLoad = this.toastCounts === null;
      const toastCounts = new Map();
      const seen = new Set();
      let previous = null;
      let added = false;
      for (const message of messages) {
        const key = `${isFromBot(message) ? "bot" : "user"}:${message.message_id}`;
        seen.add(key);
        const signature = JSON.stringify(message);
        let entry = this.entries.get(key);
        if (!entry || entry.signature !== signature) {
          const node = renderMessage(message, this.messageHandlers);
          if (entry) entry.node.replaceWith(node);
          else added = true;
          entry = { node, signature };
          this.entries.set(key, entry);
        }
        const wantedPrevious = previous;
        if (entry.node.parentNode !== this.log || entry.node.previousElementSibling !== wantedPrevious) {
          if (wantedPrevious) wantedPrevious.after(entry.node);
          else this.log.prepend(entry.node);
        }
        previous = entry.node;
        const toasts = Array.isArray(message.toasts) ? message.toasts : [];
        toastCounts.set(key, toasts.length);
        // Toasts reach us by the event stream too; this path covers polling (showToast dedupes).
        if (!firstLoad && toasts.length > (this.toastCounts.get(key) || 0)) {
          const last = toasts[toasts.length - 1];
          this.showToast(typeof last === "string" ? last : last && last.text, Boolean(last && last.show_alert));
        }
      }
      for (const [key, entry] of this.entries) {
        if (!seen.has(key)) {
          entry.node.remove();
          this.entries.delete(key);
        }
      }
      this.toastCounts = toastCounts;
      this.renderReplyKeyboard(messages);
      if (firstLoad || nearBottom || (added && this.log.children.length === 1)) this.scrollToBottom();
    }

    renderReplyKeyboard(messages) {
      let current = null;
      let currentKey = null;
      for (const message of messages) {
        const markup = message.reply_markup;
        if (!isFromBot(message) || !markup) continue;
        if (Array.isArray(markup.keyboard)) { current = markup; currentKey = `bot:${message.message_id}`; }
        if (markup.remove_keyboard) { current = null; currentKey = null; }
      }
      this.replyKeyboard.replaceChildren();
      const show = current && currentKey !== this.usedOneTimeKeyboard;
      this.replyKeyboard.hidden = !show;
      if (!show) return;
      for (const row of current.keyboard) {
        const line = el("div", "keyboard-row");
        for (const button of row || []) {
          const text = typeof button === "string" ? button : button && button.text;
          if (typeof text !== "string") continue;
          const node = el("button", "reply-button", text);
          node.type = "button";
          const webAppUrl = button && button.web_app && button.web_app.url;
          if (typeof webAppUrl === "string") node.classList.add("webapp-button");
          node.addEventListener("click", () => {
            if (current.one_time_keyboard) this.usedOneTimeKeyboard = currentKey;
            if (typeof webAppUrl === "string") this.openWebApp(webAppUrl, "keyboard_button");
            else this.send(text);
          });
          line.appendChild(node);
        }
        this.replyKeyboard.appendChild(line);
      }
    }

    /** Opens a Mini App of the bot (a web_app button or the menu button) in the panel. */
    openWebApp(url, source) {
      this.closeMenu();
      return this.context.webApps.openButton(this, url, source);
    }

    /** Shows the chat's menu button: a Mini App's text, or "/" for the command menu. */
    showMenuButton(menu) {
      const isWebApp = menu && menu.type === "web_app" && menu.web_app && typeof menu.web_app.url === "string";
      this.menu = isWebApp ? menu : { type: menu && menu.type === "commands" ? "commands" : "default" };
      this.menuButton.classList.toggle("web-app", isWebApp);
      this.menuButton.textContent = isWebApp ? menu.text : "/";
      this.menuButton.title = isWebApp ? `Open ${menu.text}` : "Commands";
      this.menuButton.setAttribute("aria-haspopup", isWebApp ? "dialog" : "menu");
    }

    async send(text) {
      if (!text || !text.trim()) return;
      this.closeMenu();
      this.textInput.value = "";
      try {
        await this.context.callApi("POST", `/sim/users/${this.user.id}/messages`, { text });
      } catch (error) {
        if (!this.textInput.value) this.textInput.value = text; // give the text back to retry
        this.showToast(`Not sent: ${error.message}`, false, true);
      }
      await this.refresh();
      this.scrollToBottom();
    }

    async sendPhoto(file) {
      const form = new FormData();
      form.append("photo", file, file.name || "photo.jpg");
      const caption = this.textInput.value.trim();
      if (caption) form.append("caption", caption);
      try {
        await this.context.callApi("POST", `/sim/users/${this.user.id}/messages`, form);
        this.textInput.value = "";
      } catch (error) {
        this.showToast(`Photo not sent: ${error.message}`, false, true);
      }
      await this.refresh();
      this.scrollToBottom();
    }

    /** Presses an inline button; shows the bot's answer as a toast when it comes back with the call. */
    async press(messageId, data, node) {
      node.classList.add("pending");
      try {
        const result = await this.context.callApi("POST", `/sim/users/${this.user.id}/callbacks`, { message_id: messageId, data });
        const answer = result && (result.answer || result.toast || result.result || result);
        if (answer && typeof answer.text === "string" && answer.text) this.showToast(answer.text, Boolean(answer.show_alert));
      } catch (error) {
        this.showToast(error.message, false, true);
      } finally {
        node.classList.remove("pending");
      }
      await this.refresh();
    }

    async setBlocked(blocked) {
      try {
        await this.context.callApi("POST", `/sim/users/${this.user.id}/${blocked ? "block" : "unblock"}`);
        this.showBlocked(blocked);
        this.showToast(blocked ? "You blocked the bot" : "You unblocked the bot");
      } catch (error) {
        this.showToast(error.message, false, true);
      }
    }

    showBlocked(blocked) {
      this.blocked = blocked;
      this.root.classList.toggle("blocked", blocked);
      this.blockToggle.setAttribute("aria-pressed", String(blocked));
      this.blockToggle.textContent = blocked ? "Unblock bot" : "Block bot";
    }

    /** Opens the command menu with the bot's current commands, or closes it. */
    async toggleMenu() {
      if (!this.commandMenu.hidden) return this.closeMenu();
      await this.loadCommands(); // the bot may have changed them since the page loaded
      this.openMenu("", true);
    }

    openMenu(filter, showEmpty = false) {
      this.commandMenu.replaceChildren();
      const matching = this.commands.filter((entry) => entry.command.startsWith(filter));
      if (!matching.length && showEmpty) {
        this.commandMenu.appendChild(el("div", "command-empty", "The bot has set no commands yet."));
      } else if (!matching.length) {
        return this.closeMenu();
      }
      for (const entry of matching) {
        const item = el("button", "command-item");
        item.type = "button";
        item.setAttribute("role", "menuitem");
        item.appendChild(el("span", "command-name", `/${entry.command}`));
        item.appendChild(el("span", "command-description", entry.description || ""));
        item.addEventListener("click", () => this.send(`/${entry.command}`));
        this.commandMenu.appendChild(item);
      }
      this.commandMenu.hidden = false;
      this.menuButton.setAttribute("aria-expanded", "true");
    }

    closeMenu() {
      this.commandMenu.hidden = true;
      this.menuButton.setAttribute("aria-expanded", "false");
    }

    /** Offers the matching commands while the user types a command name, as Telegram does. */
    suggestCommands() {
      const value = this.textInput.value;
      if (/^\/[a-z0-9_]*$/i.test(value)) this.openMenu(value.slice(1).toLowerCase());
      else this.closeMenu();
    }

    /** Shows a short notice over the chat; the same text shown twice in a row is shown once. */
    showToast(text, isAlert = false, isError = false) {
      if (!text) return;
      const now = Date.now();
      if (!this.toast.hidden && this.toast.textContent === text && now - this.toastShownAt < this.context.toastMs) return;
      this.toastShownAt = now;
      this.toast.textContent = text;
      this.toast.classList.toggle("alert", isAlert);
      this.toast.classList.toggle("error", isError);
      this.toast.hidden = false;
      window.clearTimeout(this.toastTimer);
      // An alert waits for a click, like Telegram's show_alert dialog.
      if (!isAlert) this.toastTimer = window.setTimeout(() => this.hideToast(), this.context.toastMs);
    }

    hideToast() {
      this.toast.hidden = true;
    }

    scrollToBottom() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    scrollToBottomIfNear(grownBy) {
      if (this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120 + grownBy) this.scrollToBottom();
    }
  }

  window.SandboxPanel = { ChatPanel };
})();

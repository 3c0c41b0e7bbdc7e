// Builds the DOM of one transcript message: bubble, photo, document, text and inline keyboard.
// Text goes through TelegramText (never innerHTML); links and media only from safe URLs.
"use strict";

(function () {
  const SAFE_LINK_RE = /^(https?:|tg:)/i;
  const SAFE_MEDIA_RE = /^(https?:|blob:|\/(?!\/))/i;
  const { renderTelegramHtml, renderEntities } = window.TelegramText;

  /** Returns the first field of `obj` among `names` that is set. */
  function pick(obj, ...names) {
    for (const name of names) if (obj && obj[name] !== undefined && obj[name] !== null) return obj[name];
    return undefined;
  }

  /** Returns a safe URL for a photo or file given as a string, an object or a list of sizes. */
  function mediaUrl(media) {
    if (!media) return null;
    if (Array.isArray(media)) return mediaUrl(media[media.length - 1]);
    const url = typeof media === "string" ? media : pick(media, "url", "file_url", "src", "href");
    return typeof url === "string" && SAFE_MEDIA_RE.test(url) ? url : null;
  }

  /** Returns a new element with an optional class and text. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function formatTime(date) {
    if (!date) return "";
    const when = new Date(typeof date === "number" ? date * 1000 : date);
    return Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function formatSize(bytes) {
    if (!bytes) return "";
    return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
  }

  /** Says whether a transcript message was sent by the bot. */
  function isFromBot(message) {
    const from = message.from;
    return from === "bot" || Boolean(from && typeof from === "object" && from.is_bot);
  }

  /** Returns the text or caption node: bot text as Telegram formatting, user text as typed. */
  function renderBody(message, fromBot) {
    const isCaption = message.text === undefined || message.text === null;
    const text = isCaption ? message.caption : message.text;
    if (text === undefined || text === null || text === "") return null;
    const node = el("div", "text");
    const html = pick(message, isCaption ? "caption_html" : "text_html", isCaption ? "caption_html" : "html");
    const entities = pick(message, isCaption ? "caption_entities" : "entities");
    const parseMode = String(pick(message, "parse_mode") || "").toLowerCase();
    if (fromBot && typeof html === "string") {
      node.appendChild(renderTelegramHtml(html));
    } else if (Array.isArray(entities)) {
      node.appendChild(renderEntities(String(text), entities));
    } else if (fromBot && parseMode === "html") {
      node.appendChild(renderTelegramHtml(String(text)));
    } else {
      node.textContent = String(text);
    }
    return node;
  }

  function renderDocument(info) {
    const url = mediaUrl(info);
    const name = pick(info, "file_name", "name") || "document";
    const link = el(url ? "a" : "div", "document");
    if (url) {
      link.href = url;
      link.download = name;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
    link.appendChild(el("span", "document-icon", "⤓"));
    const label = el("span", "document-label");
    label.appendChild(el("span", "document-name", name));
    const size = formatSize(pick(info, "file_size", "size"));
    if (size) label.appendChild(el("span", "document-size", size));
    link.appendChild(label);
    return link;
  }

  /** Returns one inline button: a new-tab link for URL buttons, a pressable button for callbacks
   * and Mini Apps (web_app buttons open the app in the panel). */
  function renderInlineButton(messageId, button, handlers) {
    if (typeof button.url === "string") {
      const link = el("a", "inline-button url-button", button.text);
      if (SAFE_LINK_RE.test(button.url)) {
        link.href = button.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      } else {
        link.classList.add("disabled");
      }
      link.appendChild(el("span", "corner-arrow", "↗"));
      return link;
    }
    const node = el("button", "inline-button", button.text);
    node.type = "button";
    const webAppUrl = button.web_app && button.web_app.url;
    if (typeof button.callback_data === "string") {
      node.dataset.callbackData = button.callback_data;
      node.addEventListener("click", () => handlers.press(messageId, button.callback_data, node));
    } else if (typeof webAppUrl === "string" && SAFE_LINK_RE.test(webAppUrl)) {
      node.classList.add("webapp-button");
      node.dataset.webAppUrl = webAppUrl;
      node.appendChild(el("span", "corner-app"));
      node.addEventListener("click", () => handlers.openWebApp(webAppUrl, "inline_button"));
    } else {
      node.disabled = true;
      node.title = "This kind of button is not simulated";
    }
    return node;
  }

  function renderInlineKeyboard(messageId, rows, handlers) {
    const keyboard = el("div", "inline-keyboard");
    for (const row of rows) {
      const line = el("div", "keyboard-row");
      for (const button of row || []) {
        if (!button || typeof button.text !== "string") continue;
        line.appendChild(renderInlineButton(messageId, button, handlers));
      }
      keyboard.appendChild(line);
    }
    return keyboard;
  }

  // What a service message says, by its field (the sandbox makes few kinds).
  const SERVICE_TEXTS = {
    write_access_allowed: "You allowed this bot to message you.",
  };

  /** Returns the centred note of a service message (no bubble, as in Telegram). */
  function renderService(message) {
    const row = el("div", "message-row service-row");
    row.dataset.messageId = String(message.message_id);
    const kind = Object.keys(message.service)[0] || "";
    row.appendChild(el("div", "service", SERVICE_TEXTS[kind] || kind.replace(/_/g, " ")));
    return row;
  }

  /**
   * Builds the row of one transcript message. `handlers.press(messageId, data, node)` runs when
   * a callback button is pressed, `handlers.openWebApp(url, source)` when a web_app button is;
   * `handlers.imageLoaded(height)` when a photo has loaded.
   */
  function renderMessage(message, handlers) {
    if (message.service && typeof message.service === "object") return renderService(message);
    const fromBot = isFromBot(message);
    const row = el("div", `message-row ${fromBot ? "from-bot" : "from-user"}`);
    row.dataset.messageId = String(message.message_id);
    const bubble = el("div", "bubble");
    row.appendChild(bubble);

    const via = pick(message, "via_bot");
    if (via) {
      const botName = String(typeof via === "string" ? via : via.username || "bot").replace(/^@/, "");
      const sender = pick(message, "sender_name");
      bubble.appendChild(el("div", "via", `${sender ? `${sender} ` : ""}via @${botName}`));
    }

    const photoUrl = mediaUrl(pick(message, "photo", "photo_url"));
    if (photoUrl) {
      const link = el("a", "photo-link");
      link.href = photoUrl;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      const img = el("img", "photo");
      img.alt = "Photo";
      img.src = photoUrl;
      img.addEventListener("load", () => handlers.imageLoaded(img.height));
      link.appendChild(img);
      bubble.appendChild(link);
      bubble.classList.add("has-photo");
    }

    const documentInfo = pick(message, "document");
    if (documentInfo) bubble.appendChild(renderDocument(documentInfo));

    const body = renderBody(message, fromBot);
    if (body) bubble.appendChild(body);

    const meta = el("span", "meta");
    if (message.edited || message.edit_date) meta.appendChild(el("span", "edited", "edited"));
    meta.appendChild(el("span", "time", formatTime(message.date)));
    bubble.appendChild(meta);

    const markup = message.reply_markup;
    if (markup && Array.isArray(markup.inline_keyboard) && markup.inline_keyboard.length) {
      row.appendChild(renderInlineKeyboard(message.message_id, markup.inline_keyboard, handlers));
    }
    return row;
  }

  window.SandboxMessages = { renderMessage, isFromBot, el };
})();

// Renders Telegram-formatted text (HTML parse mode, or plain text plus message entities) into
// DOM nodes without ever using innerHTML: only Telegram's own tags become elements, the rest is text.
"use strict";

(function (global) {
  // Telegram's tag names mapped to the element we build for each.
  const TAGS = {
    b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u",
    s: "s", strike: "s", del: "s", a: "a", code: "code", pre: "pre",
    blockquote: "blockquote", "tg-spoiler": "span", span: "span", "tg-emoji": "span",
  };
  const NAMED_ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00a0" };
  const TAG_RE = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*\/?>/;
  const ATTR_RE = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  const SAFE_URL_RE = /^(https?:|tg:|mailto:)/i;

  /** Decodes the character references Telegram accepts; unknown ones stay as typed. */
  function decodeEntities(text) {
    return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref) => {
      if (ref[0] === "#") {
        const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, ref) ? NAMED_ENTITIES[ref] : whole;
    });
  }

  /** Returns the attributes of a tag as a plain object of decoded strings. */
  function parseAttributes(source) {
    const attrs = {};
    for (const match of source.matchAll(ATTR_RE)) {
      const value = match[2] ?? match[3] ?? match[4] ?? "";
      attrs[match[1].toLowerCase()] = decodeEntities(value);
    }
    return attrs;
  }

  /** Builds the element for an allowed opening tag, or null when the tag is not Telegram's. */
  function elementFor(name, attrs, doc) {
    if (name === "span" && attrs["class"] !== "tg-spoiler") return null;
    const el = doc.createElement(TAGS[name]);
    if (name === "tg-spoiler" || name === "span") {
      el.className = "tg-spoiler";
      el.title = "Spoiler: click to reveal";
      el.addEventListener("click", () => el.classList.add("revealed"));
    } else if (name === "tg-emoji") {
      el.className = "tg-emoji";
    } else if (name === "a") {
      const href = (attrs.href || "").trim();
      if (SAFE_URL_RE.test(href)) {
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      }
    } else if (name === "code" && /^language-[\w+#-]+$/.test(attrs["class"] || "")) {
      el.className = attrs["class"];
    } else if (name === "blockquote" && "expandable" in attrs) {
      el.className = "expandable";
      el.addEventListener("click", () => el.classList.toggle("expanded"));
    }
    return el;
  }

  /**
   * Returns a DocumentFragment showing `html` as Telegram would: allowed tags as elements,
   * everything else (unknown tags, stray '<', attributes such as onerror) as inert text.
   */
  function renderTelegramHtml(html, doc) {
    doc = doc || global.document;
    const fragment = doc.createDocumentFragment();
    const stack = [{ name: null, el: fragment }];
    const source = String(html ?? "");
    let textStart = 0;
    let i = 0;

    const flushText = (end) => {
      if (end > textStart) {
        stack[stack.length - 1].el.appendChild(doc.createTextNode(decodeEntities(source.slice(textStart, end))));
      }
    };

    while (i < source.length) {
      const lt = source.indexOf("<", i);
      if (lt === -1) break;
      const match = TAG_RE.exec(source.slice(lt));
      const name = match ? match[2].toLowerCase() : null;
      if (!match || !Object.prototype.hasOwnProperty.call(TAGS, name)) {
        i = lt + 1; // not a Telegram tag: it stays part of the text
        continue;
      }
      if (match[1]) {
        // A closing tag closes the nearest open element of that name; otherwise it is text.
        const depth = stack.map((entry) => entry.name).lastIndexOf(name);
        if (depth <= 0) { i = lt + 1; continue; }
        flushText(lt);
        stack.length = depth;
      } else {
        const el = elementFor(name, parseAttributes(match[3] || ""), doc);
        if (!el) { i = lt + 1; continue; }
        flushText(lt);
        stack[stack.length - 1].el.appendChild(el);
        stack.push({ name, el });
      }
      i = lt + match[0].length;
      textStart = i;
    }
    flushText(source.length);
    return fragment;
  }

  // Message-entity types mapped to the tag whose element shows them.
  const ENTITY_TAGS = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", spoiler: "tg-spoiler",
    code: "code", pre: "pre", text_link: "a", url: "a", blockquote: "blockquote",
    expandable_blockquote: "blockquote",
  };

  /** Builds the element showing one message entity, or null when it needs no element. */
  function elementForEntity(entity, covered, doc) {
    const tag = ENTITY_TAGS[entity.type];
    if (!tag) return null;
    const attrs = {};
    if (entity.type === "text_link") attrs.href = entity.url || "";
    if (entity.type === "url") attrs.href = /^[a-z]+:/i.test(covered) ? covered : "https://" + covered;
    if (entity.type === "expandable_blockquote") attrs.expandable = "";
    const el = elementFor(tag, attrs, doc);
    if (entity.type === "pre" && entity.language) el.dataset.language = entity.language;
    return el;
  }

  /**
   * Returns a DocumentFragment showing plain `text` with Telegram message `entities`
   * (offsets in UTF-16 code units, as JavaScript strings count them).
   */
  function renderEntities(text, entities, doc) {
    doc = doc || global.document;
    const source = String(text ?? "");
    const sorted = (entities || []).filter((e) => e && e.length > 0)
      .slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    const fragment = doc.createDocumentFragment();

    const build = (parent, start, end, list) => {
      let pos = start;
      let idx = 0;
      while (idx < list.length) {
        const entity = list[idx++];
        if (entity.offset < pos) continue; // overlaps a sibling: Telegram forbids it, skip
        const entityEnd = Math.min(entity.offset + entity.length, end);
        const nested = [];
        while (idx < list.length && list[idx].offset < entityEnd) nested.push(list[idx++]);
        if (entity.offset > pos) parent.appendChild(doc.createTextNode(source.slice(pos, entity.offset)));
        const el = elementForEntity(entity, source.slice(entity.offset, entityEnd), doc);
        build(el || parent, entity.offset, entityEnd, nested);
        if (el) parent.appendChild(el);
        pos = entityEnd;
      }
      if (pos < end) parent.appendChild(doc.createTextNode(source.slice(pos, end)));
    };
    build(fragment, 0, source.length, sorted);
    return fragment;
  }

  global.TelegramText = { renderTelegramHtml, renderEntities, decodeEntities };
})(window);

// Vitrine's Mini App: draws the screens the server renders, signs every call with initData,
// and drives Telegram's MainButton and BackButton. No framework, no build step.
(function () {
  "use strict";
  var tg = window.Telegram && window.Telegram.WebApp;
  var screen = document.getElementById("screen");
  var toast = document.getElementById("toast");
  var trail = []; // screens to go back to
  var current = null;
  var mainUrl = null;
  var writeAllowed = false;

  function showMessage(id) {
    var message = document.getElementById(id);
    screen.replaceChildren(message.cloneNode(true));
    screen.firstChild.hidden = false;
    screen.firstChild.removeAttribute("id");
    setMain(null);
  }

  function say(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { toast.hidden = true; }, 2500);
  }

  async function call(method, path, body) {
    var response;
    try {
      response = await fetch(path, {
        method: method,
        headers: { "Authorization": "tma " + (tg ? tg.initData : ""), "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      showMessage("msg-failed");
      return null;
    }
    if (response.status === 401) {
      showMessage("msg-unauthorized");
      return null;
    }
    var answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    if (!answer || (answer.html === undefined && answer.prepared_id === undefined)) {
      showMessage("msg-failed");
      return null;
    }
    return answer;
  }

  function setMain(button) {
    if (!tg) return;
    mainUrl = button ? button.url : null;
    if (button) {
      tg.MainButton.setParams({ text: button.text, is_visible: true, is_active: true });
    } else {
      tg.MainButton.hide();
    }
  }

  function draw(answer) {
    // The fragment is rendered and escaped by the server: item texts arrive as text, not markup.
    screen.innerHTML = answer.html;
    screen.dataset.screen = answer.screen;
    if (answer.title) document.title = answer.title;
    setMain(answer.main_button);
    if (tg) {
      if (trail.length) tg.BackButton.show(); else tg.BackButton.hide();
    }
    var notice = screen.querySelector("[data-toast]");
    toast.hidden = true;
    if (notice) say(notice.textContent);
    window.scrollTo(0, 0);
  }

  async function open(path, how) {
    var answer = await call("GET", path);
    if (!answer) return;
    if (how === "push" && current) trail.push(current);
    current = path;
    draw(answer);
  }

  async function act(path, body) {
    var answer = await call("POST", path, body);
    if (answer) draw(answer);
  }

  function withWriteAccess(then) {
    var user = tg && tg.initDataUnsafe && tg.initDataUnsafe.user;
    if (writeAllowed || (user && user.allows_write_to_pm)) return then();
    // Following means pushes: ask Telegram to let the bot write first.
    tg.requestWriteAccess(function (granted) {
      if (granted) {
        writeAllowed = true;
        then();
      }
    });
  }

  async function share(path) {
    var answer = await call("POST", path);
    if (!answer || !answer.prepared_id) return;
    tg.shareMessage(answer.prepared_id, function (sent) {
      var done = document.getElementById(sent ? "msg-shared" : "msg-not-shared");
      if (done) say(done.textContent);
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-open],[data-act],[data-buy],[data-share]");
    if (!target || !screen.contains(target)) return;
    event.preventDefault();
    if (target.dataset.buy) {
      tg.openLink(target.dataset.buy);
    } else if (target.dataset.share) {
      share(target.dataset.share);
    } else if (target.dataset.act) {
      var body = target.dataset.quantity !== undefined ? { quantity: Number(target.dataset.quantity) } : undefined;
      var run = function () { act(target.dataset.act, body); };
      if (target.hasAttribute("data-needs-write")) withWriteAccess(run); else run();
    } else {
      open(target.dataset.open, target.hasAttribute("data-replace") ? "replace" : "push");
    }
  });

  if (!tg || !tg.initData) {
    showMessage("msg-unauthorized");
    return;
  }
  tg.ready();
  tg.expand();
  tg.MainButton.onClick(function () { if (mainUrl) tg.openLink(mainUrl); });
  tg.BackButton.onClick(function () {
    var previous = trail.pop();
    if (previous) open(previous, "back");
  });
  var handle = (tg.initDataUnsafe && tg.initDataUnsafe.start_param) || screen.dataset.expert;
  if (handle && /^[A-Za-z0-9_-]{1,64}$/.test(handle)) {
    open("app/api/window/" + handle, "push");
  } else {
    open("app/api/following", "push");
  }
})();

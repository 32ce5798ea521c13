/* Web chat simulator for the Agendador (development only, served at /dev/chat).
 *
 * Talks to the JSON endpoints in dev/web.py. Built for a strict Content-Security-Policy:
 * no inline scripts, styles or handlers; every text from the server is put into the page with
 * textContent / text nodes (never innerHTML), then WhatsApp formatting is applied as DOM nodes.
 */
(function () {
  "use strict";

  var API = "/dev/chat";
  var POLL_MS = 2000;        // outbox poll for the current number
  var PASS_MS = 5000;        // ask the server for a scheduler pass
  var CLOCK_TICK_MS = 15000; // redraw the simulated clock
  var CONFIG_SYNC_MS = 60000; // re-read the server's clock

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    business: $("business"), avatar: $("avatar"), clock: $("clock"), status: $("status"),
    phone: $("phone"), admin: $("admin"), reset: $("reset"), thread: $("thread"), error: $("error"),
    chips: $("chips"), composer: $("composer"), message: $("message"), send: $("send"),
    clockForm: $("clock-form"), advance: $("advance")
  };

  var state = {
    config: null,
    customerPhone: "",  // the customer number to restore when the admin toggle is turned off
    generation: 0,      // bumps on every thread switch; late answers for an old thread are dropped
    lastId: 0,          // last outbox id shown (or skipped) for the current number
    synced: false,      // lastId is known for the current number (old messages are skipped)
    pollBlocked: false, // the server refused this number for the outbox; wait for a change
    busy: false,
    polling: false,
    passing: false,
    clockBase: null,    // simulated time (ms, as if UTC) at clockSyncedAt
    clockSyncedAt: 0,
    offline: false
  };

  /* ---------- HTTP ---------- */

  function request(method, url, body) {
    var options = { method: method, headers: { "Accept": "application/json" }, cache: "no-store" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (ignored) { data = null; }
        setOffline(false);
        return { ok: response.ok, status: response.status, data: data };
      });
    }, function () {
      setOffline(true);
      return { ok: false, status: 0, data: null };
    });
  }

  function problem(result, fallback) {
    if (result.status === 0) {
      return "Sem conexão com o servidor. Confira se o app está rodando (make run).";
    }
    if (result.data && typeof result.data.error === "string") {
      return result.data.error;
    }
    if (result.status >= 500) {
      return "O servidor encontrou um erro (" + result.status + "). Veja o log do Flask.";
    }
    return fallback + " (erro " + result.status + ")";
  }

  function setOffline(offline) {
    if (state.offline === offline) { return; }
    state.offline = offline;
    els.status.textContent = offline ? "sem conexão" : "";
    els.status.classList.toggle("offline", offline);
  }

  /* ---------- Errors ---------- */

  function showError(text) {
    els.error.textContent = "Ops! " + text;
    els.error.hidden = false;
  }

  function clearError() {
    els.error.textContent = "";
    els.error.hidden = true;
  }

  /* ---------- WhatsApp formatting, as DOM nodes ---------- */

  var MARKS = { "*": "strong", "_": "em", "~": "s", "`": "code" };
  var WORD = /[\p{L}\p{N}]/u;

  function isWord(ch) { return ch !== undefined && WORD.test(ch); }
  function isSpace(ch) { return ch === undefined || /\s/.test(ch); }

  // Index of the marker that closes the one at `start`, or -1. Like WhatsApp: the marked text
  // neither starts nor ends with a space, and the markers sit on word boundaries.
  function closing(text, start, mark) {
    if (isSpace(text[start + 1]) || text[start + 1] === mark) { return -1; }
    for (var j = start + 2; j < text.length; j++) {
      if (text[j] === mark && !isSpace(text[j - 1]) && !isWord(text[j + 1])) { return j; }
    }
    return -1;
  }

  function formatInline(parent, text) {
    var buffer = "";
    var i = 0;
    var flush = function () {
      if (buffer) { parent.appendChild(document.createTextNode(buffer)); buffer = ""; }
    };
    while (i < text.length) {
      var ch = text[i];
      if (MARKS[ch] && !isWord(text[i - 1])) {
        var end = closing(text, i, ch);
        if (end > 0) {
          flush();
          var node = document.createElement(MARKS[ch]);
          if (ch === "`") {
            node.textContent = text.slice(i + 1, end);
          } else {
            formatInline(node, text.slice(i + 1, end));
          }
          parent.appendChild(node);
          i = end + 1;
          continue;
        }
      }
      buffer += ch;
      i++;
    }
    flush();
  }

  function formatInto(parent, text) {
    String(text).split(/\r?\n/).forEach(function (line, index) {
      if (index > 0) { parent.appendChild(document.createElement("br")); }
      formatInline(parent, line);
    });
  }

  /* ---------- The thread ---------- */

  function nearBottom() {
    var t = els.thread;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  }

  function scrollDown(force) {
    if (force || nearBottom()) { els.thread.scrollTop = els.thread.scrollHeight; }
  }

  function bubble(kind, text, options) {
    options = options || {};
    var stick = nearBottom();
    var box = document.createElement("div");
    box.className = "bubble " + kind;
    box.setAttribute("data-testid", "bubble-" + kind);
    if (options.tag) {
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = options.tag;
      box.appendChild(tag);
      box.setAttribute("data-kind", options.tag);
    }
    var body = document.createElement("div");
    body.className = "text";
    formatInto(body, text);
    box.appendChild(body);
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = options.at || clockTime();
    box.appendChild(meta);
    els.thread.appendChild(box);
    scrollDown(stick || kind === "me");
    return box;
  }

  function note(text) {
    var box = document.createElement("div");
    box.className = "note";
    box.textContent = text;
    els.thread.appendChild(box);
    scrollDown(true);
  }

  function typing(on) {
    var existing = els.thread.querySelector(".typing");
    if (on && !existing) {
      var box = document.createElement("div");
      box.className = "typing";
      box.textContent = "digitando…";
      els.thread.appendChild(box);
      scrollDown(false);
    } else if (!on && existing) {
      existing.remove();
    }
  }

  /* ---------- Quick replies ---------- */

  var OPTION = /^\*?(\d{1,2})\*?\s*[-–.)]\s*(.+)$/;

  // Offers the numbered options of the latest message ("*1* - Agendar") as chips.
  function offerChips(text) {
    var options = [];
    String(text).split(/\r?\n/).forEach(function (line) {
      var match = OPTION.exec(line.trim());
      if (match) { options.push({ value: match[1], label: match[1] + " · " + plain(match[2]) }); }
    });
    if (!options.length) {
      options = [{ value: "menu", label: "menu" }, { value: "ajuda", label: "ajuda" }];
    }
    setChips(options);
  }

  function plain(text) {
    var holder = document.createElement("span");
    formatInline(holder, text);
    var value = holder.textContent.trim();
    return value.length > 28 ? value.slice(0, 27) + "…" : value;
  }

  function setChips(options) {
    els.chips.replaceChildren();
    options.forEach(function (option) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = option.label;
      chip.setAttribute("data-value", option.value);
      chip.disabled = state.busy;
      els.chips.appendChild(chip);
    });
  }

  /* ---------- Simulated clock ---------- */

  var LABEL = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/;

  function setClock(label) {
    var match = LABEL.exec(String(label || ""));
    if (!match) {
      els.clock.textContent = String(label || "");
      state.clockBase = null;
      return;
    }
    // Kept as if UTC: only used to count minutes forward and print them back.
    state.clockBase = Date.UTC(+match[3], +match[2] - 1, +match[1], +match[4], +match[5]);
    state.clockSyncedAt = Date.now();
    drawClock();
  }

  function simulatedNow() {
    if (state.clockBase === null) { return null; }
    return new Date(state.clockBase + (Date.now() - state.clockSyncedAt));
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function drawClock() {
    var now = simulatedNow();
    if (!now) { return; }
    var label = two(now.getUTCDate()) + "/" + two(now.getUTCMonth() + 1) + "/" + now.getUTCFullYear()
      + " " + two(now.getUTCHours()) + ":" + two(now.getUTCMinutes());
    els.clock.textContent = label;
    els.clock.setAttribute("datetime", now.toISOString().slice(0, 16));
  }

  function clockTime() {
    var now = simulatedNow();
    return now ? two(now.getUTCHours()) + ":" + two(now.getUTCMinutes()) : "";
  }

  function advanceClock(amount) {
    amount = String(amount || "").trim().toLowerCase();
    if (!/^\d+\s*[smhd]$/.test(amount)) {
      showError("Use algo como 30m, 2h ou 1d para adiantar o relógio.");
      return;
    }
    var buttons = document.querySelectorAll(".clock-controls button");
    buttons.forEach(function (b) { b.disabled = true; });
    request("POST", API + "/clock", { advance: amount }).then(function (result) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (!result.ok || !result.data) {
        showError(problem(result, "Não consegui adiantar o relógio."));
        return;
      }
      clearError();
      setClock(result.data.now);
      note("Relógio adiantado " + amount + ": agora é " + result.data.now);
      pollOutbox(); // the pass may have sent reminders
    });
  }

  /* ---------- Who is talking ---------- */

  function currentTarget() {
    if (els.admin.checked) { return { admin: true, label: "dono (" + adminPhone() + ")" }; }
    return { admin: false, phone: els.phone.value.trim(), label: els.phone.value.trim() };
  }

  function adminPhone() {
    return (state.config && state.config.admin_phone) || "";
  }

  function plausiblePhone(value) {
    var digits = String(value).replace(/\D/g, "");
    return digits.length >= 10 && digits.length <= 15;
  }

  // Starts a fresh thread view for the current number: earlier outbox messages are skipped.
  function switchThread() {
    state.generation += 1;
    state.lastId = 0;
    state.synced = false;
    state.pollBlocked = false;
    state.busy = false;
    setBusy(false);
    clearError();
    els.thread.replaceChildren();
    var target = currentTarget();
    if (!target.admin && !target.phone) {
      note("Digite um telefone para começar.");
    } else {
      note("Conversa com " + target.label + (target.admin ? " · comandos de administração" : ""));
    }
    setChips([{ value: "oi", label: "oi" }, { value: "menu", label: "menu" }]);
    syncOutbox(state.generation);
  }

  function outboxUrl(after) {
    var target = currentTarget();
    var query = target.admin ? "admin=1" : "phone=" + encodeURIComponent(target.phone);
    return API + "/outbox?" + query + "&after=" + after;
  }

  function canPoll() {
    var target = currentTarget();
    return !state.pollBlocked && (target.admin || plausiblePhone(target.phone));
  }

  // Finds the newest outbox id for this number without showing the old messages.
  function syncOutbox(generation) {
    if (!canPoll()) { return; }
    request("GET", outboxUrl(state.lastId)).then(function (result) {
      if (generation !== state.generation) { return; }
      if (!result.ok || !result.data) {
        if (result.status === 400) { state.pollBlocked = true; }
        return;
      }
      var messages = result.data.messages || [];
      if (messages.length) { state.lastId = messages[messages.length - 1].id; }
      if (messages.length >= 50) {
        syncOutbox(generation); // more pages of history
      } else {
        state.synced = true;
      }
    });
  }

  function pollOutbox() {
    if (state.polling || !canPoll()) { return; }
    if (!state.synced) { syncOutbox(state.generation); return; }
    var generation = state.generation;
    state.polling = true;
    request("GET", outboxUrl(state.lastId)).then(function (result) {
      state.polling = false;
      if (generation !== state.generation) { return; }
      if (!result.ok || !result.data) {
        if (result.status === 400) { state.pollBlocked = true; }
        return;
      }
      (result.data.messages || []).forEach(function (message) {
        if (message.id <= state.lastId) { return; }
        state.lastId = message.id;
        bubble("outbound", message.text, { tag: message.kind, at: message.at });
        offerChips(message.text);
      });
    });
  }

  function runPass() {
    if (state.passing) { return; }
    state.passing = true;
    request("POST", API + "/pass").then(function (result) {
      state.passing = false;
      if (result.ok) { pollOutbox(); }
    });
  }

  /* ---------- Sending ---------- */

  function setBusy(busy) {
    state.busy = busy;
    els.send.disabled = busy;
    els.composer.setAttribute("aria-busy", busy ? "true" : "false");
    els.chips.querySelectorAll(".chip").forEach(function (chip) { chip.disabled = busy; });
    typing(busy);
  }

  function send(text) {
    text = String(text || "").trim();
    if (!text || state.busy) { return; }
    var target = currentTarget();
    if (!target.admin && !plausiblePhone(target.phone)) {
      showError("Informe um telefone válido, como +55 11 98888-7777.");
      els.phone.focus();
      return;
    }
    clearError();
    var generation = state.generation;
    var mine = bubble("me", text);
    var payload = { text: text, admin: target.admin };
    if (!target.admin) { payload.phone = target.phone; }
    setBusy(true);
    request("POST", API + "/send", payload).then(function (result) {
      if (generation !== state.generation) { return; }
      setBusy(false);
      if (!result.ok || !result.data) {
        mine.classList.add("failed");
        mine.querySelector(".meta").textContent = "não enviada";
        showError(problem(result, "Não consegui enviar a mensagem."));
        if (result.status === 400) { state.pollBlocked = true; }
        return;
      }
      if (!target.admin && result.data.phone && result.data.phone !== els.phone.value.trim()) {
        // The server normalised the number (e.g. "11 98888-7777" -> "+5511988887777").
        els.phone.value = result.data.phone;
        state.customerPhone = result.data.phone;
      }
      state.pollBlocked = false;
      var replies = result.data.replies || [];
      replies.forEach(function (reply) { bubble("bot", reply); });
      if (replies.length) { offerChips(replies[replies.length - 1]); }
      if (result.data.note) { note(result.data.note); }  // why the bot is silent (the rate limit)
      pollOutbox();
    });
  }

  /* ---------- Wiring ---------- */

  function bind() {
    els.composer.addEventListener("submit", function (event) {
      event.preventDefault();
      if (state.busy) { return; }
      var text = els.message.value;
      if (!text.trim()) { return; }
      els.message.value = "";
      send(text);
      els.message.focus();
    });

    // Enter sends; Shift+Enter makes a new line (like WhatsApp Web).
    els.message.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        els.composer.requestSubmit();
      }
    });

    els.chips.addEventListener("click", function (event) {
      var chip = event.target.closest(".chip");
      if (chip && !chip.disabled) { send(chip.getAttribute("data-value")); }
    });

    els.phone.addEventListener("change", function () {
      var value = els.phone.value.trim();
      if (value === state.customerPhone) { return; }
      state.customerPhone = value;
      switchThread();
    });
    els.phone.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        els.phone.dispatchEvent(new Event("change"));
        els.message.focus();
      }
    });

    els.admin.addEventListener("change", function () {
      if (els.admin.checked) {
        state.customerPhone = els.phone.value.trim();
        els.phone.value = adminPhone();
        els.phone.disabled = true;
      } else {
        els.phone.value = state.customerPhone;
        els.phone.disabled = false;
      }
      switchThread();
    });

    els.reset.addEventListener("click", function () {
      switchThread();
      els.message.focus();
    });

    document.querySelectorAll(".advance").forEach(function (button) {
      button.addEventListener("click", function () { advanceClock(button.getAttribute("data-advance")); });
    });
    els.clockForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var amount = els.advance.value;
      if (!amount.trim()) { amount = els.advance.placeholder; }
      advanceClock(amount);
      els.advance.value = "";
    });
  }

  function loadConfig(first) {
    return request("GET", API + "/config").then(function (result) {
      if (!result.ok || !result.data) {
        if (first) { showError(problem(result, "Não consegui carregar a configuração do simulador.")); }
        return;
      }
      var config = result.data;
      state.config = config;
      setClock(config.now);
      if (first) {
        var name = config.business || "Agendador";
        els.business.textContent = name;
        els.avatar.textContent = name.trim().charAt(0).toUpperCase() || "A";
        document.title = name + " · Simulador de WhatsApp";
        els.phone.value = config.default_phone || "";
        state.customerPhone = els.phone.value;
        clearError();
        switchThread();
      }
    });
  }

  function start() {
    bind();
    loadConfig(true).then(function () {
      setInterval(pollOutbox, POLL_MS);
      setInterval(runPass, PASS_MS);
      setInterval(drawClock, CLOCK_TICK_MS);
      setInterval(function () { loadConfig(false); }, CONFIG_SYNC_MS);
      els.message.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

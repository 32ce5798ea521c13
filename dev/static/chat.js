/* Web chat simulator for the Agendador (development only, served at /dev/chat).
 *
 * Talks to the JSON endpoints in dev/web.py. Built for a strict Content-Security-Policy:
 * no inline scripts, styles or handlers; every text from the server is put into the page with
 * textContent / text nodes (never innerHTML), then WhatsApp formatting is applied as DOM nodes.
 *
 * Messages are drawn as the phone shows them: a list message with its button, which opens the
 * list's sheet; quick-reply buttons under their message. A tap is sent back as Twilio sends it
 * (the server adds ListId/ListTitle or ButtonPayload/ButtonText). The microphone records a voice
 * note (MediaRecorder) or, where recording is unavailable, picks an audio file; either goes to the
 * bot as Twilio media. The words on the simulator's own new controls come from bot/texts.py
 * (SIMULATOR_LABELS, in /dev/chat/config).
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
    phone: $("phone"), speaker: $("speaker"), speakerLabel: $("speaker-label"), reset: $("reset"),
    thread: $("thread"), error: $("error"),
    chips: $("chips"), composer: $("composer"), message: $("message"), send: $("send"),
    clockForm: $("clock-form"), advance: $("advance"),
    mic: $("mic"), attach: $("attach"), audioFile: $("audio-file"), recorder: $("recorder"),
    recLabel: $("rec-label"), recTime: $("rec-time"), discard: $("discard"),
    sheet: $("sheet"), sheetTitle: $("sheet-title"), sheetItems: $("sheet-items"),
    sheetClose: $("sheet-close"), sheetBackdrop: $("sheet-backdrop"),
    quote: $("quote"), quoteText: $("quote-text"), quoteCancel: $("quote-cancel")
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
    offline: false,
    seen: {},           // outbox ids already drawn (a reply comes back from /send and from the poll)
    recording: null,    // { recorder, stream, chunks, started, timer, discarded } while recording
    replyTo: null       // { id, text }: the message the next one answers (swipe-reply)
  };

  // Icons as inline SVG (Material Design paths): no icon font, no emoji font needed.
  var ICONS = {
    attach: "M16.5 6v11.5c0 2.21-1.79 4-4 4s-4-1.79-4-4V5a2.5 2.5 0 0 1 5 0v10.5c0 .55-.45 1-1 1s-1-.45-1-1V6H10v9.5a2.5 2.5 0 0 0 5 0V5c0-2.21-1.79-4-4-4S7 2.79 7 5v12.5c0 3.04 2.46 5.5 5.5 5.5s5.5-2.46 5.5-5.5V6h-1.5z",
    mic: "M12 14c1.66 0 2.99-1.34 2.99-3L15 5c0-1.66-1.34-3-3-3S9 3.34 9 5v6c0 1.66 1.34 3 3 3zm5.3-3c0 3-2.54 5.1-5.3 5.1S6.7 14 6.7 11H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.48 6-3.3 6-6.72h-1.7z",
    trash: "M6 19c0 1.1.9 2 2 2h8c1.1 0 2-.9 2-2V7H6v12zM19 4h-3.5l-1-1h-5l-1 1H5v2h14V4z",
    send: "M2.01 21 23 12 2.01 3 2 10l15 2-15 2z",
    list: "M3 13h2v-2H3v2zm0 4h2v-2H3v2zm0-8h2V7H3v2zm4 4h14v-2H7v2zm0 4h14v-2H7v2zM7 7v2h14V7H7z",
    reply: "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z"
  };

  function icon(name, className) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "icon " + (className || ""));
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function setIcon(button, name) {
    button.replaceChildren(icon(name));
  }

  // A word from the catalog (bot/texts.py), with {name} filled from `values`.
  function label(key, values) {
    var labels = (state.config && state.config.labels) || {};
    return String(labels[key] || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  /* ---------- HTTP ---------- */

  function request(method, url, body) {
    var options = { method: method, headers: { "Accept": "application/json" }, cache: "no-store" };
    if (body instanceof FormData) {
      options.body = body;  // multipart: the browser sets the Content-Type and its boundary
    } else if (body !== undefined) {
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
      return label("server_error", { status: result.status }) || String(result.status);
    }
    return label("error_code", { text: fallback, status: result.status }) || fallback;
  }

  function setOffline(offline) {
    if (state.offline === offline) { return; }
    state.offline = offline;
    els.status.textContent = offline ? label("offline") : "";
    els.status.classList.toggle("offline", offline);
  }

  /* ---------- Errors ---------- */

  function showError(text) {
    els.error.textContent = label("oops", { text: text }) || text;  // before the config: as it is
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
    if (options.message) { drawChoices(box, options.message); }
    if (options.message && options.message.kind === "staff_alert") { drawReply(box, options.message); }
    if (options.quoted) {
      var quoted = document.createElement("div");
      quoted.className = "quoted";
      quoted.textContent = options.quoted;
      box.insertBefore(quoted, box.firstChild);
    }
    els.thread.appendChild(box);
    scrollDown(stick || kind === "me");
    return box;
  }

  /* ---------- Lists and buttons, as WhatsApp draws them ---------- */

  // Under the text of a list message: one button that opens the sheet. Of a quick-reply
  // message: one row per button. Both inside the bubble, below a thin line, like WhatsApp.
  function drawChoices(box, message) {
    var choices = message.choices || [];
    if (!choices.length || (message.type !== "list" && message.type !== "buttons")) { return; }
    box.classList.add("interactive");
    var actions = document.createElement("div");
    actions.className = "actions " + message.type;
    if (message.type === "list") {
      var open = document.createElement("button");
      open.type = "button";
      open.className = "action list-open";
      open.setAttribute("data-testid", "list-open");
      open.appendChild(icon("list", "action-icon"));
      open.appendChild(document.createTextNode(message.button || ""));
      open.addEventListener("click", function () { openSheet(message); });
      actions.appendChild(open);
    } else {
      choices.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "action quick-reply";
        button.setAttribute("data-testid", "quick-reply");
        button.setAttribute("data-id", choice.id);
        button.appendChild(icon("reply", "action-icon"));
        button.appendChild(document.createTextNode(choice.title));
        button.addEventListener("click", function () {
          tap({ kind: "buttons", id: choice.id, title: choice.title, message: message.id });
        });
        actions.appendChild(button);
      });
    }
    box.appendChild(actions);
  }

  // A message to the staff (a handoff, relayed messages) can be answered by swipe-reply.
  function drawReply(box, message) {
    var actions = document.createElement("div");
    actions.className = "actions reply";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "action swipe-reply";
    button.setAttribute("data-testid", "swipe-reply");
    button.appendChild(icon("reply", "action-icon"));
    button.appendChild(document.createTextNode(label("reply")));
    button.addEventListener("click", function () { quote(message); });
    actions.appendChild(button);
    box.appendChild(actions);
  }

  function firstLine(text) {
    var plainText = document.createElement("span");
    formatInline(plainText, String(text).split(/\r?\n/)[0]);
    var line = plainText.textContent;
    return line.length > 80 ? line.slice(0, 79) + "…" : line;
  }

  function quote(message) {
    state.replyTo = message ? { id: message.id, text: firstLine(message.text) } : null;
    els.quote.hidden = !message;
    els.quoteText.textContent = state.replyTo ? state.replyTo.text : "";
    if (message) { els.message.focus(); }
  }

  function openSheet(message) {
    els.sheetTitle.textContent = message.button || "";
    els.sheetItems.replaceChildren();
    (message.choices || []).forEach(function (choice) {
      var item = document.createElement("li");
      item.className = "sheet-item";
      item.setAttribute("role", "option");
      item.setAttribute("tabindex", "0");
      item.setAttribute("data-testid", "sheet-item");
      item.setAttribute("data-id", choice.id);
      var words = document.createElement("div");
      words.className = "sheet-words";
      var title = document.createElement("div");
      title.className = "sheet-item-title";
      title.textContent = choice.title;
      words.appendChild(title);
      if (choice.description) {
        var description = document.createElement("div");
        description.className = "sheet-item-description";
        description.textContent = choice.description;
        words.appendChild(description);
      }
      item.appendChild(words);
      var radio = document.createElement("span");
      radio.className = "radio";
      radio.setAttribute("aria-hidden", "true");
      item.appendChild(radio);
      var pick = function () {
        item.classList.add("picked");
        closeSheet();
        tap({ kind: "list", id: choice.id, title: choice.title, message: message.id });
      };
      item.addEventListener("click", pick);
      item.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); }
      });
      els.sheetItems.appendChild(item);
    });
    els.sheet.hidden = false;
    var first = els.sheetItems.querySelector(".sheet-item");
    if (first) { first.focus(); }
  }

  function closeSheet() {
    els.sheet.hidden = true;
  }

  // A message the bot sent, drawn once whichever answer brings it (the send or the poll).
  function showMessage(message) {
    if (message.id !== null && message.id !== undefined) {
      if (state.seen[message.id]) { return; }
      state.seen[message.id] = true;
    }
    if (message.label) {
      bubble("outbound", message.text, { tag: message.label, at: message.at, message: message });
    } else {
      bubble("bot", message.text, { at: message.at, message: message });
    }
    if (message.choices && message.choices.length) {
      setChips([{ value: "menu", label: "menu" }, { value: "ajuda", label: "ajuda" }]);
    } else {
      offerChips(message.text);
    }
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
      box.textContent = label("typing");
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
      showError(label("bad_advance"));
      return;
    }
    var buttons = document.querySelectorAll(".clock-controls button");
    buttons.forEach(function (b) { b.disabled = true; });
    request("POST", API + "/clock", { advance: amount }).then(function (result) {
      buttons.forEach(function (b) { b.disabled = false; });
      if (!result.ok || !result.data) {
        showError(problem(result, label("advance_failed")));
        return;
      }
      clearError();
      setClock(result.data.now);
      note(label("advanced", { amount: amount, now: result.data.now }));
      pollOutbox(); // the pass may have sent reminders
    });
  }

  /* ---------- Who is talking ---------- */

  // Who speaks: the customer number typed in #phone, the owner, or a professional's own phone.
  function currentTarget() {
    var choice = els.speaker.value;
    if (choice === "owner") { return { admin: true, label: label("owner") + " (" + adminPhone() + ")" }; }
    var pro = professional(choice);
    if (pro) {
      var id = pro.phone.charAt(0) !== "+";
      return { admin: false, staff: true, phone: id ? "" : pro.phone, whatsapp_id: id ? pro.phone : "",
               label: label("professional") + " " + pro.name + " (" + pro.phone + ")" };
    }
    return { admin: false, phone: els.phone.value.trim(), label: els.phone.value.trim() };
  }

  function professional(key) {
    var list = (state.config && state.config.professionals) || [];
    for (var i = 0; i < list.length; i++) {
      if (list[i].key === key) { return list[i]; }
    }
    return null;
  }

  function adminPhone() {
    return (state.config && state.config.admin_phone) || "";
  }

  // Who the page can speak as; keeps the current choice when it still exists.
  function drawSpeakers() {
    var current = els.speaker.value || "customer";
    var options = [{ value: "customer", text: label("customer") }, { value: "owner", text: label("owner") }];
    ((state.config && state.config.professionals) || []).forEach(function (pro) {
      options.push({ value: pro.key, text: label("professional") + " · " + pro.name });
    });
    var same = els.speaker.options.length === options.length && options.every(function (option, i) {
      return els.speaker.options[i].value === option.value && els.speaker.options[i].textContent === option.text;
    });
    if (same) { return; }
    els.speaker.replaceChildren();
    options.forEach(function (option) {
      var node = document.createElement("option");
      node.value = option.value;
      node.textContent = option.text;
      els.speaker.appendChild(node);
    });
    els.speaker.value = options.some(function (o) { return o.value === current; }) ? current : "customer";
    if (els.speaker.value !== current) { speakerChanged(); }
  }

  function speakerChanged() {
    var choice = els.speaker.value;
    var pro = professional(choice);
    if (choice === "customer") {
      els.phone.value = state.customerPhone;
      els.phone.disabled = false;
    } else {
      els.phone.value = choice === "owner" ? adminPhone() : (pro ? pro.phone : "");
      els.phone.disabled = true;
    }
    switchThread();
  }

  // The fields that name the speaker, for /send, /voice and /outbox.
  function targetFields(target) {
    if (target.admin) { return { admin: "1" }; }
    if (target.whatsapp_id) { return { whatsapp_id: target.whatsapp_id }; }
    return { phone: target.phone };
  }

  function plausiblePhone(value) {
    var digits = String(value).replace(/\D/g, "");
    return digits.length >= 10 && digits.length <= 15;
  }

  // Starts a fresh thread view for the current number: earlier outbox messages are skipped.
  function switchThread() {
    state.generation += 1;
    quote(null);
    state.lastId = 0;
    state.synced = false;
    state.pollBlocked = false;
    state.busy = false;
    setBusy(false);
    clearError();
    els.thread.replaceChildren();
    closeSheet();
    var target = currentTarget();
    if (!target.admin && !target.phone && !target.whatsapp_id) {
      note(label("type_a_phone"));
    } else {
      note(label("talking_to", { who: target.label }) + (target.admin ? label("admin_commands") : ""));
    }
    setChips([{ value: "oi", label: "oi" }, { value: "menu", label: "menu" }]);
    syncOutbox(state.generation);
  }

  function outboxUrl(after) {
    var fields = targetFields(currentTarget());
    var query = Object.keys(fields).map(function (key) {
      return key + "=" + encodeURIComponent(fields[key]);
    }).join("&");
    return API + "/outbox?" + query + "&after=" + after;
  }

  function canPoll() {
    var target = currentTarget();
    return !state.pollBlocked && (target.admin || !!target.whatsapp_id || plausiblePhone(target.phone));
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
        showMessage(message);
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
    els.mic.disabled = busy && !state.recording;
    els.attach.disabled = busy;
    els.composer.setAttribute("aria-busy", busy ? "true" : "false");
    els.chips.querySelectorAll(".chip").forEach(function (chip) { chip.disabled = busy; });
    els.thread.querySelectorAll(".action").forEach(function (button) { button.disabled = busy; });
    typing(busy);
  }

  // Checks the speaker before sending; false (with the error shown) when there is none.
  function readyToSend(target) {
    if (!target.admin && !target.whatsapp_id && !plausiblePhone(target.phone)) {
      showError(label("bad_phone"));
      els.phone.focus();
      return false;
    }
    clearError();
    return true;
  }

  // Posts one message (JSON for text and taps, multipart for a voice note) and draws the replies.
  function deliver(path, payload, mine, target) {
    var generation = state.generation;
    setBusy(true);
    return request("POST", API + path, payload).then(function (result) {
      if (generation !== state.generation) { return null; }
      setBusy(false);
      if (!result.ok || !result.data) {
        mine.classList.add("failed");
        mine.querySelector(".meta").textContent = label("not_sent");
        showError(problem(result, label("send_failed")));
        if (result.status === 400) { state.pollBlocked = true; }
        return null;
      }
      if (!target.admin && !target.staff && result.data.phone && result.data.phone !== els.phone.value.trim()) {
        // The server normalised the number (e.g. "11 98888-7777" -> "+5511988887777").
        els.phone.value = result.data.phone;
        state.customerPhone = result.data.phone;
      }
      state.pollBlocked = false;
      var messages = result.data.messages || [];
      messages.forEach(showMessage);
      if (result.data.note) { note(result.data.note); }  // why the bot is silent (the rate limit)
      if (target.admin) { loadConfig(false); }  // the owner may have given a professional a phone
      pollOutbox();
      return result.data;
    });
  }

  function send(text) {
    text = String(text || "").trim();
    if (!text || state.busy) { return; }
    var target = currentTarget();
    if (!readyToSend(target)) { return; }
    var payload = Object.assign({ text: text }, targetFields(target));
    if (payload.admin) { payload.admin = true; }
    var answered = state.replyTo;
    if (answered) { payload.reply_to = answered.id; }
    quote(null);
    deliver("/send", payload, bubble("me", text, { quoted: answered && answered.text }), target);
  }

  // A tapped list item or button: the person's bubble shows its title, as on the phone.
  function tap(choice) {
    if (state.busy) { return; }
    var target = currentTarget();
    if (!readyToSend(target)) { return; }
    var payload = Object.assign({ text: choice.title, tap: choice }, targetFields(target));
    if (payload.admin) { payload.admin = true; }
    var mine = bubble("me", choice.title);
    mine.classList.add("tapped");
    deliver("/send", payload, mine, target);
  }

  /* ---------- Voice notes ---------- */

  function canRecord() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
  }

  function sendAudio(blob, name) {
    if (state.busy) { return; }
    var target = currentTarget();
    if (!readyToSend(target)) { return; }
    var form = new FormData();
    var fields = targetFields(target);
    Object.keys(fields).forEach(function (key) { form.append(key, fields[key]); });
    form.append("file", blob, name);
    var mine = bubble("me", label("voice_note"));
    mine.classList.add("voice");
    mine.querySelector(".text").prepend(icon("mic", "voice-icon"));
    deliver("/voice", form, mine, target).then(function (data) {
      if (!data || !data.media) { return; }
      // Played back from the server (the page's security policy allows only its own origin).
      var player = document.createElement("audio");
      player.controls = true;
      player.preload = "none";
      player.src = data.media;
      mine.insertBefore(player, mine.querySelector(".meta"));
    });
  }

  function startRecording() {
    if (state.busy || state.recording) { return; }
    if (!canRecord()) {
      els.audioFile.click();  // no recorder here (headless, or an old browser): pick a file
      return;
    }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var recorder = new MediaRecorder(stream);
      var recording = { recorder: recorder, stream: stream, chunks: [], started: Date.now(), discarded: false };
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { recording.chunks.push(event.data); }
      });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        clearInterval(recording.timer);
        state.recording = null;
        showRecorder(false);
        if (recording.discarded || !recording.chunks.length) { return; }
        var type = (recorder.mimeType || "audio/webm").split(";")[0];
        var extension = type.indexOf("ogg") >= 0 ? "ogg" : (type.indexOf("mp4") >= 0 ? "m4a" : "webm");
        sendAudio(new Blob(recording.chunks, { type: type }), "voice." + extension);
      });
      recording.timer = setInterval(function () {
        var seconds = Math.floor((Date.now() - recording.started) / 1000);
        els.recTime.textContent = Math.floor(seconds / 60) + ":" + two(seconds % 60);
      }, 250);
      state.recording = recording;
      recorder.start();
      showRecorder(true);
    }, function () {
      note(label("no_microphone"));
      els.audioFile.click();
    });
  }

  function stopRecording(discard) {
    var recording = state.recording;
    if (!recording) { return; }
    recording.discarded = !!discard;
    recording.recorder.stop();
  }

  function showRecorder(on) {
    els.recorder.hidden = !on;
    els.message.hidden = on;
    els.attach.hidden = on;
    els.send.hidden = on;
    els.recTime.textContent = "0:00";
    els.mic.classList.toggle("recording", on);
    els.mic.title = label(on ? "stop" : "record");
    els.mic.setAttribute("aria-label", els.mic.title);
    setIcon(els.mic, on ? "send" : "mic");
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

    els.speaker.addEventListener("change", function () {
      if (professional(els.speaker.value) || els.speaker.value === "owner") {
        if (els.phone.disabled === false) { state.customerPhone = els.phone.value.trim(); }
      }
      speakerChanged();
    });

    els.mic.addEventListener("click", function () {
      if (state.recording) { stopRecording(false); } else { startRecording(); }
    });
    els.discard.addEventListener("click", function () { stopRecording(true); });
    els.attach.addEventListener("click", function () { els.audioFile.click(); });
    els.audioFile.addEventListener("change", function () {
      var file = els.audioFile.files && els.audioFile.files[0];
      if (file) { sendAudio(file, file.name); }
      els.audioFile.value = "";
    });

    els.quoteCancel.addEventListener("click", function () { quote(null); });
    els.sheetClose.addEventListener("click", closeSheet);
    els.sheetBackdrop.addEventListener("click", closeSheet);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !els.sheet.hidden) { closeSheet(); }
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

  // The words on the simulator's own controls, from bot/texts.py.
  function drawLabels() {
    // The page's own words: data-label (text), data-label-title, -aria, -placeholder.
    document.querySelectorAll("[data-label]").forEach(function (node) {
      node.textContent = label(node.getAttribute("data-label"));
    });
    [["data-label-title", "title"], ["data-label-aria", "aria-label"], ["data-label-placeholder", "placeholder"]]
      .forEach(function (pair) {
        document.querySelectorAll("[" + pair[0] + "]").forEach(function (node) {
          node.setAttribute(pair[1], label(node.getAttribute(pair[0])));
        });
      });
    [[els.mic, "mic"], [els.attach, "attach"], [els.discard, "trash"], [els.sheetClose, "close"], [els.send, "send"],
     [els.quoteCancel, "close"]]
      .forEach(function (pair) { setIcon(pair[0], pair[1]); });
    els.speakerLabel.textContent = label("speak_as");
    [[els.mic, "record"], [els.attach, "attach"], [els.discard, "cancel"], [els.sheetClose, "close"]]
      .forEach(function (pair) {
        pair[0].title = label(pair[1]);
        pair[0].setAttribute("aria-label", label(pair[1]));
      });
    els.recLabel.textContent = label("recording");
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
      if (first) { drawLabels(); }
      drawSpeakers();
      if (first) {
        var name = config.business || "Agendador";
        els.business.textContent = name;
        els.avatar.textContent = name.trim().charAt(0).toUpperCase() || "A";
        document.title = label("page_title", { business: name });
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

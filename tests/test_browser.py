"""The web chat simulator (/dev/chat) in a real, headless Chromium: a customer books through the
page, the clock is fast-forwarded so a reminder shows up, and the page stays usable at 375 px.

Uses the Chromium installed on the system (never downloads one). Without Playwright or a browser
the test is skipped, except under CI=true, where it fails.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from storage.db import connection, database
from tests.helpers import ADMIN_PHONE, SAO_PAULO, freeze, local

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).parent / "artifacts"
CUSTOMER = "+5511988887777"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"the browser test must run under CI=true, but {reason}")
    print(f"skipping the browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> str:
    """The system Chromium's path, with Playwright importable."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"Playwright is not installed ({exc})")
    path = shutil.which("chromium")
    if path is None and os.access("/usr/bin/chromium", os.X_OK):
        path = "/usr/bin/chromium"
    if path is None:
        _unavailable("no Chromium found (looked for `chromium` on PATH and /usr/bin/chromium)")
    return path


def _serve(config):
    """The development app with the demo business, served on a loopback port in a thread."""
    from werkzeug.serving import make_server

    from app import create_app
    from scheduler import content
    from storage.demo import seed_demo

    config["app_env"] = "development"  # the simulator exists only in development
    content.forget()  # content SIDs remembered from another test's database
    application = create_app(config)
    with application.app_context(), connection():
        assert seed_demo()
    freeze(local(2026, 12, 7, 8, 0))  # Monday 08:00; the clock is process-wide, so the server sees it
    if not database.is_closed():
        database.close()  # peewee connections are per thread; the server threads open their own

    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield application, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        application.extensions["handoff"].wait()
        if not database.is_closed():
            database.close()


@pytest.fixture
def live_app(config):
    """INTERACTIVE=off: every reply is TwiML text."""
    yield from _serve(config)


@pytest.mark.browser
def test_customer_books_through_the_web_simulator(chromium, live_app):
    from playwright.sync_api import expect, sync_playwright

    from storage.models import Appointment, AppointmentStatus

    application, base_url = live_app
    problems: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="pt-BR",
                                          timezone_id="America/Sao_Paulo")
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("console", lambda message: problems.append(f"console.{message.type}: {message.text}")
                    if message.type in ("error", "assert") else None)
            page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))

            response = page.goto(f"{base_url}/dev/chat")
            assert response is not None and response.ok, response
            from api.headers import CSP

            assert response.headers.get("content-security-policy") == CSP  # the page works under it

            expect(page.locator("#business")).to_have_text("Barbearia Teste")
            expect(page.locator("#clock")).to_have_text("07/12/2026 08:00")
            expect(page.locator("#phone")).to_have_value(CUSTOMER)
            expect(page.locator("#phone")).to_be_enabled()
            expect(page.locator("#speaker")).to_have_value("customer")

            bots = page.locator("#thread .bubble.bot")
            mine = page.locator("#thread .bubble.me")

            def say(text: str, *expected: str):
                """Types a message, sends it with Enter and waits for the bot's answer."""
                before, sent = bots.count(), mine.count()
                page.locator("#message").fill(text)
                page.locator("#message").press("Enter")
                expect(mine).to_have_count(sent + 1)
                answer = bots.nth(before)
                expect(answer).to_be_attached()
                for piece in expected:
                    expect(answer).to_contain_text(piece)
                expect(page.locator("#send")).to_be_enabled()
                return answer

            say("oi", "Bem-vindo(a)", "qual é o seu nome?")
            expect(mine.last.locator(".text")).to_have_text("oi")
            expect(mine.last.locator(".meta")).to_have_text("08:00")
            say("Ana", "Prazer", "Ana", "Agendar")
            say("1", "Qual serviço", "Corte (30 min)", "Sobrancelha")
            say("1", "Para qual dia?", "terça-feira, 08/12/2026")
            say("amanhã às 15h", "Confirma o agendamento?", "15:00")
            booked = say("1", "Agendado", "08/12/2026", "15:00")
            expect(booked).to_contain_text("terça-feira, 08/12/2026")
            # WhatsApp formatting became markup: *Corte* is bold, the asterisks are gone.
            expect(booked.locator("strong").first).to_have_text("Corte")
            assert "*" not in booked.inner_text()
            expect(mine).to_have_count(6)
            expect(page.locator("#error")).to_be_hidden()

            # Text is shown as text, never as HTML.
            say('<img src="/x.png"> _oi_')
            expect(mine.last.locator(".text")).to_have_text('<img src="/x.png"> oi')
            expect(mine.last.locator("em")).to_have_text("oi")
            expect(page.locator("#thread img")).to_have_count(0)

            # Fast-forward a day: the scheduler pass sends the reminder, which the page picks up.
            page.locator("#advance-1d").click()
            expect(page.locator("#clock")).to_contain_text("08/12/2026")
            reminder = page.locator("#thread .bubble.outbound").first
            expect(reminder).to_contain_text("Lembrete")
            expect(reminder).to_contain_text("15:00")
            expect(reminder.locator(".tag")).to_have_text("lembrete")
            # Tall enough for the whole thread to fit, so the screenshot shows all of it.
            hidden = page.evaluate("(t => t.scrollHeight - t.clientHeight)(document.getElementById('thread'))")
            page.set_viewport_size({"width": 1280, "height": 800 + max(0, hidden)})
            page.screenshot(path=str(ARTIFACTS / "browser-booking.png"))
            page.set_viewport_size({"width": 1280, "height": 800})

            # The speaker selector speaks as the owner's number in a fresh thread.
            page.locator("#speaker").select_option("owner")
            expect(page.locator("#phone")).to_be_disabled()
            expect(page.locator("#phone")).to_have_value(ADMIN_PHONE)
            expect(page.locator("#thread .bubble")).to_have_count(0)
            say("oi", "Dono (demo)")
            page.locator("#speaker").select_option("customer")
            expect(page.locator("#phone")).to_be_enabled()
            expect(page.locator("#phone")).to_have_value(CUSTOMER)
            expect(page.locator("#thread .bubble")).to_have_count(0)

            # A number the server refuses: the error shows inline, in Portuguese, and the page recovers.
            assert problems == [], problems
            page.locator("#phone").fill("+55 11 0123-45678")
            page.locator("#phone").press("Enter")
            expect(page.locator("#thread .note")).to_contain_text("+55 11 0123-45678")
            page.locator("#message").fill("oi")
            page.locator("#send").click()
            expect(page.locator("#error")).to_be_visible()
            expect(page.locator("#error")).to_contain_text("Informe um telefone válido")
            expect(mine.last).to_have_class("bubble me failed")
            expect(page.locator("#send")).to_be_enabled()
            # Chromium logs each refused request (the send, maybe the outbox poll) as a console error.
            refused = [p for p in problems if "status of 400" in p]
            assert refused and refused == problems, problems
            problems.clear()
            page.locator("#phone").fill(CUSTOMER)
            page.locator("#phone").press("Enter")
            expect(page.locator("#error")).to_be_hidden()
            say("menu", "Como posso te ajudar")

            # Phone-sized screen: the composer is on screen and nothing scrolls sideways.
            page.set_viewport_size({"width": 375, "height": 740})
            for selector in ("#message", "#send", "#mic", "#attach", "#phone", "#speaker", "#clock", "#advance-1h"):
                expect(page.locator(selector)).to_be_visible()
            expect(page.locator("#message")).to_be_in_viewport()
            expect(page.locator("#send")).to_be_in_viewport()
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            page.screenshot(path=str(ARTIFACTS / "browser-booking-mobile.png"))

            assert problems == [], problems
            context.close()
        finally:
            browser.close()

    with application.app_context(), connection():
        appointments = list(Appointment.select())
        assert len(appointments) == 1
        appointment = appointments[0]
        assert appointment.user.phone == CUSTOMER and appointment.user.name == "Ana"
        assert appointment.type == "Corte" and appointment.status == AppointmentStatus.BOOKED
        assert appointment.date.astimezone(SAO_PAULO) == local(2026, 12, 8, 15, 0)



# --- INTERACTIVE=on: lists, buttons and voice notes, as WhatsApp shows them --------------------------

STT_KEY = "browser-stt-key"


@pytest.fixture
def fake_stt():
    from tests import fake_stt as fake

    server = fake.start(STT_KEY)
    yield server
    server.stop()


@pytest.fixture
def live_interactive(config, fake_stt):
    """INTERACTIVE=on (replies through the sender as Content API messages) with a speech-to-text
    service that hears what the test tells it."""
    config.update(interactive=True, stt_url=fake_stt.url, stt_api_key=STT_KEY, stt_model="whisper-1")
    yield from _serve(config)


@pytest.fixture
def live_interactive_without_stt(config):
    config.update(interactive=True)
    yield from _serve(config)


def _open_page(playwright, chromium: str, base_url: str, problems: list[str], *extra_args: str):
    browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS + list(extra_args))
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="pt-BR",
                                  timezone_id="America/Sao_Paulo", permissions=["microphone"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: problems.append(f"console.{message.type}: {message.text}")
            if message.type in ("error", "assert") else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    response = page.goto(f"{base_url}/dev/chat")
    assert response is not None and response.ok, response
    return browser, page


class Thread:
    """The page's chat: type, tap a button, pick from a list, and read the bot's next bubble."""

    def __init__(self, page):
        self.page = page
        self.bots = page.locator("#thread .bubble.bot")
        self.mine = page.locator("#thread .bubble.me")

    def _next_reply(self, act, *expected: str):
        from playwright.sync_api import expect

        before, sent = self.bots.count(), self.mine.count()
        act()
        expect(self.mine).to_have_count(sent + 1)
        answer = self.bots.nth(before)
        expect(answer).to_be_attached()
        for piece in expected:
            expect(answer).to_contain_text(piece)
        expect(self.page.locator("#send")).to_be_enabled()
        return answer

    def say(self, text: str, *expected: str):
        def act():
            self.page.locator("#message").fill(text)
            self.page.locator("#message").press("Enter")
        return self._next_reply(act, *expected)

    def tap(self, title: str, *expected: str):
        """Taps the quick-reply button with this title on the bot's last message."""
        button = self.bots.last.locator(".quick-reply", has_text=title)
        return self._next_reply(button.click, *expected)

    def pick(self, title: str, *expected: str):
        """Opens the bot's last list and taps the item with this title."""
        from playwright.sync_api import expect

        self.bots.last.locator(".list-open").click()
        sheet = self.page.locator("#sheet")
        expect(sheet).to_be_visible()
        item = sheet.locator(".sheet-item", has_text=title).first
        answer = self._next_reply(item.click, *expected)
        expect(sheet).to_be_hidden()
        return answer


@pytest.mark.browser
def test_a_customer_books_by_tapping_a_list_and_a_button_and_by_voice(chromium, live_interactive, fake_stt):
    from playwright.sync_api import expect, sync_playwright

    from bot import texts
    from storage.models import Appointment, AppointmentStatus
    from tests.test_interactive import voice_note

    application, base_url = live_interactive
    problems: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser, page = _open_page(playwright, chromium, base_url, problems)
        try:
            chat = Thread(page)
            chat.say("oi", "Bem-vindo(a)", texts.ASK_NAME)
            menu = chat.say("Ana", "Prazer", "Ana")
            # The menu is a list message: its button, not numbered lines.
            expect(menu.locator(".list-open")).to_have_text(texts.LIST_BUTTON)
            expect(menu.locator(".text")).not_to_contain_text("Agendar")
            menu.locator(".list-open").click()
            sheet = page.locator("#sheet")
            expect(sheet).to_be_visible()
            expect(page.locator("#sheet-title")).to_have_text(texts.LIST_BUTTON)
            expect(sheet.locator(".sheet-item-title")).to_have_text(list(texts.MENU_OPTIONS))
            page.screenshot(path=str(ARTIFACTS / "browser-list-sheet.png"))
            page.locator("#sheet-close").click()
            expect(sheet).to_be_hidden()

            chat.pick("Agendar", "Qual serviço")
            expect(chat.mine.last.locator(".text")).to_have_text("Agendar")  # the tapped title, as sent
            chat.pick("Corte (30 min)", "Para qual dia?")
            confirm = chat.say("amanhã às 15h", "Confirma o agendamento?", "15:00")
            expect(confirm.locator(".quick-reply")).to_have_text(["Sim, confirmar", "Não, outro horário"])
            page.screenshot(path=str(ARTIFACTS / "browser-buttons.png"))
            booked = chat.tap("Sim, confirmar", "Agendado", "08/12/2026", "15:00")
            # A first booking ends with the one-time marketing question, as two buttons.
            expect(booked.locator(".quick-reply")).to_have_text(texts.CONSENT_OPTIONS)
            expect(booked.locator("strong").first).to_have_text("Corte")

            # A voice note (an audio file where the page cannot record) books the same way.
            audio = voice_note(1.5)
            fake_stt.says(audio, "quero marcar barba amanhã às 16h")

            def upload():
                page.locator("#audio-file").set_input_files(
                    files=[{"name": "nota.wav", "mimeType": "audio/wav", "buffer": audio}])

            heard = chat._next_reply(upload, texts.heard("quero marcar barba amanhã às 16h"),
                                     "Confirma o agendamento?", "16:00")
            expect(chat.mine.last).to_have_class("bubble me voice")
            expect(chat.mine.last.locator("audio")).to_have_count(1)
            expect(heard.locator(".quick-reply")).to_have_count(2)
            chat.tap("Sim, confirmar", "Agendado", "Barba", "16:00")
            page.set_viewport_size({"width": 375, "height": 740})
            assert page.evaluate("document.documentElement.scrollWidth") <= 375
            page.screenshot(path=str(ARTIFACTS / "browser-interactive-mobile.png"))
            assert problems == [], problems
        finally:
            browser.close()

    assert fake_stt.requests == [{"model": "whisper-1", "file": "voice.wav", "size": len(audio)}]
    with application.app_context(), connection():
        booked = {(a.type, a.date.astimezone(SAO_PAULO)) for a in Appointment.select()
                  .where(Appointment.status == AppointmentStatus.BOOKED)}
        assert booked == {("Corte", local(2026, 12, 8, 15, 0)), ("Barba", local(2026, 12, 8, 16, 0))}


@pytest.mark.browser
def test_a_recorded_voice_note_without_stt_asks_for_text_and_the_page_speaks_as_a_professional(
        chromium, live_interactive_without_stt):
    from playwright.sync_api import expect, sync_playwright

    from bot import texts
    from storage.models import Professional

    application, base_url = live_interactive_without_stt
    problems: list[str] = []
    with sync_playwright() as playwright:
        # Chromium's fake microphone: MediaRecorder records a real (synthetic) sound.
        browser, page = _open_page(playwright, chromium, base_url, problems,
                                   "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
        try:
            chat = Thread(page)
            assert page.evaluate("!!(navigator.mediaDevices && window.MediaRecorder)")

            def record():
                page.locator("#mic").click()
                expect(page.locator("#recorder")).to_be_visible()
                expect(page.locator("#rec-time")).not_to_have_text("0:00")  # a second of sound
                page.screenshot(path=str(ARTIFACTS / "browser-recording.png"))
                page.locator("#mic").click()  # stop and send

            chat._next_reply(record, texts.VOICE_NEEDS_TEXT.split(" 🎤")[0])
            expect(page.locator("#recorder")).to_be_hidden()
            expect(chat.mine.last).to_have_class("bubble me voice")
            # The bot fetched the recording from the page's server, as it fetches Twilio media.
            played = chat.mine.last.locator("audio").get_attribute("src")
            assert page.request.get(base_url + played).headers["content-type"] == "audio/webm"

            # The owner gives the professional a phone; the selector then speaks from it.
            with application.app_context(), connection():
                team = Professional.get().id  # the default professional, "Equipe"
            page.locator("#speaker").select_option("owner")
            chat.say(f"profissional telefone #{team} 11 95555-4444",
                     texts.professional_phone_set("Equipe", "+5511955554444").split(" agora")[0])
            professional = f"pro:{team}"
            expect(page.locator(f"#speaker option[value='{professional}']")).to_have_count(1)
            page.locator("#speaker").select_option(professional)
            expect(page.locator("#phone")).to_have_value("+5511955554444")
            expect(page.locator("#phone")).to_be_disabled()
            chat.say("ajuda", "Seus comandos")
            page.locator("#speaker").select_option("customer")
            expect(page.locator("#phone")).to_have_value(CUSTOMER)
            expect(page.locator("#phone")).to_be_enabled()

            # Another customer asks for a person; the owner answers by swipe-reply on the alert.
            page.locator("#phone").fill("+5511977776666")
            page.locator("#phone").press("Enter")
            chat.say("oi", texts.ASK_NAME)
            chat.say("Bia", "Prazer")
            chat.say("falar com atendente", "Pode ir escrevendo")
            page.locator("#speaker").select_option("owner")
            swipe = page.locator("#thread .bubble.outbound .swipe-reply")
            expect(swipe).to_have_count(1, timeout=20_000)  # the page's scheduler passes send the alert
            alert = page.locator("#thread .bubble.outbound", has=page.locator(".swipe-reply"))
            expect(alert.locator(".tag")).to_have_text(texts.SIMULATOR_KINDS["handoff"])
            swipe.click()
            expect(page.locator("#quote")).to_be_visible()
            chat.say("Pode vir às 15h!", texts.staff_answer_sent("Bia"))
            expect(chat.mine.last.locator(".quoted")).to_contain_text("Bia")
            expect(page.locator("#quote")).to_be_hidden()
            page.screenshot(path=str(ARTIFACTS / "browser-swipe-reply.png"))
            page.locator("#speaker").select_option("customer")
            expect(page.locator("#phone")).to_have_value("+5511977776666")
            answer = page.locator("#thread .bubble.outbound", has_text="Pode vir às 15h!")
            expect(answer).to_have_count(1, timeout=20_000)
            expect(answer.locator(".tag")).to_have_text(texts.SIMULATOR_KINDS["staff_message"])
            assert problems == [], problems
        finally:
            browser.close()

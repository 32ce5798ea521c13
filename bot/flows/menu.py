"""The main menu, the words that work in every state, and what a long silence does."""
from __future__ import annotations

from bot import choices, texts
from bot.flows import appointments, requests
from bot.flows import booking as booking_flow
from bot.nlu.intents import Intent
from bot.states import IDLE, State
from bot.turn import Reply, Turn, unclear

AGENDAR, MEUS, REMARCAR, CANCELAR, AJUDA = range(5)

# Keywords per menu option, checked in this order so "cancelar agendamento" is a cancellation.
_MENU_KEYWORDS = (
    (CANCELAR, ("cancelar", "desmarcar", "cancela", "cancelamento")),
    (REMARCAR, ("remarcar", "reagendar", "mudar", "trocar", "alterar", "remarca")),
    (MEUS, ("meus agendamentos", "meus", "agendamentos", "meus horarios", "ver", "listar", "consultar",
            "minha agenda")),
    (AGENDAR, ("agendar", "marcar", "agenda", "horario", "horarios", "reservar", "agendamento")),
    (AJUDA, ("ajuda",)),
)


def menu_choice(text: str) -> int | None:
    """Which main-menu option the text names (by number or words), if any."""
    index = choices.pick(text, len(texts.MENU_OPTIONS))
    if index is not None:
        return index
    found = choices.match_words(text, [keywords for _, keywords in _MENU_KEYWORDS])
    return _MENU_KEYWORDS[found][0] if found is not None else None


def greet_known(turn: Turn) -> Reply:
    """Greets a registered person by name; a request in the same message is followed."""
    reading = turn.reading
    if reading.clear_intent not in (None, Intent.GREETING) or not reading.when.empty \
            or choices.number(turn.text) is not None:
        return choose(turn)
    return Reply(texts.greeting_known(turn.name, turn.business), State.MENU)


def choose(turn: Turn) -> Reply:
    """MENU: follows the option chosen in the main menu, or what the message asks for in its own
    words ("quero marcar corte com o João sexta às 15h")."""
    index = choices.pick(turn.text, len(texts.MENU_OPTIONS))
    reading = turn.reading if index is None else None
    if reading is not None:
        if reading.clear_intent is Intent.GREETING:
            return Reply(texts.greeting_known(turn.name, turn.business), State.MENU)
        acted = requests.act(turn, reading)
        if acted is not None:
            return acted
        if not reading.when.empty or reading.service is not None or reading.service_guess is not None:
            return booking_flow.start(turn, reading)  # "amanhã às 15h", "um corte": booking
    choice = index if index is not None else menu_choice(turn.text)
    if choice == AGENDAR:
        return booking_flow.start(turn)
    if choice == MEUS:
        return appointments.list_appointments(turn)
    if choice == REMARCAR:
        return appointments.start_reschedule(turn)
    if choice == CANCELAR:
        return appointments.start_cancel(turn)
    if choice == AJUDA:
        return Reply(texts.help_text(), State.MENU)
    if choices.is_greeting(turn.text):
        return Reply(texts.greeting_known(turn.name, turn.business), State.MENU)
    return unclear(turn, texts.unknown_menu(turn.name), State.MENU)


def global_words(turn: Turn) -> Reply | None:
    """`menu`, `ajuda` and `sair`, in every state (before registration only `ajuda`)."""
    word = choices.global_word(turn.text)
    if turn.user is None:
        return Reply(texts.HELP + "\n\n" + texts.ASK_NAME, State.ASK_NAME) if word == "ajuda" else None
    if word == "menu" or word == "voltar":  # "voltar" with nothing to undo (see opt-out) means menu
        return Reply(texts.menu(turn.name), State.MENU)
    if word == "ajuda":
        return Reply(texts.help_text(), State.MENU)
    if word == "sair":
        return Reply(texts.left_flow(), State.MENU)
    return None


def after_silence(turn: Turn) -> Reply | None:
    """Outside the menu, CONVERSATION_TIMEOUT of silence starts again from the menu. A menu option
    typed in words is followed; a bare number answered a list that is gone, so it is not."""
    if turn.user is None or turn.state in IDLE or turn.idle_since is None:
        return None
    if turn.now - turn.idle_since <= turn.settings.conversation_timeout:
        return None
    turn.state, turn.data = State.MENU, {}
    if menu_choice(turn.text) is None or choices.number(turn.text) is not None:
        return Reply(texts.timed_out(turn.name), State.MENU)
    return choose(turn)

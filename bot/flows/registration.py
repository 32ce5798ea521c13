"""Registration: a first message from an unknown number ends with the person registered."""
from __future__ import annotations

from bot import choices, texts
from bot.flows import menu
from bot.names import valid_name
from bot.nlu.people import person_name
from bot.states import State
from bot.turn import Reply, Turn, unclear
from storage import people
from storage.models import User


def start(turn: Turn) -> Reply:
    """Greets a new number and asks for a name, offering the WhatsApp profile name; a request
    in the first message ("quero marcar um corte amanhã às 15h") is kept for after it."""
    if turn.user is not None:
        return menu.greet_known(turn)
    greeting = texts.greeting_new(turn.business)
    kept = {"pending": turn.data["pending"]} if turn.data.get("pending") else {}
    profile = valid_name(turn.profile_name)
    if profile:
        return Reply(f"{greeting}\n\n{texts.offer_profile_name(profile)}", State.CONFIRM_NAME,
                     {"profile_name": profile, **kept})
    return Reply(f"{greeting}\n\n{texts.ASK_NAME}", State.ASK_NAME, kept)


def ask_name(turn: Turn) -> Reply:
    """Stores the name ("Ana", "meu nome é Ana", "sou a Ana Paula") and registers the person,
    then shows the menu, or follows the request they made first."""
    if turn.user is not None:  # registered meanwhile (by the owner or the API)
        return menu.greet_known(turn)
    name = person_name(turn.text)
    if name is None:
        return unclear(turn, texts.INVALID_NAME, State.ASK_NAME)
    return register(turn, name)


def confirm_name(turn: Turn) -> Reply:
    """Registers the offered profile name on 'sim'; on 'não' asks for the name, unless the
    answer gives it ("Não, é Roberto")."""
    if turn.user is not None:
        return menu.greet_known(turn)
    answer = choices.yes_no(turn.text)
    if answer is True:
        return register(turn, turn.data["profile_name"])
    typed = person_name(turn.text)
    if typed is not None and choices.yes_no(typed) is None:
        return register(turn, typed)
    if answer is False:
        return Reply(texts.ASK_NAME, State.ASK_NAME, {k: v for k, v in turn.data.items() if k == "pending"})
    offer = texts.offer_profile_name(turn.data.get("profile_name", ""))
    return unclear(turn, texts.unknown_option(offer))


def register(turn: Turn, name: str) -> Reply:
    """Registers the person writing under that name; then shows the menu, or follows the request
    they made before giving their name."""
    # Only if still nameless: the owner may have registered them meanwhile, with another name.
    people.register(turn.contact.id, name, turn.now)
    turn.user = User.get_by_id(turn.contact.id)
    pending = turn.data.get("pending")
    if not pending:
        return Reply(texts.registered(turn.user.name), State.MENU)
    turn.retell(pending)
    turn.state, turn.data = State.MENU, {}
    followed = menu.choose(turn)
    return Reply(texts.registered_then(turn.user.name) + "\n\n" + followed.text, followed.state, followed.data)

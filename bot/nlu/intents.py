"""What a customer wants from a message written freely: to book, see, cancel or move an appointment,
ask something the business's data answers, thank, greet, or talk to a person."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.nlu.text import normalize, turned_down

CLEAR = 0.8  # the confidence from which a caller acts on an intent without asking


class Intent(str, enum.Enum):
    BOOK = "book"
    LIST = "list"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    HOURS = "hours"  # opening hours, "vocês abrem domingo?"
    ADDRESS = "address"
    SERVICES = "services"  # services and prices
    THANKS = "thanks"  # thanks and acknowledgements: "obg", "valeu", "ok", "👍"
    GREETING = "greeting"
    HUMAN = "human"  # talk to a person


@dataclass(frozen=True)
class IntentFound:
    """An intent and how sure the words make it (0-1; act on it from CLEAR)."""

    intent: Intent
    confidence: float


_YOU = r"(?:voces|voce|a\s+barbearia|o\s+salao|a\s+loja|o\s+estudio|a\s+clinica)"
_OPEN = r"(?:abre|abrem|aberto|aberta|abertos|fecha|fecham|fechado|funciona|funcionam|atende|atendem|trabalha|trabalham)"
_SLOT = r"(?:horario|horarios|hora|vaga|vagas|encaixe|agendamento|agenda)"

# (intent, words, confidence), strongest first within each intent.
_RULES: tuple[tuple[Intent, str, float], ...] = (
    (Intent.HUMAN, r"(?:falar|fala|conversar|converso|atendimento)\s+com\s+(?:um\s+|uma\s+|o\s+|a\s+|alguma\s+)?"
                   r"(?:atendente|humano|humana|pessoa|alguem|gente|funcionari[oa]|don[oa]|responsavel|gerente|"
                   r"recepcao|recepcionista|pessoal|voces|voce|[a-z]+\s+de\s+verdade)", 0.95),
    (Intent.HUMAN, r"atendente|atendimento\s+humano|humano|pessoa\s+(?:de\s+verdade|real)|falar\s+com\s+alguem|"
                   r"nao\s+(?:quero\s+)?(?:falar\s+com\s+)?(?:robo|bot|maquina)|quero\s+falar", 0.9),
    (Intent.CANCEL, r"desmarcar|desmarca|desmarque|desmarco|cancelar|cancela|cancele|cancelamento|cancelo", 0.9),
    (Intent.CANCEL, r"nao\s+(?:vou|vai|irei)\s+(?:mais\s+)?(?:poder|conseguir|dar\s+(?:para|de))?\s*(?:ir|comparecer)", 0.6),
    (Intent.RESCHEDULE, r"remarcar|remarca|remarque|remarco|reagendar|reagenda|reagende|adiar|adia|antecipar|antecipa", 0.9),
    (Intent.RESCHEDULE, r"(?:trocar|troca|troque|mudar|muda|mude|alterar|altera|passar|passa|transferir|jogar|joga)\s+"
                        r"(?:o\s+|a\s+|meu\s+|minha\s+|de\s+)?(?:horario|dia|data|hora|agendamento|marcacao|para|pra|pro)", 0.9),
    (Intent.BOOK, r"(?:marcar|(?<!\ba\s)(?<!\bque\s)(?<!\bda\s)marca|marque|agendar|agende|reservar|reserva|reserve|(?<!minha\s)agenda(?!\w))", 0.9),
    (Intent.BOOK, rf"(?:quero|queria|gostaria\s+de|preciso\s+de|preciso|quer[io]a)\s+(?:de\s+)?(?:um\s+|uma\s+|o\s+)?{_SLOT}", 0.9),
    (Intent.BOOK, rf"(?:tem|tens|teria|ha|existe|sobrou|sobra|tem\s+como|consigo|consegue|da\s+pra|da\s+para)\s+"
                  rf"(?:algum\s+|alguma\s+|um\s+|uma\s+)?(?:{_SLOT}|encaixar)", 0.85),
    (Intent.BOOK, r"encaixar|encaixa|me\s+encaixe|me\s+encaixar", 0.85),
    (Intent.BOOK, r"(?:quero|queria|gostaria\s+de|preciso|vou|bora)\s+(?:fazer|cortar|aparar|tirar|dar\s+um\s+tapa)", 0.85),
    (Intent.LIST, r"(?:meus|minhas)\s+(?:horarios|agendamentos|marcacoes|reservas|consultas|horas)", 0.95),
    (Intent.LIST, r"(?:tenho|tem)\s+(?:algum\s+|alguma\s+)?(?:horario|hora|agendamento|reserva)\s+marcad[oa]|"
                  r"quando\s+(?:e|eh|vai\s+ser|sera)\s+(?:o\s+)?meu|minha\s+agenda|ver\s+(?:os\s+)?(?:meus\s+)?agendamentos|"
                  r"(?:qual|que\s+horas)\s+(?:e|eh)\s+(?:o\s+)?meu", 0.9),
    (Intent.LIST, r"(?:meu|minha)\s+(?:horario|agendamento|marcacao|reserva|consulta|hora)", 0.7),
    (Intent.HOURS, rf"(?:que\s+horas?|qual\s+(?:o\s+)?horario|ate\s+que\s+horas?|a\s+partir\s+de\s+que\s+horas?|quando)\s+"
                   rf"(?:{_YOU}\s+)?(?:ja\s+)?{_OPEN}", 0.95),
    (Intent.HOURS, r"horarios?\s+de\s+(?:funcionamento|atendimento|abertura)|qual\s+(?:o\s+|e\s+o\s+)?horario\s+de\s+voces|"
                   r"(?:que\s+)?dias\s+(?:voces\s+)?(?:abrem|funcionam|atendem|trabalham)", 0.95),
    (Intent.HOURS, rf"{_YOU}\s+(?:ja\s+|tambem\s+|nao\s+)?{_OPEN}|(?:esta|estao|ta|tao)\s+(?:aberto|aberta|abertos|funcionando)|"
                   rf"{_OPEN}\s+(?:hoje|amanha|domingo|sabado|segunda|feriado|aos|no\s+feriado|de\s+domingo|as|que|a\s+que)|"
                   r"ate\s+que\s+horas?|que\s+horas?\s+(?:abre|abrem|fecha|fecham)", 0.9),
    (Intent.ADDRESS, r"endereco|localizacao|onde\s+(?:fica|ficam|e\s+ai|e\s+a|e\s+o|voces\s+ficam|esta|estao|e\b)|fica\s+onde|"
                     r"como\s+(?:eu\s+)?(?:chego|chegar|faco\s+pra\s+chegar|faco\s+para\s+chegar)|qual\s+a\s+rua|"
                     r"ponto\s+de\s+referencia|manda\s+a\s+loc|(?:tem\s+)?estacionamento|qual\s+o\s+bairro", 0.95),
    (Intent.SERVICES, r"custa|custam|cobram|(?:e|eh|fica|sai|ta)\s+quanto|quanto\s+(?:custa|custam|e|eh|fica|ficam|sai|saem|ta|esta|cobra|cobram|e\s+o|e\s+a|que\s+e)|"
                      r"qual\s+(?:o\s+|e\s+o\s+)?(?:valor|preco)|precos?|valores?|tabela|"
                      r"(?:quais|que)\s+(?:sao\s+)?(?:os\s+)?servicos|servicos|o\s+que\s+voces\s+fazem|cardapio", 0.9),
)
_COMPILED = tuple((intent, re.compile(rf"\b(?:{words})\b"), confidence) for intent, words, confidence in _RULES)

def _phrases(text: str) -> frozenset:
    """Words and two-word phrases ("muito_obrigado" is the pair ("muito", "obrigado"))."""
    return frozenset(tuple(p.split("_")) if "_" in p else p for p in text.split())


# Whole messages: an acknowledgement or a greeting, nothing else. Read phrase by phrase (a regex
# of repeated alternatives that overlap, like "oi"/"oie", would backtrack exponentially).
_THANKS_PHRASES = _phrases("""
    obrigado obrigada obrigadao obg obgd obgda brigado brigada grato grata agradeco valeu vlw vlws valew
    blz beleza ok okay okk oks certo certinho show top perfeito otimo combinado fechado tmj joia massa demais
    tranquilo entendi isso tchau falou flw abraco abs disponha
    muito_obrigado muito_obrigada mt_obrigado mto_obrigado de_boa ta_bom ta_certo ta_otimo pode_deixar
    ate_mais ate_logo entao_ta por_nada tudo_certo
""")
_GREETING_PHRASES = _phrases("""
    oi oie oii oiii oiie ola opa eai eae salve hello hi hey
    e_ai bom_dia boa_tarde boa_noite tudo_bem tudo_bom td_bem td_bom como_vai
""")
_FILLERS = frozenset({"e", "entao", "sim", "ai"})
_ACK_EMOJI = re.compile(r"^[\s👍👌🙏🤝✅❤♥😊🙂😁😀😉🥰😍☺🫶💪👏🤙👊✌\ufe0f\U0001F3FB-\U0001F3FF]+$")
_GREETING_START = re.compile(r"^(?:oi+e?|ola|opa|e\s+ai|eai|bom\s+dia|boa\s+tarde|boa\s+noite|salve)\b")


def _only(words: list[str], phrases: frozenset) -> bool:
    """Whether the words are nothing but these phrases (and fillers such as "e"), at least one."""
    i, said = 0, False
    while i < len(words):
        pair = tuple(words[i:i + 2])
        if len(pair) == 2 and pair in phrases:
            i, said = i + 2, True
        elif words[i] in phrases:
            i, said = i + 1, True
        elif words[i] in _FILLERS:
            i += 1
        else:
            return False
    return said


# "se eu precisar cancelar", "qual a política de cancelamento?", "posso cancelar depois?": asking
# about an action, not asking for it.
_HYPOTHETICAL_BEFORE = re.compile(r"\b(?:se(?!\s+(?:possivel|puder|der|for\s+possivel)\b)|caso)\b[^.;!?]*$")
_ABOUT_ACTIONS = re.compile(r"\b(?:politica|regras?|multa|taxa|prazo|antecedencia|depois\s*\?|mais\s+tarde\s*\?)")

# Acting on a request outranks answering a question, which outranks small talk.
_ORDER = (Intent.HUMAN, Intent.CANCEL, Intent.RESCHEDULE, Intent.BOOK, Intent.LIST, Intent.HOURS,
          Intent.ADDRESS, Intent.SERVICES, Intent.THANKS, Intent.GREETING)
_ACTIONS = {Intent.CANCEL, Intent.RESCHEDULE, Intent.BOOK}


def detect_intent(text: str, *, normalized: bool = False) -> IntentFound | None:
    """The intent a message states, with its confidence; None when it states none."""
    folded = text if normalized else normalize(text)
    if not folded:
        return None
    if _ACK_EMOJI.match(folded):
        return IntentFound(Intent.THANKS, 0.9)
    plain = re.sub(r"[^\w\s]", " ", folded).strip()
    words = plain.split()
    found: dict[Intent, float] = {}
    for intent, pattern, confidence in _COMPILED:
        for match in pattern.finditer(folded):
            if turned_down(folded, match.start(), match.end()):
                continue
            if intent in _ACTIONS and (_HYPOTHETICAL_BEFORE.search(folded, 0, match.start())
                                       or _ABOUT_ACTIONS.search(folded)):
                confidence = min(confidence, 0.6)
            found[intent] = max(found.get(intent, 0.0), confidence)
    if _only(words, _THANKS_PHRASES):
        found.setdefault(Intent.THANKS, 0.9)
    if _only(words, _GREETING_PHRASES):
        found.setdefault(Intent.GREETING, 0.9)
    elif not found and _GREETING_START.match(plain):
        found[Intent.GREETING] = 0.6  # "oi, sou a Ana": a greeting, and something else
    if not found:
        return None
    intent = min(found, key=_ORDER.index)
    confidence = found[intent]
    if intent in _ACTIONS and len(_ACTIONS & found.keys()) > 1:
        confidence = min(confidence, 0.5)  # "cancelar e marcar outro": which one?
    return IntentFound(intent, confidence)

"""Every customer-facing text, in pt-BR: warm, short, WhatsApp-formatted (*bold* for key info).

Tests refer to these names, never to copied strings. Functions take what varies; the business
name comes from BUSINESS_NAME.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

MAX_MESSAGE = 1600

# --- main menu -------------------------------------------------------------------------------

MENU_OPTIONS = ("Agendar", "Meus agendamentos", "Remarcar", "Cancelar", "Ajuda")


def numbered(options: Iterable[str], start: int = 1) -> str:
    """One option per line, each starting with its number: '1 - Agendar'."""
    return "\n".join(f"*{i}* - {label}" for i, label in enumerate(options, start))


def menu(name: str | None = None) -> str:
    head = f"Como posso te ajudar, {name}?" if name else "Como posso te ajudar?"
    return f"{head}\n\n{numbered(MENU_OPTIONS)}\n\nResponda com o número ou a palavra."


def greeting_known(name: str, business: str) -> str:
    return f"Olá, {name}! 👋 Que bom te ver na *{business}*.\n\n" + menu()


def greeting_new(business: str) -> str:
    return f"Olá! 👋 Bem-vindo(a) à *{business}*. Eu marco seus horários por aqui mesmo."


ASK_NAME = "Para começar, qual é o seu nome?"


def offer_profile_name(profile_name: str) -> str:
    return f"Posso te chamar de *{profile_name}*?\n\n{numbered(['Sim', 'Não'])}"


INVALID_NAME = ("Hmm, não consegui entender como te chamar 🤔\n"
                "Me diga só o seu nome, com letras (de 2 a 60 caracteres). Ex.: *Ana Souza*")


def registered(name: str) -> str:
    return registered_then(name) + "\n\n" + menu()


def registered_then(name: str) -> str:
    return f"Prazer, *{name}*! 😊 Seu cadastro está feito."


def unknown_option(options_text: str) -> str:
    return f"Não entendi 🤔 Responda com o número de uma opção:\n\n{options_text}"


def unknown_menu(name: str | None = None) -> str:
    return "Não entendi 🤔 " + menu(name)


HELP = ("ℹ️ *Como funciona*\n"
        "Responda às perguntas com o *número* da opção ou com a palavra.\n\n"
        "*menu* - volta ao menu principal\n"
        "*sair* - desiste do que estiver fazendo\n"
        "*ajuda* - mostra esta mensagem\n"
        "*parar* - não receber mais lembretes e avisos\n"
        "*voltar* - voltar a receber lembretes e avisos\n\n"
        "Datas: *hoje*, *amanhã*, *sexta*, *25/12*. Horas: *14h*, *14:30*.\n"
        "Dá para mandar tudo junto: *amanhã às 15h*.")


def help_text() -> str:
    return HELP + "\n\n" + menu()


def left_flow() -> str:
    return "Tudo bem, deixei isso de lado. 👍\n\n" + menu()


def timed_out(name: str | None) -> str:
    return "Faz um tempinho que não conversamos, então recomecei do início. 🙂\n\n" + menu(name)


TEXT_ONLY = ("Por enquanto eu só entendo mensagens de texto 📝\n"
             "Pode escrever o que precisa? Envie *menu* para ver as opções.")

VOICE_NEEDS_TEXT = ("Ainda não consigo ouvir áudios por aqui 🎤 Pode escrever o que precisa? "
                    "Envie *menu* para ver as opções.")

VOICE_NOT_UNDERSTOOD = ("Não consegui entender o áudio 🎤😕 Pode escrever o que precisa? "
                        "Envie *menu* para ver as opções.")


def heard(text: str) -> str:
    return f'🎤 Entendi: "{text}"'


LIST_BUTTON = "Ver opções"  # the button that opens a WhatsApp list (at most 20 characters)
CHOOSE_ONE = "Escolha uma opção:"

TOO_LONG = "Essa mensagem ficou grande demais para mim 😅 Pode resumir em poucas palavras?"

GENERIC_ERROR = "Desculpe, tive um probleminha aqui 😕 Pode tentar de novo em instantes?"

UNAVAILABLE = ("Estamos com uma instabilidade no momento 😕 "
               "Por favor, tente novamente em instantes.")

SLOW_DOWN = ("Recebi muitas mensagens seguidas 😅 Vou esperar um minutinho antes de responder de novo. "
             "Depois é só continuar de onde parou.")

# --- opt-out -----------------------------------------------------------------------------------

OPTED_OUT = ("Pronto, você não vai mais receber lembretes nem avisos. 🔕\n"
             "Suas respostas continuam funcionando normalmente. Para voltar a receber, envie *voltar*.")

OPTED_IN = "Combinado, você voltará a receber lembretes e avisos. 🔔"

NOT_REGISTERED_OPT_OUT = "Tudo bem, não vamos te enviar mensagens. 🔕"

# --- booking -----------------------------------------------------------------------------------


def choose_service(services: Sequence[tuple[str, int] | tuple[str, int, int | None]]) -> str:
    """Each service as (name, minutes) or (name, minutes, price in centavos or None)."""
    lines = [f"{s[0]} ({minutes_label(s[1])})" + (f" - {price_label(s[2])}" if len(s) > 2 and s[2] is not None else "")
             for s in services]
    return "Qual serviço você quer agendar? ✂️\n\n" + numbered(lines)


NO_SERVICES = "No momento não há serviços disponíveis para agendar pelo WhatsApp. 😕"


def minutes_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}"
    return f"{hours}h" if hours else f"{minutes} min"


def choose_day(service: str, days: Sequence[str]) -> str:
    return (f"*{service}* 👍 Para qual dia?\n\n{numbered(days)}\n\n"
            "Ou digite uma data, como *sexta* ou *25/12*. Pode mandar a hora junto: *amanhã às 15h*.")


def no_days(service: str) -> str:
    return (f"Poxa, não encontrei horários livres para *{service}* nos próximos dias. 😕\n"
            "Tente mais tarde ou fale com a gente.\n\n" + menu())


def day_closed(day: str, days: Sequence[str]) -> str:
    if not days:
        return f"Não temos horários livres em *{day}*. 😕 Tente outra data."
    return f"Não temos horários livres em *{day}*. 😕 Os próximos dias com horário são:\n\n{numbered(days)}"


def day_too_far(limit: str) -> str:
    return f"Essa data está longe demais: dá para agendar até *{limit}*. Escolha uma data mais próxima."


PAST_DAY = "Essa data já passou 😅 Me diga um dia de hoje em diante, como *amanhã* ou *25/12*."

INVALID_DAY = "Essa data não existe no calendário 🤔 Confira o dia e o mês, por exemplo *30/11*."

INVALID_TIME = "Esse horário não existe 🤔 Use algo como *14h* ou *14:30*."


def ask_day_for_time(time: str) -> str:
    when = f"às *{time}*" if time[:1].isdigit() else f"*{time}*"
    return f"Para qual dia {when}? Ex.: *amanhã*, *sexta*, *25/12*."


ASK_DAY = "Para qual dia? Ex.: *amanhã*, *sexta*, *25/12*."


def window_label(start: int, end: int) -> str:
    """A part of the day in words: 'de manhã', 'à tarde', 'entre 14:00 e 16:00'."""
    named = {(0, 12 * 60): "de manhã", (12 * 60, 18 * 60): "à tarde", (18 * 60, 24 * 60): "à noite"}
    for (first, last), words in named.items():
        if first <= start and end <= last and end - start >= 3 * 60:
            return words
    if start == 0:
        return f"antes das {end // 60:02d}:{end % 60:02d}"
    if end >= 24 * 60:
        return f"depois das {start // 60:02d}:{start % 60:02d}"
    return f"entre {start // 60:02d}:{start % 60:02d} e {end // 60:02d}:{end % 60:02d}"


def none_in_window(window: str) -> str:
    return f"Não tenho horário livre {window} nesse dia. 😕 Veja os outros:"


def did_you_mean(name: str) -> str:
    return f"Você quis dizer *{name}*?\n\n" + numbered(["Sim", "Não"])


def noted_which_service(prompt: str) -> str:
    return "Anotado! 📝 E qual serviço?\n\n" + prompt.split("\n\n", 1)[-1]


def which_day(days: Sequence[str]) -> str:
    return "Qual desses dias? 🤔\n\n" + numbered(days)


def which_time(day: str, times: Sequence[str]) -> str:
    return f"Em *{day}*, qual desses horários? 🤔\n\n" + numbered(times)


PAST_TIME = "Esse horário já passou 😅 Me diga outro, como *16h*."


def closed_then(day: str, time: str, times: Sequence[str]) -> str:
    return (f"Às *{time}* de *{day}* estamos fechados. 😕 Os horários livres mais próximos são:\n\n"
            f"{numbered(times)}")


def choose_time(day: str, times: Sequence[str], more: bool) -> str:
    text = f"Horários livres em *{day}*: 🕐\n\n{numbered(times)}"
    if more:
        text += "\n\nEnvie *mais* para ver outros horários."
    text += "\nOu digite outra data."
    return text


NO_MORE_TIMES = "Esses são todos os horários desse dia. Escolha um número ou digite outra data."


def time_unavailable(day: str, time: str, times: Sequence[str]) -> str:
    return (f"*{time}* em *{day}* não está livre. 😕 Os horários mais próximos são:\n\n"
            f"{numbered(times)}")


def confirm_booking(service: str, day: str, time: str, professional: str | None = None) -> str:
    who = f" com *{professional}*" if professional else ""
    return (f"Confirma o agendamento?\n\n✂️ *{service}*{who}\n📅 {day}\n🕐 *{time}*\n\n"
            + numbered(["Sim, confirmar", "Não, outro horário"]))


def booked(service: str, day: str, time: str, business: str, professional: str | None = None) -> str:
    who = f" com *{professional}*" if professional else ""
    return (f"✅ Agendado! *{service}*{who} em *{day}* às *{time}*.\n"
            f"Te esperamos na *{business}*. Vou te lembrar antes. 😉\n\n"
            "Envie *menu* para outras opções.")


def slot_taken(day: str, time: str, times: Sequence[str]) -> str:
    text = f"Poxa, *{time}* de *{day}* acabou de ser preenchido. 😕"
    if times:
        return text + " Os horários livres mais próximos são:\n\n" + numbered(times)
    return text + " Escolha outro dia."


def choose_professional(service: str, names: Sequence[str]) -> str:
    return f"*{service}* 👍 Com quem você prefere?\n\n{numbered(names)}"


ANY_PROFESSIONAL = "Qualquer um (o primeiro livre)"

# --- my appointments, cancel, reschedule ----------------------------------------------------------------


def appointment_line(service: str, day: str, time: str, professional: str | None = None) -> str:
    who = f" com {professional}" if professional else ""
    return f"*{service}*{who} - {day} às *{time}*"


def my_appointments(lines: Sequence[str]) -> str:
    return ("📅 *Seus próximos agendamentos:*\n\n" + numbered(lines)
            + "\n\nEscolha um para remarcar ou cancelar, ou envie *menu* para outras opções.")


def appointment_actions(line: str) -> str:
    return f"{line}\n\nO que você quer fazer?\n\n" + numbered(["Remarcar", "Cancelar"])


NO_APPOINTMENTS = ("Você não tem agendamentos marcados. 🗓️\n\n"
                   + numbered(["Agendar"]) + "\n\nOu envie *menu* para outras opções.")


def pick_to_cancel(lines: Sequence[str]) -> str:
    return "Qual agendamento você quer cancelar?\n\n" + numbered(lines)


def pick_to_reschedule(lines: Sequence[str]) -> str:
    return "Qual agendamento você quer remarcar?\n\n" + numbered(lines)


def confirm_cancel(line: str) -> str:
    return f"Cancelar {line}?\n\n" + numbered(["Sim, cancelar", "Não, manter"])


def cancelled(line: str) -> str:
    return f"Cancelado ✅ {line}.\nQuando quiser, é só agendar de novo. Envie *menu*."


KEPT = "Combinado, seu horário continua marcado. 👍 Envie *menu* para outras opções."


def too_late_to_change(notice_minutes: int) -> str:
    return (f"Faltam menos de *{minutes_label(notice_minutes)}* para esse horário, então não consigo alterar"
            " por aqui. 😕\nPor favor, fale diretamente com a gente.\n\n" + menu())


def reschedule_day(line: str, days: Sequence[str]) -> str:
    return (f"Vamos remarcar {line}. Para qual dia?\n\n{numbered(days)}\n\n"
            "Ou digite uma data, como *sexta* ou *25/12 às 15h*.")


def confirm_reschedule(old_line: str, day: str, time: str) -> str:
    return (f"Remarcar {old_line}\npara 📅 {day} às 🕐 *{time}*?\n\n"
            + numbered(["Sim, remarcar", "Não, outro horário"]))


def rescheduled(service: str, day: str, time: str) -> str:
    return f"✅ Remarcado! *{service}* agora é em *{day}* às *{time}*. Envie *menu* para outras opções."


APPOINTMENT_GONE = "Esse agendamento não está mais ativo. Envie *menu* para ver as opções."

# --- reminders (replies) and business-initiated messages -------------------------------------------------


CUSTOMER = "cliente"  # a name for someone whose name we do not know


def reminder(name: str, service: str, day: str, time: str, business: str, professional: str | None = None) -> str:
    who = f" com {professional}" if professional else ""
    return (f"Olá, {name}! 👋 Lembrete da *{business}*: *{service}*{who} em *{day}* às *{time}*.\n\n"
            + numbered(["Confirmar", "Cancelar", "Remarcar"]))


ALL_OF_THEM = "Todos"


def which_reminder(choice: int, lines: Sequence[str]) -> str:
    verb = ("confirmar", "cancelar", "remarcar")[choice]
    return f"Você tem mais de um horário. Qual quer {verb}?\n\n" + numbered(lines)


def all_confirmed(lines: Sequence[str]) -> str:
    return "Presença confirmada ✅\n" + "\n".join(f"• {line}" for line in lines) + "\nTe esperamos!"


def reminder_confirmed(day: str, time: str) -> str:
    return f"Presença confirmada ✅ Te esperamos em *{day}* às *{time}*!"


def cancellation_notice(name: str, service: str, day: str, time: str, business: str,
                        reason: str | None = None) -> str:
    text = f"Olá, {name}. Seu horário de *{service}* em *{day}* às *{time}* foi cancelado pela *{business}*."
    if reason:
        text += f"\nMotivo: {reason}"
    return text + "\nPara marcar outro horário, é só responder *agendar*."


def notice(business: str, text: str) -> str:
    return f"📢 *{business}*: {text}"


def booked_by_business(name: str, service: str, day: str, time: str, business: str) -> str:
    return (f"Olá, {name}! ✅ A *{business}* marcou para você: *{service}* em *{day}* às *{time}*.\n"
            "Para ver ou alterar, responda *menu*.")


# --- admin (the owner's number) ---------------------------------------------------------------------

ADMIN_USAGE = {
    "ajuda": "*ajuda* - esta lista",
    "agenda": ("*agenda* [hoje|amanhã|25/12|semana] [profissional] - ex.: *agenda amanhã* | *agenda link*"
               " - a agenda no calendário do celular (*agenda link novo* troca o link)"),
    "cancelar": "*cancelar #12* [motivo] - ex.: *cancelar #12 cliente pediu*",
    "marcar": "*marcar* <telefone> <nome> <serviço> <data> <hora> - ex.: *marcar 11988887777 João Corte amanhã 15h*",
    "bloquear": "*bloquear* [profissional] <data> [início-fim] - ex.: *bloquear 25/12* ou *bloquear 24/12 12:00-14:00*",
    "desbloquear": "*desbloquear* [profissional] <data> [início-fim] - ex.: *desbloquear 25/12*",
    "servicos": "*servicos* - lista os serviços",
    "servico": ("*servico novo* <nome> <minutos> | *servico remover #3* | *servico duracao #3 45*"
                " | *servico preco #3 45,00* (ou *sem preco*) | *servico retorno #3 21d* (ou *-* para tirar)"
                " - ex.: *servico novo Hidratação 40*"),
    "horario": ("*horario* - mostra a semana | *horario seg 09:00-12:00 13:00-18:00* | *horario dom fechado*"
                " (dias: seg ter qua qui sex sab dom, ou *seg-sex*)"),
    "clientes": "*clientes* - total e os 10 mais recentes",
    "cliente": "*cliente* <parte do nome ou telefone> - ex.: *cliente ana*",
    "faltou": "*faltou #12* - marca que o cliente não veio",
    "compareceu": "*compareceu #12* - marca que o cliente veio",
    "avisar": "*avisar* <data> <mensagem> - ex.: *avisar 24/12 Vamos fechar às 16h*",
    "profissionais": "*profissionais* - lista a equipe",
    "profissional": ("*profissional novo Ana* | *profissional nome #2 Ana Paula* | *profissional servicos #2 1,3*"
                     " (ou *todos*) | *profissional horario #2 seg 09:00-18:00* (ou *padrao*) | *profissional remover #2*"
                     " | *profissional telefone #2 +5511988887777* (ou *nenhum*)"
                     " | *profissional comissao #2 40%* (ou *nenhuma*)"),
    "responder": "*responder* <#cliente|telefone> <texto> - ex.: *responder #5 Pode vir às 15h!* (ou deslize para responder)",
    "encerrar": "*encerrar* <#cliente|telefone> - devolve a conversa ao robô",
    "atendimentos": "*atendimentos* - as conversas passadas para uma pessoa",
    "cobrado": "*cobrado #12 50,00* - anota o valor cobrado (marca que o cliente veio)",
    "caixa": "*caixa* [hoje|ontem|semana|mes|01/11 30/11] - atendimentos, faturamento, faltas e comissões",
    "aprovar": "*aprovar #12* - confirma um pedido de horário de quem faltou demais",
    "recusar": "*recusar #12* - recusa o pedido e libera o horário",
    "perdoar": "*perdoar* <#cliente|telefone> - zera as faltas que contam (o histórico fica)",
}

# What a professional may do from their own phone (the words are the owner's commands, limited
# to their own agenda, time, appointments and chats).
STAFF_COMMANDS = ("ajuda", "agenda", "bloquear", "desbloquear", "faltou", "compareceu", "responder", "encerrar",
                  "atendimentos", "caixa")
SICK_USAGE = "*estou doente hoje* | *não vou poder 25/12* - bloqueia o dia e avisa o dono"


def staff_help() -> str:
    lines = "\n".join(f"• {ADMIN_USAGE[word]}" for word in STAFF_COMMANDS if word != "ajuda")
    return ("🛠️ *Seus comandos* (só a sua agenda e os seus clientes)\n" + lines + f"\n• {SICK_USAGE}"
            + "\n\nPara agendar como cliente, envie *menu*.")


OWNER_ONLY = "Esse comando é só do dono. Envie *ajuda* para ver os seus."


def admin_help() -> str:
    lines = "\n".join(f"• {usage}" for usage in ADMIN_USAGE.values())
    return ("🛠️ *Comandos do dono*\n" + lines
            + "\n\nPara agendar como cliente, envie *menu*.")


def admin_usage(command: str) -> str:
    usage = SICK_USAGE if command == "doente" else ADMIN_USAGE.get(command)
    return f"Não entendi esse comando 🤔 Use assim:\n{usage}" if usage else admin_help()


ADMIN_NOT_FOUND = "Não encontrei o agendamento {ref}. Confira o número em *agenda*."


def admin_status(confirmed: bool) -> str:
    return "✅ confirmado" if confirmed else "⏳ a confirmar"


def owner_appointment_line(when: str, appointment_id: int, name: str, phone: str, service: str, status: str) -> str:
    return f"{when} #{appointment_id} {name} ({phone}) - {service} {status}"


STATUS_LABELS = {"cancelled": "❌ cancelado", "done": "✔️ compareceu", "no_show": "🚫 faltou",
                 "requested": "⏳ aguardando aprovação"}


def agenda_header(day: str, professional: str | None = None) -> str:
    who = f" - {professional}" if professional else ""
    return f"📅 *{day}*{who}"


NO_APPOINTMENTS_DAY = "(sem agendamentos)"


def free_gaps(gaps: str) -> str:
    return f"Livre: {gaps}" if gaps else "Livre: nenhum horário"


CLOSED_DAY = "Fechado"


def admin_cancelled(ref: str, name: str, notified: bool) -> str:
    extra = f" {name} será avisado(a)." if notified else ""
    return f"❌ Agendamento {ref} cancelado.{extra}"


def admin_booked(ref: str, name: str, service: str, day: str, time: str, professional: str | None) -> str:
    who = f" com {professional}" if professional else ""
    return f"✅ Marcado {ref}: {name} - *{service}*{who}, {day} às *{time}*. O cliente vai receber a confirmação."


ADMIN_NEEDS_NAME = "Esse telefone ainda não é cliente: informe o nome. Ex.: *marcar 11988887777 João Corte amanhã 15h*"
ADMIN_BAD_PHONE = "Telefone inválido 🤔 Use DDD + número, ex.: *11988887777*."
ADMIN_NO_SERVICE = "Não encontrei o serviço. Envie *servicos* para ver os nomes."
ADMIN_NO_WHEN = "Faltou a data e a hora. Ex.: *amanhã 15h* ou *25/12 9h30*."


def admin_slot_refused(reason: str) -> str:
    return f"Não deu para marcar: {reason}"


REFUSED_TAKEN = "o horário já está ocupado."
REFUSED_CLOSED = "fora do horário de funcionamento (ou bloqueado)."
REFUSED_PAST = "esse horário já passou."
REFUSED_TOO_SOON = "muito em cima da hora."
REFUSED_TOO_FAR = "longe demais: passa do limite de agendamento."


def refused_too_far(last_day: str) -> str:
    return f"passa do limite de agendamento: dá para marcar até *{last_day}*."


def admin_date_out_of_range(first: str, last: str) -> str:
    return f"Essa data está fora do alcance da agenda 📅 Use uma data entre *{first}* e *{last}*."


ADMIN_TOO_LONG = "Esse comando ficou longo demais (até 1000 caracteres). Nada foi feito; envie um comando mais curto."
REFUSED_NOT_FOUND = "cliente, serviço ou profissional não encontrado."
REFUSED_OTHER = "regra de agendamento."


def admin_not_booked(ref: str, status: str) -> str:
    return f"O agendamento {ref} não está marcado ({status})."


def admin_already_cancelled(ref: str) -> str:
    return f"O agendamento {ref} foi cancelado."


def more_in_agenda(count: int) -> str:
    return f"... e mais {count}: envie *agenda*"


# --- calendar feeds (`agenda link`, GET /calendar/<token>.ics) ----------------------------------------------


def calendar_event_summary(first_name: str, service: str, appointment_id: int, professional: str | None) -> str:
    """An appointment's title in the calendar app; the business feed names the professional."""
    who = f" com {professional}" if professional else ""
    return f"{first_name} - {service}{who} #{appointment_id}"


def calendar_name(business: str, professional: str | None) -> str:
    return f"{business} - {professional}" if professional else business


def calendar_link(url: str, whose: str | None, rotated: bool) -> str:
    """The feed URL sent by `agenda link` (whose: the professional's name; None for the business)."""
    agenda = f"a agenda de *{whose}*" if whose else "a agenda do negócio"
    head = ("🔄 Link novo criado; o antigo parou de funcionar.\n" if rotated else "")
    return (head + f"📅 Para ver {agenda} no calendário do celular, assine este link:\n{url}\n\n"
            "No iPhone: Ajustes > Calendário > Contas > Adicionar conta > Outra > Adicionar calendário assinado. "
            "No Google Agenda (pelo computador): Outras agendas > + > Do URL.\n"
            "🔒 Quem tiver o link vê os horários: não compartilhe. Se vazar, envie *agenda link novo*.")


def calendar_link_no_public_url(path: str) -> str:
    """`agenda link` when PUBLIC_URL is unset: the path, and how to make it a full link."""
    return (f"📅 O link do calendário é *{path}* no endereço do seu sistema, mas o endereço público não está "
            "configurado. Peça a quem cuida do sistema para definir *PUBLIC_URL* (ex.: https://agenda.suaempresa.com) "
            "e envie *agenda link* de novo.")


def service_created(line: str) -> str:
    return f"✂️ Serviço criado: {line}"


def service_exists(name: str) -> str:
    return f"Já existe um serviço ativo chamado *{name}*."


def service_removed(service_id: int, name: str) -> str:
    return f"Serviço #{service_id} {name} removido. Os agendamentos já marcados continuam."


def service_duration_changed(service_id: int, name: str, minutes: int) -> str:
    return (f"Serviço #{service_id} {name} agora dura {minutes_label(minutes)}."
            " Os agendamentos já marcados mantêm a duração antiga.")


def service_not_found(token: str) -> str:
    return f"Não encontrei o serviço {token}. Envie *servicos* para ver a lista."


def professional_created(name: str, professional_id: int) -> str:
    return (f"💈 {name} entrou na equipe como #{professional_id}. "
            f"Defina serviços e horário com *profissional servicos #{professional_id} ...*")


def professional_renamed(professional_id: int, name: str) -> str:
    return f"#{professional_id} agora se chama {name}."


UNKNOWN_SERVICES = "Algum desses serviços não existe. Envie *servicos* para ver os números."


def professional_house_hours(name: str) -> str:
    return f"{name} segue o horário da casa."


def professional_hours(name: str, hours: str) -> str:
    return f"*{name}*\n{hours}"


LAST_PROFESSIONAL = "É preciso ter ao menos um profissional ativo."


def professional_not_found(token: str) -> str:
    return f"Não encontrei o profissional {token}. Envie *profissionais* para ver a equipe."


ALL_SERVICES = "todos"
HOUSE_HOURS = "o da casa"
CLOSED = "fechado"
WEEKDAY_SHORT = ("seg", "ter", "qua", "qui", "sex", "sáb", "dom")


def of_professional(name: str) -> str:
    return f" ({name})"


def time_range(start: str, end: str) -> str:
    return f" das {start} às {end}"


def whatsapp_user(whatsapp_id: str) -> str:
    return f"usuário do WhatsApp {whatsapp_id}"


def client_line(name: str, phone: str, since: str) -> str:
    return f"{name} - {phone} (desde {since})"


def client_found_line(name: str, phone: str) -> str:
    return f"{name} - {phone}"


ADMIN_ERROR = "Esse comando deu erro aqui 😕 Nada foi alterado. Tente de novo ou envie *ajuda*."

CANCELLED_BY_CUSTOMER = "pelo cliente"


def admin_blocked(what: str, kept: list[str]) -> str:
    text = f"🔒 Bloqueado: {what}."
    if kept:
        text += "\n⚠️ Estes agendamentos continuam marcados (cancele se precisar):\n" + "\n".join(kept)
    return text


def admin_unblocked(what: str, count: int) -> str:
    if not count:
        return f"Não havia bloqueio em {what}."
    return f"🔓 Desbloqueado: {what} ({count} bloqueio(s) removido(s))."


def service_line(service_id: int, name: str, minutes: int, active: bool, price_cents: int | None = None) -> str:
    price = f" - {price_label(price_cents)}" if price_cents is not None else ""
    return f"#{service_id} {name} - {minutes_label(minutes)}{price}" + ("" if active else " (inativo)")


def admin_services(lines: list[str]) -> str:
    return "✂️ *Serviços*\n" + ("\n".join(lines) if lines else "(nenhum)")


def week_hours(lines: list[str]) -> str:
    return "🕐 *Horário de funcionamento*\n" + "\n".join(lines)


def admin_clients(total: int, lines: list[str]) -> str:
    return f"👥 *{total} clientes*. Os mais recentes:\n" + ("\n".join(lines) if lines else "(nenhum)")


def admin_client(name: str, phone: str, since: str, upcoming: list[str], past: list[str], no_shows: int) -> str:
    text = f"👤 *{name}* - {phone}\nCliente desde {since}. Faltas: *{no_shows}*"
    text += "\n\n*Próximos:*\n" + ("\n".join(upcoming) if upcoming else "(nenhum)")
    text += "\n\n*Anteriores:*\n" + ("\n".join(past) if past else "(nenhum)")
    return text


def admin_clients_found(lines: list[str]) -> str:
    return "Encontrei mais de um cliente. Refine a busca:\n" + "\n".join(lines)


ADMIN_NO_CLIENT = "Nenhum cliente encontrado com isso."


def admin_marked(ref: str, no_show: bool) -> str:
    return f"Anotado: {ref} {'🚫 faltou' if no_show else '✔️ compareceu'}."


ADMIN_NOT_YET = "Esse horário ainda não começou; marque depois que ele passar."


def admin_notice_confirm(count: int, day: str, text: str) -> str:
    return (f"📢 Aviso para *{count}* cliente(s) com horário em {day}:\n\n“{text}”\n\n"
            + numbered(["Enviar", "Não enviar"]))


def admin_notice_sent(count: int) -> str:
    return f"📢 Aviso enviado para a fila: {count} cliente(s) vão receber em instantes."


ADMIN_NOTICE_DROPPED = "Ok, aviso não enviado."


def admin_no_customers(day: str) -> str:
    return f"Não há clientes com horário em {day}."


def daily_summary(agenda: str, yesterday: str | None = None) -> str:
    figures = f"{yesterday}\n\n" if yesterday else ""
    return "☀️ Bom dia! " + figures + "Sua agenda de hoje:\n\n" + agenda


def professional_line(professional_id: int, name: str, services: str, hours: str, active: bool = True) -> str:
    return f"#{professional_id} {name} - serviços: {services}; horário: {hours}" + ("" if active else " (inativo)")


def admin_professionals(lines: list[str]) -> str:
    return "💈 *Equipe*\n" + ("\n".join(lines) if lines else "(ninguém)")


def professional_removed(name: str, kept: list[str]) -> str:
    text = f"{name} não recebe mais agendamentos."
    if kept:
        text += "\n⚠️ Estes agendamentos com ela(e) continuam marcados (remarque ou cancele):\n" + "\n".join(kept)
    return text


# --- the development simulator -------------------------------------------------------------------

SIMULATOR_BAD_SENDER = "Informe um telefone válido (ou um ID do WhatsApp, como BR.1A2B3C) e um texto."
SIMULATOR_BAD_CLOCK = "Use algo como 1d, 2h ou 30m."
def simulator_rate_limited(limit: int) -> str:
    return (f"O bot não respondeu: este número passou de {limit} mensagens no último minuto (RATE_LIMIT). "
            "Ele avisou uma vez e fica em silêncio até o ritmo baixar; espere um minuto.")


def chat_demo_owner(phone: str) -> str:
    return f"ADMIN_PHONES não está definido: falando como o dono da demonstração ({phone})."


CHAT_NEEDS_WHATSAPP_ID = "Para esconder o telefone, comece com --whatsapp-id BR.1A2B3C."


def chat_speaking_as(phone: str | None, whatsapp_id: str | None) -> str:
    who = " e ".join(part for part in (phone, whatsapp_id and f"ID {whatsapp_id}") if part)
    return f"Conversando como {who}."


SIMULATOR_BAD_TAP = "Esse toque (ou resposta) não veio de uma mensagem da conversa."
SIMULATOR_BAD_AUDIO = "Envie um arquivo de áudio de até 4 MB (gravado ou escolhido)."
CHAT_NO_AUDIO_FILE = "Não encontrei esse arquivo de áudio. Use: /audio caminho/do/arquivo.ogg"
CHAT_NO_PROFESSIONAL = "Nenhum profissional ativo tem esse nome ou número (#id) com telefone cadastrado."

# The tag on each kind of message the business starts, as the simulators show it.
SIMULATOR_KINDS = {
    "reminder": "lembrete",
    "notice": "aviso",
    "cancellation": "cancelamento",
    "confirmation": "confirmação",
    "summary": "resumo do dia",
    "staff_alert": "alerta",
    "handoff": "atendimento",
    "relay": "repasse",
    "staff_message": "da equipe",
}


def simulator_template(sid: str, values: dict) -> str:
    """A template the simulator cannot draw (an approved one from the settings): its variables."""
    shown = " | ".join(f"{k}: {v}" for k, v in sorted(values.items()))
    return f"[modelo {sid}] {shown}"


# The words on the web simulator's own controls (served to the page by /dev/chat/config).
SIMULATOR_LABELS = {
    "speak_as": "Falar como",
    "customer": "Cliente",
    "owner": "Dono (admin)",
    "professional": "Profissional",
    "close": "Fechar",
    "record": "Gravar mensagem de voz",
    "stop": "Parar e enviar",
    "cancel": "Descartar gravação",
    "recording": "Gravando…",
    "attach": "Enviar um arquivo de áudio",
    "voice_note": "Mensagem de voz",
    "no_microphone": "Sem microfone aqui: escolha um arquivo de áudio.",
    "server_error": "O servidor encontrou um erro ({status}). Veja o log do Flask.",
    "error_code": "{text} (erro {status})",
    "offline": "sem conexão",
    "typing": "digitando…",
    "oops": "Ops! {text}",
    "bad_advance": "Use algo como 30m, 2h ou 1d para adiantar o relógio.",
    "advance_failed": "Não consegui adiantar o relógio.",
    "advanced": "Relógio adiantado {amount}: agora é {now}",
    "type_a_phone": "Digite um telefone para começar.",
    "talking_to": "Conversa com {who}",
    "admin_commands": " · comandos de administração",
    "bad_phone": "Informe um telefone válido, como +55 11 98888-7777.",
    "not_sent": "não enviada",
    "send_failed": "Não consegui enviar a mensagem.",
    "page_title": "{business} · Simulador de WhatsApp",
    "simulator": "simulador",
    "now": "agora:",
    "advance_group": "Adiantar o relógio do servidor",
    "advance_1h": "Adiantar o relógio 1 hora (roda o agendador)",
    "advance_1d": "Adiantar o relógio 1 dia (roda o agendador)",
    "advance_amount": "Quanto adiantar: 30m, 2h, 1d",
    "advance_go": "Ir",
    "advance_go_title": "Adiantar o relógio",
    "who_speaks": "Quem está falando",
    "phone": "Telefone",
    "clear": "Limpar tela",
    "clear_title": "Limpar a conversa nesta tela",
    "conversation": "Conversa",
    "quick_replies": "Respostas rápidas",
    "message": "Mensagem",
    "type_a_message": "Digite uma mensagem",
    "send": "Enviar",
    "example_customer": "Cliente de exemplo",
    "other_customer": "Outro cliente",
    "rio_customer": "Cliente do Rio",
    "reply": "Responder",
    "cancel_reply": "Não responder a esta mensagem",
}



# --- a person in the loop: handoffs ---------------------------------------------------------------

NO_NAME = "sem nome"
TEAM_WILL_ANSWER = "alguém da nossa equipe"
PROFESSIONAL_WILL_ANSWER = "{name}"
ANSWER_SOON = "Em instantes alguém te responde por aqui."
ANSWER_LATER = "Assim que abrirmos, alguém te responde por aqui."
MEDIA_PLACEHOLDER = "[mídia]"


def answer_at(day: str, time: str) -> str:
    return f"Estamos fechados agora; respondemos a partir de *{day}* às *{time}*."


def handed_over(who: str, when: str) -> str:
    return (f"Certo! Vou te passar para {who} 🙋 {when}\n"
            "Pode ir escrevendo: eu repasso tudo.")


def handoff_alert(who: str, upcoming: list[str], last: list[str], customer_id: int) -> str:
    text = f"🙋 *{who}* quer falar com uma pessoa."
    if upcoming:
        text += "\nPróximos horários:\n" + "\n".join(f"• {line}" for line in upcoming)
    if last:
        text += "\nÚltimas mensagens:\n" + "\n".join(f"> {line}" for line in last)
    return text + (f"\n\nResponda a esta mensagem (deslize para responder) ou envie *responder #{customer_id} texto*."
                   f" *encerrar #{customer_id}* devolve a conversa ao robô.")


def relayed(who: str, lines: list[str], customer_id: int) -> str:
    quoted = "\n".join(f"> {line}" for line in lines)
    return f"💬 *{who}*:\n{quoted}\n\n(deslize para responder, ou *responder #{customer_id} texto*)"


HANDOFF_BACK = "Voltei a te atender por aqui 🤖 Se precisar de algo, é só chamar."
HANDOFF_ALREADY_CLOSED = "Esse atendimento já foi encerrado. Para falar com o cliente, use *responder*."


def staff_answer_sent(name: str) -> str:
    return f"✅ Enviado para {name}."


OFFER_PERSON = ("Parece que não estou conseguindo te entender 😕 Quer falar com uma pessoa?\n\n"
                + numbered(["Sim, uma pessoa", "Não, continuar"]))


def carry_on(previous: str) -> str:
    question = previous.split("\n\n", 1)[1] if previous.startswith("Não entendi") and "\n\n" in previous else previous
    return "Combinado, vamos continuar. 👍\n\n" + question if question else "Combinado, vamos continuar. 👍"


def open_handoffs(lines: list[str]) -> str:
    return "🙋 *Atendimentos abertos*\n" + ("\n".join(lines) if lines else "(nenhum)")


def open_handoff_line(customer_id: int, who: str, since: str, with_whom: str) -> str:
    return f"#{customer_id} {who} - desde {since} - {with_whom}"


TEAM = "equipe"


def handoff_closed(name: str) -> str:
    return f"Atendimento de {name} encerrado; o robô voltou a responder."


def no_open_handoff(reference: str) -> str:
    return f"Não há atendimento aberto com {reference}."


def customer_not_found(reference: str) -> str:
    return f"Não encontrei o cliente {reference}. Use *#id* (veja *atendimentos*), o telefone ou o nome."


def professional_phone_set(name: str, address: str) -> str:
    return (f"📱 {name} agora usa o WhatsApp {address}: vê a própria agenda, recebe avisos dos seus horários, "
            "bloqueia o próprio tempo e avisa quando não puder vir.")


def professional_phone_removed(name: str) -> str:
    return f"{name} não tem mais um WhatsApp próprio ligado à agenda."


PHONE_IS_AN_OWNERS = "Esse número é de um dono (ADMIN_PHONES); use outro para o profissional."


def phone_taken_by(name: str) -> str:
    return f"Esse WhatsApp já é de {name}."


STAFF_EVENTS = {"booked": "📅 Novo agendamento", "moved": "🔁 Agendamento remarcado",
                "cancelled": "❌ Agendamento cancelado", "reassigned": "📅 Agendamento passado para você",
                "unconfirmed": "⏳ Ainda sem confirmação do cliente",
                "released": "🔓 Liberado por falta de confirmação (oferecido à lista de espera)"}
STAFF_APPOINTMENT_GONE = "Um agendamento seu mudou; envie *agenda* para ver o dia."


def staff_booking_alert(event: str, appointment_id: int, name: str, service: str, day: str, time: str) -> str:
    return f"{STAFF_EVENTS[event]}: #{appointment_id} {name} - *{service}*, {day} às *{time}*."


# --- a professional's sick day ---------------------------------------------------------------------

SICK_REASON = "profissional indisponível"


def confirm_sick_day(day: str, count: int) -> str:
    booked = f"Você tem *{count}* agendamento(s) nele; o dono vai decidir o que fazer com eles." if count else \
        "Você não tem agendamentos nele."
    return f"Bloquear *{day}* na sua agenda? {booked}\n\n" + numbered(["Sim, bloquear", "Não"])


SICK_DAY_DROPPED = "Ok, nada foi bloqueado."


def sick_day_already(day: str) -> str:
    return f"*{day}* já estava bloqueado na sua agenda. Melhoras! 🙏"


def sick_day_blocked(day: str, count: int) -> str:
    told = " O dono foi avisado e vai cuidar dos seus clientes." if count else ""
    return f"🔒 Pronto, *{day}* está bloqueado na sua agenda.{told} Melhoras! 🙏"


def ask_owner_about_sick_day(name: str, day: str, count: int) -> str:
    return (f"🤒 *{name}* não poderá atender em *{day}* ({count} agendamento(s)). O que faço com eles?\n\n"
            + numbered(["Passar para outro profissional", "Avisar os clientes"]))


SICK_DECISION_DROPPED = "Não entendi a escolha; nada foi feito. Envie *agenda* para ver o dia."
SICK_ALREADY_DECIDED = "Outra pessoa da equipe já decidiu o que fazer com esses agendamentos. 👍"


def sick_day_done(moved: int, told: int) -> str:
    return f"Feito: {moved} agendamento(s) passado(s) para outro profissional, {told} cliente(s) avisado(s)."


def moved_to_another(service: str, day: str, time: str, professional: str) -> str:
    return (f"Olá! Seu horário de *{service}* em *{day}* às *{time}* continua de pé, agora com *{professional}*. "
            "Qualquer coisa, é só responder.")


def professional_unavailable(professional: str, service: str, day: str, time: str) -> str:
    return (f"Olá! Infelizmente {professional} não poderá te atender em *{day}* às *{time}* (*{service}*). 😕\n"
            "Responda *remarcar* para escolher outro horário.")


# --- free text: questions, thanks, greetings --------------------------------------------------------

YOU_ARE_WELCOME = "Por nada! 😊 Se precisar de algo, é só chamar."
NAME_FIRST = "Anotei seu pedido! 📝 Já cuido dele. Antes, me diga seu nome."


def hello_again(name: str | None) -> str:
    return f"Oi{', ' + name if name else ''}! 👋 Estou aqui. Pode continuar de onde parou."


def opening_hours(lines: Sequence[str]) -> str:
    return "🕐 *Nosso horário*\n" + "\n".join(lines)


def open_on(weekday: str, intervals: Sequence[tuple[int, int]]) -> str:
    if not intervals:
        return f"Na {weekday} estamos fechados. 😕" if weekday.endswith("feira") else f"No {weekday} estamos fechados. 😕"
    spans = " e ".join(f"das {s // 60:02d}:{s % 60:02d} às {e // 60:02d}:{e % 60:02d}" for s, e in intervals)
    article = "Na" if weekday.endswith("feira") else "No"
    return f"{article} {weekday} abrimos {spans}. 🙂"


def address(where: str | None) -> str:
    if where:
        return f"📍 Estamos em: {where}"
    return "Para saber como chegar, fale com a gente: envie *atendente*."


def price_label(cents: int) -> str:
    reais, rest = divmod(int(cents), 100)
    return "R$ " + f"{reais:,}".replace(",", ".") + f",{rest:02d}"


def services_and_prices(services: Sequence[tuple[str, int, int | None]]) -> str:
    lines = [f"• {name} ({minutes_label(minutes)})" + (f" - {price_label(price)}" if price is not None else "")
             for name, minutes, price in services]
    return "✂️ *Nossos serviços*\n" + "\n".join(lines) + "\n\nPara marcar, envie *agendar*."


# --- prices, revenue and commissions (the owner's numbers) --------------------------------------------

def bad_amount(written: str, example: str) -> str:
    return (f"Não entendi o valor “{written[:30]}” 🤔 Escreva em reais, sem sinal de menos, assim: *{example}*"
            " (até R$ 1.000.000,00).")


def service_price_set(service_id: int, name: str, cents: int) -> str:
    return (f"💲 #{service_id} {name} agora custa *{price_label(cents)}*.\n"
            "Os horários já marcados mantêm o preço de quando foram marcados.")


def service_price_cleared(service_id: int, name: str) -> str:
    return f"#{service_id} {name} agora está sem preço."


def bad_percent(written: str) -> str:
    return (f"Não entendi a comissão “{written[:30]}” 🤔 Use de 0 a 100%, com até duas casas, assim: "
            "*profissional comissao #2 40%* ou *37,5%*.")


def commission_set(name: str, percent: str) -> str:
    return f"🤝 Comissão de {name}: *{percent}%* do valor de cada atendimento."


def commission_cleared(name: str) -> str:
    return f"{name} agora está sem comissão."


def charged(ref: str, cents: int, booked_cents: int | None, marked_attended: bool) -> str:
    text = f"💰 Anotado: {ref} cobrado *{price_label(cents)}*"
    if booked_cents is not None and booked_cents != cents:
        text += f" (preço na marcação: {price_label(booked_cents)})"
    return text + (" e marcado como ✔️ compareceu." if marked_attended else ".")


CHARGE_NOT_YET = "Esse horário ainda não começou; anote o valor depois do atendimento."


def charge_refused(ref: str, status: str) -> str:
    return (f"Não anotei nada: {ref} está {status}. Só um atendimento (ou um horário que já passou) "
            "recebe valor cobrado; se o cliente veio, use *compareceu* antes.")


def cash_professional(name: str, attended: int, revenue: int, no_shows: int, percent: str | None,
                      commission: int) -> str:
    text = f"• {name}: {attended} atend., {price_label(revenue)}"
    if no_shows:
        text += f", {no_shows} falta(s)"
    if percent is None:
        return text + " · sem comissão definida"
    return text + f" · comissão {percent}% = *{price_label(commission)}*"


def cash_report(period: str, attended: int, revenue: int, no_shows: int, lost: int, professionals: list[str],
                commissions: int | None, unpriced: int, unmarked: int) -> str:
    lines = [f"💰 *Caixa* - {period}",
             f"✔️ Atendimentos: *{attended}* - *{price_label(revenue)}*",
             f"🚫 Faltas: *{no_shows}*" + (f" ({price_label(lost)} que deixaram de entrar)" if lost else "")]
    if professionals:
        lines += ["", "*Por profissional*", *professionals]
    if commissions is not None:
        lines.append(f"Total de comissões: *{price_label(commissions)}*")
    if unpriced:
        lines.append(f"⚠️ {unpriced} atendimento(s) sem preço contam R$ 0,00: anote com *cobrado #id valor*.")
    if unmarked:
        lines.append(f"⏳ {unmarked} horário(s) já passados sem registro: use *compareceu #id* ou *faltou #id*.")
    return "\n".join(lines)


def period_label(first: str, last: str) -> str:
    return first if first == last else f"{first} a {last}"


def cash_range_too_long(days: int) -> str:
    return f"Esse período é longo demais: o caixa mostra até {days} dias. Ex.: *caixa 01/11 30/11*."


CASH_RANGE_BACKWARDS = "A primeira data vem depois da segunda. Ex.: *caixa 01/11 30/11*."


def yesterday_figures(attended: int, revenue: int, no_shows: int) -> str:
    return (f"📊 Ontem: *{attended}* atendimento(s), *{price_label(revenue)}*; *{no_shows}* falta(s)."
            " Detalhes: *caixa ontem*.")


# The revenue report as a CSV for the accountant (GET /reports/revenue.csv), in pt-BR.
REPORT_COLUMNS = ("data", "hora", "agendamento", "cliente", "serviço", "profissional", "status", "preço",
                  "valor cobrado", "valor", "comissão %", "comissão")
REPORT_STATUS = {"done": "atendido", "no_show": "faltou"}


# --- waitlist and confirmation policy ----------------------------------------------------------------

WAITLIST_WORDS = ("lista de espera", "entrar na lista", "lista", "espera", "fila")


def join_waitlist_option(day: str, window: str | None = None) -> str:
    return f"Lista de espera ({day}{' ' + window if window else ''})"


def waitlist_option_line(number: int, day: str, window: str | None = None) -> str:
    """The waitlist as one more numbered option under the ones shown."""
    return numbered([join_waitlist_option(day, window)], start=number)


def waitlist_joined(service: str, day: str, window: str | None, hold_minutes: int) -> str:
    part = f" {window}" if window else ""
    return (f"📝 Pronto! Você está na *lista de espera* de *{service}* em *{day}*{part}.\n"
            f"Se um horário vagar, te mando uma mensagem e guardo a vaga por *{hold_minutes} min* para você.\n\n"
            "Envie *lista de espera* para ver sua lista, ou *sair da lista* para sair.")


def waitlist_already(service: str, day: str) -> str:
    return (f"Você já está na lista de espera de *{service}* em *{day}*. 😉 Te aviso se vagar um horário.\n\n"
            "Envie *menu* para outras opções.")


def waitlist_line(service: str, day: str, window: str | None, offered: bool) -> str:
    part = f" {window}" if window else ""
    return f"*{service}* - {day}{part}" + (" (horário guardado para você!)" if offered else "")


def waitlist_list(lines: Sequence[str]) -> str:
    return ("⏳ *Sua lista de espera:*\n" + "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
            + "\n\nPara sair, envie *sair da lista* (ou *sair da lista 1* para sair só de uma).")


NO_WAITLIST = "Você não está em nenhuma lista de espera. 🙂\n\nEnvie *menu* para outras opções."


def waitlist_left(count: int) -> str:
    what = "da lista de espera" if count == 1 else f"de {count} listas de espera"
    return f"Pronto, você saiu {what}. 👍\n\nEnvie *menu* para outras opções."


def waitlist_offer(name: str, service: str, day: str, time: str, minutes: int, business: str,
                   professional: str | None = None) -> str:
    who = f" com {professional}" if professional else ""
    return (f"🎉 Olá, {name}! Vagou um horário na *{business}*: *{service}*{who} em *{day}* às *{time}*.\n"
            f"Guardei para você por *{minutes} min*. Quer?\n\n"
            + numbered(["Sim, quero", "Não, obrigado"]))


OFFER_DECLINED = ("Tudo bem! 👍 Passei a vaga para a próxima pessoa e tirei você dessa lista de espera.\n\n"
                  "Envie *menu* para outras opções.")
OFFER_EXPIRED = ("Poxa, o tempo para essa vaga acabou e ela foi oferecida a outra pessoa. 😕 "
                 "Nada foi marcado.\n\nSe quiser, envie *agendar* para ver os horários livres.")


def offer_booked(service: str, day: str, time: str, business: str, professional: str | None = None) -> str:
    return booked(service, day, time, business, professional)


RELEASED_REASON = "não recebemos sua confirmação a tempo, então liberamos o horário"


def summary_waitlist(lines: Sequence[str]) -> str:
    if not lines:
        return "⏳ *Lista de espera de hoje:* ninguém."
    return f"⏳ *Lista de espera de hoje ({len(lines)}):*\n" + "\n".join(f"• {line}" for line in lines)


def summary_unconfirmed(lines: Sequence[str]) -> str:
    if not lines:
        return "✅ *Sem confirmação:* nenhum, todos confirmaram."
    return f"❔ *Ainda sem confirmação ({len(lines)}):*\n" + "\n".join(f"• {line}" for line in lines)


def summary_waitlist_line(name: str, service: str, window: str | None, offered: bool) -> str:
    return f"{name} - {service}" + (f" {window}" if window else "") + (" (vaga oferecida)" if offered else "")


def summary_unconfirmed_line(appointment_id: int, time: str, name: str, service: str) -> str:
    return f"{time} #{appointment_id} {name} - {service}"


# --- no-show rules (issue 17) ------------------------------------------------------------------------------


def booking_requested(service: str, day: str, time: str, business: str, professional: str | None = None) -> str:
    who = f" com *{professional}*" if professional else ""
    return (f"📝 Pedido anotado: *{service}*{who} em *{day}* às *{time}*.\n"
            f"Esse horário fica reservado para você, e a *{business}* vai confirmar em breve. "
            "Assim que confirmarem, eu te aviso por aqui. 🙂\n\nEnvie *menu* para outras opções.")


def approval_alert(appointment_id: int, name: str, phone: str, service: str, day: str, time: str,
                   no_shows: int) -> str:
    return (f"📝 Pedido de horário #{appointment_id}: {name} ({phone}) - *{service}*, {day} às *{time}*.\n"
            f"Essa pessoa tem {no_shows} falta(s) nos últimos 6 meses, então o horário precisa da sua aprovação.\n"
            f"Responda *aprovar #{appointment_id}* ou *recusar #{appointment_id}*.")


def request_approved(name: str, service: str, day: str, time: str, business: str) -> str:
    return (f"Olá, {name}! ✅ A *{business}* confirmou seu horário: *{service}* em *{day}* às *{time}*. "
            "Te esperamos! 😉")


def request_refused(name: str, service: str, day: str, time: str, business: str) -> str:
    return (f"Olá, {name}. Infelizmente a *{business}* não conseguiu confirmar o pedido de *{service}* "
            f"em *{day}* às *{time}*. 😕\nSe quiser, fale com a gente ou responda *agendar* para ver outros horários.")


REQUEST_PENDING = "⏳ aguardando confirmação"
REQUEST_STILL_PENDING = ("Esse horário ainda aguarda a confirmação do estabelecimento. ⏳ "
                         "Assim que confirmarem, eu te aviso. Para desistir dele, envie *cancelar*.")


def admin_approved(ref: str, name: str) -> str:
    return f"✅ {ref} aprovado. {name} vai receber a confirmação."


def admin_refused(ref: str, name: str) -> str:
    return f"❌ {ref} recusado e o horário liberado. {name} vai ser avisado(a)."


def admin_not_a_request(ref: str, status: str) -> str:
    return f"{ref} não é um pedido aguardando aprovação ({status})."


def admin_forgiven(name: str, counted: int) -> str:
    return (f"Faltas de {name} perdoadas: as {counted} que contavam não contam mais "
            "(o histórico continua em *cliente*). Os próximos agendamentos já são confirmados direto.")


def admin_no_show_count(counted: int, limit: int | None) -> str:
    if limit is None:
        return ""
    needs = " - novos horários precisam de *aprovar*" if counted >= limit else ""
    return f"\nFaltas que contam (6 meses): *{counted}* de {limit}{needs}"


def yesterday_no_shows(lines: Sequence[str]) -> str:
    return "🚫 *Faltas de ontem:*\n" + "\n".join(lines)


def service_return_set(service_id: int, name: str, days: int) -> str:
    return (f"Serviço #{service_id} {name}: {days} dias depois de um atendimento, quem não marcou de novo "
            "recebe um convite para voltar (se aceitou mensagens).")


def service_return_cleared(service_id: int, name: str) -> str:
    return f"Serviço #{service_id} {name}: sem lembrete de retorno."


# --- customers who come back: marketing messages (issue 17) -------------------------------------------------

CONSENT_OPTIONS = ["Sim, quero", "Não, obrigado"]


def consent_question() -> str:
    return ("Posso te mandar de vez em quando um lembrete de retorno ou uma novidade? "
            "No máximo uma mensagem por semana. Responda *sim* ou *não*. 🙂\n\n" + numbered(CONSENT_OPTIONS))


CONSENT_YES = ("Combinado! 💌 De vez em quando eu te mando um lembrete. "
               "Para parar quando quiser, envie *parar promoções*.")
CONSENT_NO = "Tudo bem, não vou te mandar promoções. 👍 Os lembretes dos seus horários continuam."
MARKETING_STOPPED = ("Pronto, você não vai mais receber promoções nem convites. 🔕\n"
                     "Os lembretes dos seus horários continuam. Para voltar a receber, envie *voltar promoções*.")
MARKETING_BACK = "Combinado, você voltará a receber nossos lembretes de retorno e novidades. 💌"
MARKETING_FOOTER = "\n\n(Para não receber mais estas mensagens, envie *parar promoções*.)"


def return_due(name: str, service: str, days: int, business: str) -> str:
    return (f"Olá, {name}! 😊 Já faz {days} dias do seu último *{service}* na *{business}*. "
            "Que tal marcar o próximo? Responda *sim* e eu te mostro os horários livres." + MARKETING_FOOTER)


def winback(name: str, business: str) -> str:
    return (f"Olá, {name}! Faz tempo que você não vem na *{business}*, sentimos sua falta. 💈 "
            "Quer marcar um horário? Responda *sim* e eu te mostro os horários livres." + MARKETING_FOOTER)


def feedback_question(name: str, service: str, business: str) -> str:
    return (f"Olá, {name}! Como foi seu *{service}* na *{business}*? "
            "Responda com uma nota de *1* a *5* (5 = excelente). Sua opinião ajuda muito! ⭐")


def feedback_thanks(good: bool, review_url: str | None) -> str:
    if good and review_url:
        return f"Que bom que gostou! 🤩 Se puder, deixe sua avaliação aqui, ajuda muito: {review_url}"
    if good:
        return "Que bom que gostou! 🤩 Obrigado pela nota."
    return "Obrigado por contar. 🙏 Sentimos muito; vamos ver o que aconteceu e melhorar."


def feedback_alert(name: str, phone: str, ref: str, score: int, service: str, day: str) -> str:
    return (f"⚠️ Avaliação baixa: {name} ({phone}) deu nota *{score}* para *{service}* de {day}. "
            f"Para falar com essa pessoa: *responder {ref} <texto>*.")

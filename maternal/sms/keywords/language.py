"""LANG: the sender's reply language.

> LANG EN
< Your replies will now be in English.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import LanguageChoice
from maternal.sms.replies import not_registered_reply


@reply_to(LanguageChoice, senders=Senders.ANYONE)
def language(context: Context, command: LanguageChoice) -> str:
    if context.sender.reporter is None and context.sender.staff is None:
        return not_registered_reply()
    services.set_language(phone=context.sender.phone, language=command.language)
    with translation.override(command.language):
        return _("Your replies will now be in English.")

"""LANG: the sender's reply language.

> LANG EN
< Your replies will now be in English.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from maternal import services
from maternal.sms.grammar import LanguageChoice
from maternal.sms.handlers.base import KeywordHandler
from maternal.sms.replies import not_registered_reply


class LanguageHandler(KeywordHandler):
    keywords = ("LANG",)
    volunteers_only = False

    def reply_to(self, command: LanguageChoice) -> str:
        if self.sender.reporter is None and self.sender.staff is None:
            return not_registered_reply()
        services.set_language(phone=self.sender.phone, language=command.language)
        with translation.override(command.language):
            return _("Your replies will now be in English.")

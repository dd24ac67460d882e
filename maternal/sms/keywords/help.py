"""HELP [keyword]: the format of one keyword, or the list of keywords.

> HELP PRE
< PRE <ID> <LMP dd.mm.yyyy> <gravidity> <parity> [codes] [phone]
> HELP
< Keywords: ANC BIR DEP ... Send HELP <keyword> for its format.
"""

from django.utils.translation import gettext as _

from maternal.sms.conversation import Context, Senders, reply_to
from maternal.sms.grammar import GRAMMARS, HelpRequest
from maternal.sms.replies import keyword_list


@reply_to(HelpRequest, senders=Senders.ANYONE)
def help_request(context: Context, command: HelpRequest) -> str:
    grammar = GRAMMARS.get(command.keyword or "")
    if grammar is None:
        return _("Keywords: %(keywords)s. Send HELP <keyword> for its format.") % {"keywords": keyword_list()}
    return _(grammar.usage)

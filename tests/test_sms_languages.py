"""Every keyword answers in the sender's language: the same conversation in Kinyarwanda, English
and French gives three different replies, each from the translation catalogues."""

import re
from datetime import date

import pytest

from tests.factories import PregnancyFactory, ReporterFactory, StaffFactory

LANGUAGES = ("rw", "en", "fr")
# Per scenario: what happened before (as SMS from the volunteer), then the message whose reply is
# compared. "{id}" is a mother registered for this volunteer; "{staff}" marks a staff sender.
SCENARIOS = {
    "PRE": ([], "PRE 1199870012345{n:03d} 06.08.2026 2 1 nr np"),
    "PRE error": ([], "PRE 123 31.02.2026 1 2 zz"),
    "ANC": ([], "ANC {id} 26.11.2026 2"),
    "RISK": ([], "RISK {id} oe"),
    "RISK with a danger sign": ([], "RISK {id} he"),
    "RED": ([], "RED {id} he"),
    "RAR": (["RED {id} he"], "RAR {id} mw"),
    "BIR": ([], "BIR {id} 25.11.2026 hc gi"),
    "PNC": (["BIR {id} 25.11.2026 hc gi"], "PNC {id} 1 26.11.2026"),
    "DTH": ([], "DTH {id} md"),
    "LOS": ([], "LOS {id}"),
    "DEP": ([], "DEP {id}"),
    "closed pregnancy": (["LOS {id}"], "ANC {id} 26.11.2026 2"),
    "WHO": ([], "WHO"),
    "HELP": ([], "HELP"),
    "LANG": ([], "LANG {language}"),
    "unknown keyword": ([], "HELLO"),
    "empty message": ([], ""),
    "OK from staff": (["RED {id} he"], "{staff}OK"),
    "OK from a volunteer": ([], "OK 1"),
}


def conversation(reply, sms, language: str, number: int, scenario: str) -> str:
    volunteer = ReporterFactory(language=language)
    staff = StaffFactory(facility=volunteer.facility, language=language)
    pregnancy = PregnancyFactory(reporter=volunteer, last_menstrual_period=date(2026, 2, 20))  # 39 weeks
    from maternal.care_plan import plan_pregnancy

    plan_pregnancy(pregnancy, today=pregnancy.registered_on)
    before, message = SCENARIOS[scenario]
    values = {"id": pregnancy.mother.identifier, "n": number, "language": language.upper()}
    for text in before:
        sms(str(volunteer.phone), text.format(**values))
    sender = staff if message.startswith("{staff}") else volunteer
    answer = reply(str(sender.phone), message.replace("{staff}", "").format(**values))
    # What differs between the three conversations besides the language: names, IDs, numbers.
    for varying in (volunteer.name, staff.name, volunteer.facility.name, volunteer.village.name):
        answer = answer.replace(varying, "<name>")
    return re.sub(r"[0-9]+", "#", answer)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_keyword_replies_in_kinyarwanda_english_and_french(reply, sms, today, scenario):
    answers = {
        language: conversation(reply, sms, language, number, scenario)
        for number, language in enumerate(LANGUAGES)
    }
    assert len(set(answers.values())) == 3, answers


def test_french_replies_name_the_contacts_cpn_and_cpon_as_the_code_table_does(reply, sms, today):
    volunteer = ReporterFactory(language="fr")
    pre = reply(str(volunteer.phone), "PRE 1199870012345678 01.09.2026 2 1 nr np")
    assert "Prochaine visite: CPN 2 le 19.01.2027." in pre and "ANC" not in pre
    anc = reply(str(volunteer.phone), "ANC 1199870012345678 26.11.2026 1")
    assert anc.startswith("CPN 1 de 1199870012345678") and "ANC" not in anc

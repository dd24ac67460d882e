"""The conversation's registry: the grammar is the only list of keywords, and each of its commands
has exactly one reply function."""

from maternal.sms.conversation import registered_commands
from maternal.sms.grammar import GRAMMARS


def test_every_command_of_the_grammar_has_a_reply_function():
    assert {grammar.command for grammar in GRAMMARS.values()} <= registered_commands()


def test_no_reply_function_answers_a_command_the_grammar_cannot_produce():
    assert registered_commands() <= {grammar.command for grammar in GRAMMARS.values()}

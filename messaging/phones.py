"""Phone numbers as the gateways give them, in E.164 when they are valid numbers."""

import functools

import phonenumbers
from django.conf import settings


@functools.lru_cache(maxsize=65536)  # parsing costs more than the rest of a reply's routing
def normalize_phone(identity: str) -> str:
    """``0788 123 456`` or ``250788123456`` -> ``+250788123456``; other identities (the tester
    page's random numbers) are returned stripped, unchanged."""
    raw = identity.strip()
    candidate = raw
    if raw.isdigit() and not raw.startswith("0") and len(raw) > 10:
        candidate = "+" + raw
    try:
        number = phonenumbers.parse(candidate, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

"""Gateway endpoints. Kannel's smsbox calls ``/gateway/kannel/?secret=...&id=%p&text=%a&msgid=%I``
(see docs/deployment.md).

A request is processed only when it carries the configured secret (query parameter ``secret`` or
header ``X-Gateway-Secret``) and, when ``SMS_GATEWAY_ALLOWED_ADDRESSES`` is set, comes from one of
those addresses or networks. Anything else is refused with 403 and logged with the remote address
and the reason, never the message text (it may hold a mother's ID) nor the secret offered; nothing
is stored and nothing is answered. Machines call this view, so it is exempt from CSRF: the secret
is its protection.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from messaging.router import receive_sms

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Gateway-Secret"
#: A sender as gateways give it: a phone number (``+250788123456``, ``0788 123 456``) or an
#: alphanumeric sender ID.
SENDER = re.compile(r"\+?[0-9A-Za-z][0-9A-Za-z .-]*")
MAX_SENDER = 32  # InboundMessage.phone
MAX_GATEWAY_ID = 64  # InboundMessage.gateway_id
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def allowed_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The allow-list as networks (``10.0.0.5`` or ``10.0.0.0/24``). A malformed entry is logged
    and allows nothing: a typo must close the gateway, not open it."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            logger.error("SMS_GATEWAY_ALLOWED_ADDRESSES: %r is not an address or network; ignored", entry)
    return tuple(networks)


def address_allowed(address: str) -> bool:
    entries = tuple(settings.SMS_GATEWAY_ALLOWED_ADDRESSES)
    if not entries:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in allowed_networks(entries))


def refusal_reason(request: HttpRequest) -> str | None:
    """Why this request may not deliver messages, or None when it may."""
    configured = settings.SMS_GATEWAY_SECRET
    if not configured:
        return "no gateway secret is configured (SMS_GATEWAY_SECRET)"
    offered = request.GET.get("secret", "") or request.headers.get(SECRET_HEADER, "")
    if not offered:
        return "no secret"
    # Bytes: compare_digest refuses str with non-ASCII letters, and a stranger may send any.
    if not hmac.compare_digest(offered.encode(), configured.encode()):
        return "wrong secret"
    if not address_allowed(request.META.get("REMOTE_ADDR", "")):
        return "address not in SMS_GATEWAY_ALLOWED_ADDRESSES"
    return None


@method_decorator(csrf_exempt, name="dispatch")
class KannelInboundView(View):
    http_method_names = ["get", "post"]
    backend_name = "kannel-backend"
    # A NUL in the text is dropped (receive_sms), in the sender or msgid refused below: a message
    # is not lost over junk a broken gateway adds (config.middleware.RefuseNullCharactersMiddleware).
    accepts_null_characters = True

    def get(self, request: HttpRequest) -> HttpResponse:
        reason = refusal_reason(request)
        if reason is not None:
            logger.warning("Refused gateway request from %s: %s", request.META.get("REMOTE_ADDR"), reason)
            return HttpResponseForbidden("forbidden")
        data = request.GET if request.method == "GET" else request.POST
        identity, text, gateway_id = data.get("id", "").strip(), data.get("text"), data.get("msgid", "")
        if not identity or text is None:
            return HttpResponseBadRequest("id and text are required")
        malformed_sender = len(identity) > MAX_SENDER or not SENDER.fullmatch(identity)
        if malformed_sender or len(gateway_id) > MAX_GATEWAY_ID or "\x00" in gateway_id:
            # Junk from a broken gateway; stored as is, it would fail on PostgreSQL mid-message.
            return HttpResponseBadRequest("malformed id or msgid")
        receive_sms(backend=self.backend_name, identity=identity, text=text, gateway_id=gateway_id)
        # Kannel would send any response body as an SMS: replies go through the outbox instead.
        return HttpResponse("")

    post = get

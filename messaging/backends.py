"""RapidSMS's Kannel backend with a timeout: a gateway that hangs must not hold a worker (an
emergency worker above all) until Celery's time limit; the outbox retries the message instead."""

import requests
from rapidsms.backends.kannel.outgoing import KannelBackend as RapidSMSKannelBackend

SENDSMS_TIMEOUT_SECONDS = 10


class KannelBackend(RapidSMSKannelBackend):
    def send(self, id_, text, identities, context=None):
        request = self.prepare_request(id_, text, identities, context or {})
        response = requests.get(timeout=SENDSMS_TIMEOUT_SECONDS, **request)
        response.raise_for_status()

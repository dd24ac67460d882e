"""Every SMS in and out. ``OutgoingMessage`` is the outbox: its status is the truth, the Celery
task only executes it."""

from django.db import models


class InboundMessage(models.Model):
    """One SMS as it arrived from a gateway, with the one reply it got."""

    # Indexed by (phone, received_at) below, which also serves lookups by phone alone.
    phone = models.CharField(max_length=32, help_text="E.164 when the number is valid.")
    backend = models.CharField(max_length=32)
    text = models.TextField()
    gateway_id = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(db_index=True)
    keyword = models.CharField(max_length=10, blank=True)
    accepted = models.BooleanField(default=False, help_text="Whether the report was recorded.")
    reply = models.TextField(blank=True)
    failed = models.BooleanField(
        default=False, help_text="The system could not process it (a resend is processed)."
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    class Meta:
        indexes = [
            models.Index(fields=["phone", "received_at"]),
            # The gateway-retry lookup of every inbound SMS (services.record_inbound).
            models.Index(fields=["backend", "gateway_id"]),
        ]
        constraints = [
            # One message from a gateway is processed once, however many copies arrive at once:
            # a concurrent copy's INSERT waits for the original's transaction, then fails here and
            # is stored as a duplicate (services.record_inbound). A message whose processing
            # failed leaves the constraint, so that the gateway's next retry is processed.
            models.UniqueConstraint(
                fields=["backend", "gateway_id"],
                condition=~models.Q(gateway_id="") & models.Q(duplicate_of=None, failed=False),
                name="one_original_per_gateway_message",
            )
        ]
        # The web pages over every message (docs/security.md). Staff status alone opens neither:
        # the tester sends SMS as any phone (an OK as a midwife, a real RED), and the log shows
        # every district's messages with mothers' IDs.
        permissions = [
            ("use_message_tester", "Can use the message tester (sends SMS as any phone)"),
            ("view_message_log", "Can view the message log"),
        ]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"


class OutgoingMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending", "Being handed to the gateway"
        SENT = "sent"
        RETRYING = "retrying"
        FAILED = "failed"
        HELD = "held", "Held by the loop guard"
        EXPIRED = "expired", "Expired (too late to be useful)"

    class Kind(models.TextChoices):
        REPLY = "reply"
        ALERT = "alert"
        REMINDER = "reminder"
        NOTICE = "notice"

    phone = models.CharField(max_length=32)  # indexed by (phone, created_at) below
    backend = models.CharField(max_length=32)
    identity = models.CharField(max_length=100, help_text="The address the backend sends to.")
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    emergency = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    in_reply_to = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["phone", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"-> {self.phone}: {self.text[:40]}"

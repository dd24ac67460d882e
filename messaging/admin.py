from django.contrib import admin
from rapidsms.backends.kannel.admin import DeliveryReportAdmin as RapidSMSDeliveryReportAdmin
from rapidsms.backends.kannel.models import DeliveryReport

from messaging.models import InboundMessage, OutgoingMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "phone", "text", "keyword", "accepted", "reply")
    list_filter = ("accepted", "keyword", "backend")
    search_fields = ("phone", "text")
    raw_id_fields = ("duplicate_of",)


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "phone", "kind", "emergency", "status", "attempts", "text")
    list_filter = ("status", "kind", "emergency", "backend")
    search_fields = ("phone", "text")
    raw_id_fields = ("in_reply_to",)


# RapidSMS 2.2's own admin for Kannel's delivery reports searches a field the model does not have
# ("text"): every search on that page was a server error.
admin.site.unregister(DeliveryReport)


@admin.register(DeliveryReport)
class DeliveryReportAdmin(RapidSMSDeliveryReportAdmin):
    search_fields = ("identity", "sms_id", "smsc", "status_text")

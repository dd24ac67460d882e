from django.contrib import admin

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

from django.db import migrations, models


def link_concurrent_copies(apps, schema_editor) -> None:
    """Before the constraint: copies of one gateway message stored as originals by concurrent
    requests become duplicates of the first one."""
    InboundMessage = apps.get_model("messaging", "InboundMessage")
    originals = (
        InboundMessage.objects.exclude(gateway_id="")
        .filter(duplicate_of=None, failed=False)
        .order_by("backend", "gateway_id", "pk")
        .values_list("pk", "backend", "gateway_id")
    )
    first_of: dict[tuple[str, str], int] = {}
    for pk, backend, gateway_id in originals.iterator():
        first = first_of.setdefault((backend, gateway_id), pk)
        if first != pk:
            InboundMessage.objects.filter(pk=pk).update(duplicate_of_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_message_permissions"),
    ]

    operations = [
        migrations.RunPython(link_concurrent_copies, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="inboundmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(models.Q(("gateway_id", ""), _negated=True), ("duplicate_of", None), ("failed", False)),
                fields=("backend", "gateway_id"),
                name="one_original_per_gateway_message",
            ),
        ),
    ]

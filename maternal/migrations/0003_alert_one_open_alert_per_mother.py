from django.db import migrations, models
from django.utils import timezone


def close_second_ladders(apps, schema_editor) -> None:
    """Before the constraint: of the open alerts of one mother (second REDs used to start a
    second ladder), the first stays open; the later ones are closed as of now."""
    Alert = apps.get_model("maternal", "Alert")
    seen: set[str] = set()
    open_alerts = (
        Alert.objects.filter(status__in=["open", "acknowledged"])
        .exclude(mother_identifier="")
        .order_by("raised_at", "pk")
        .values_list("pk", "mother_identifier")
    )
    for pk, identifier in open_alerts.iterator():
        if identifier in seen:
            Alert.objects.filter(pk=pk).update(status="closed", closed_at=timezone.now())
        seen.add(identifier)


class Migration(migrations.Migration):
    dependencies = [
        ("maternal", "0002_pregnancy_next_visit_date_from_anc1"),
    ]

    operations = [
        migrations.RunPython(close_second_ladders, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["open", "acknowledged"]), models.Q(("mother_identifier", ""), _negated=True)),
                fields=("mother_identifier",),
                name="one_open_alert_per_mother",
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_organisation_time_zone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["target", "-at", "-id"], name="audit_entry_target_at_idx"),
        ),
    ]

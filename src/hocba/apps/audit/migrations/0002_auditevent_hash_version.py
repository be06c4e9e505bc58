"""Rows written so far were hashed with formula v1 (``actor_label`` not covered): they are
marked so and keep verifying with it — never re-hashed, which would rewrite history."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(
                default=1, verbose_name="phiên bản công thức băm"
            ),
            preserve_default=False,
        ),
    ]

"""The subject index carries the columns a disclosure log filters on (INCLUDE, PostgreSQL
only); `action` keeps one index, the pattern one, instead of Django's two.

The audit table is written by nearly every request and holds millions of rows, so on
PostgreSQL the new indexes are built CONCURRENTLY under a temporary name and the old ones
dropped CONCURRENTLY after: requests go on writing while it runs (outside a transaction,
hence atomic = False). Other databases get the same indexes, built the ordinary way.
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "audit_auditevent"
SUBJECT = "audit_subject_idx"
ACTION = "audit_action_idx"
# Django's names for the two indexes db_index=True gave `action` (the second, PostgreSQL's
# varchar_pattern_ops twin, exists only there)
OLD_ACTION = ("audit_auditevent_action_2131bb77", "audit_auditevent_action_2131bb77_like")


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def forwards(apps, schema_editor):
    run = schema_editor.execute
    if _postgresql(schema_editor):
        run(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SUBJECT}_new ON {TABLE} "
            f'("subject", "at" DESC) INCLUDE ("organisation_id", "target_type", "target_id") '
            f"WHERE NOT (\"subject\" = '')"
        )
        run(f"DROP INDEX CONCURRENTLY IF EXISTS {SUBJECT}")
        run(f"ALTER INDEX {SUBJECT}_new RENAME TO {SUBJECT}")
        run(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {ACTION} "
            f'ON {TABLE} ("action" varchar_pattern_ops)'
        )
        for name in OLD_ACTION:
            run(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    else:  # the subject index is already what these databases can build
        run(f'CREATE INDEX IF NOT EXISTS {ACTION} ON {TABLE} ("action")')
        for name in OLD_ACTION:
            run(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    run = schema_editor.execute
    if _postgresql(schema_editor):
        run(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_ACTION[0]} ON {TABLE} ("action")')
        run(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {OLD_ACTION[1]} "
            f'ON {TABLE} ("action" varchar_pattern_ops)'
        )
        run(f"DROP INDEX CONCURRENTLY IF EXISTS {ACTION}")
        run(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {SUBJECT}_old ON {TABLE} "
            f'("subject", "at" DESC) WHERE NOT ("subject" = \'\')'
        )
        run(f"DROP INDEX CONCURRENTLY IF EXISTS {SUBJECT}")
        run(f"ALTER INDEX {SUBJECT}_old RENAME TO {SUBJECT}")
    else:
        run(f'CREATE INDEX IF NOT EXISTS {OLD_ACTION[0]} ON {TABLE} ("action")')
        run(f"DROP INDEX IF EXISTS {ACTION}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("audit", "0004_request_id_unindexed"),
        ("network", "0007_coveragegap_network_gap_open_newest_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.RemoveIndex(
                    model_name="auditevent",
                    name="audit_subject_idx",
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="action",
                    field=models.CharField(max_length=80, verbose_name="action"),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        condition=models.Q(("subject", ""), _negated=True),
                        fields=["subject", "-at"],
                        include=("organisation", "target_type", "target_id"),
                        name="audit_subject_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(
                        fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
                    ),
                ),
            ],
        ),
    ]

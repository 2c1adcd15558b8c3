"""The seat carries its file's organisation (bench/CASES.md, finding 4), filled from the file;
on PostgreSQL a foreign key on (file, organisation) keeps it equal to the file's, and extended
statistics tell the planner that a user's seats are in one organisation."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

STATISTICS = "cases_seat_user_organisation"


def fill(apps, schema_editor):
    TeamMember = apps.get_model("cases", "TeamMember")
    CaseFile = apps.get_model("cases", "CaseFile")
    of_file = CaseFile.objects.filter(pk=OuterRef("file_id")).values("organisation_id")[:1]
    TeamMember.objects.update(organisation_id=Subquery(of_file))


def create_statistics(apps, schema_editor):
    """And the guarantee the case list relies on: a seat's organisation is its file's."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE cases_casefile ADD CONSTRAINT cases_file_in_organisation "
            "UNIQUE (id, organisation_id)"
        )
        schema_editor.execute(
            "ALTER TABLE cases_teammember ADD CONSTRAINT cases_seat_in_file_organisation "
            "FOREIGN KEY (file_id, organisation_id) REFERENCES cases_casefile (id, organisation_id) "
            "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
        )
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (dependencies) "
            "ON user_id, organisation_id FROM cases_teammember"
        )
        schema_editor.execute("ANALYZE cases_teammember")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        schema_editor.execute(
            "ALTER TABLE cases_teammember DROP CONSTRAINT IF EXISTS cases_seat_in_file_organisation"
        )
        schema_editor.execute(
            "ALTER TABLE cases_casefile DROP CONSTRAINT IF EXISTS cases_file_in_organisation"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_encrypt_more_and_basis"),
        ("network", "0007_coveragegap_network_gap_open_newest_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="teammember",
            name="organisation",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.organisation",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="teammember",
            name="organisation",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="network.organisation",
            ),
        ),
        migrations.RemoveIndex(model_name="teammember", name="cases_teamm_user_id_ba2cdd_idx"),
        migrations.AddIndex(
            model_name="teammember",
            index=models.Index(
                fields=["user", "organisation", "file"], name="cases_seat_user_org_file"
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]

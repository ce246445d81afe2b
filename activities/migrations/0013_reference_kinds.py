"""Kinds of activity and modalities become tables an administrator manages (issue #20,
item 5). The codes stay the values of the activity's `kind` and `modality` columns,
which become foreign keys to the tables' `code`: stored data, URLs, filters, downloads
and API answers are unchanged. The foreign keys replace the CHECK constraints on the
fixed lists. Works forwards and backwards on SQLite and PostgreSQL."""

import django.db.models.deletion
from django.core.validators import RegexValidator
from django.db import migrations, models

import activities.models.kinds

# The lists as they stood in 0011 (ActivityKind and Modality), with their English labels;
# written out here so that this migration does not change when those classes do.
KINDS = [
    ("training", "training"),
    ("course", "course"),
    ("webinar", "webinar"),
    ("workshop", "workshop"),
    ("conference", "conference"),
    ("meeting", "meeting"),
    ("assessment", "assessment"),
    ("advisory", "advisory"),
    ("mentoring", "mentoring"),
    ("awareness", "awareness-raising"),
    ("campaign", "campaign"),
    ("publication", "publication"),
    ("mechanism", "mechanism or tool"),
]
MODALITIES = [
    ("in_person", "in person"),
    ("online", "online"),
    ("hybrid", "hybrid"),
    ("broadcast", "broadcast"),
    ("not_recorded", "not recorded"),
]


def insert_current_codes(apps, schema_editor):
    for model_name, rows in (("Kind", KINDS), ("ModalityOption", MODALITIES)):
        model = apps.get_model("activities", model_name)
        db = schema_editor.connection.alias
        for position, (code, label) in enumerate(rows, start=1):
            model.objects.using(db).update_or_create(
                code=code, defaults={"label": label, "position": position * 10}
            )


def reference_fields():
    return [
        (
            "id",
            models.BigAutoField(
                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
            ),
        ),
        (
            "code",
            models.SlugField(
                help_text="Lower-case letters, digits and underscores. Links, filters and downloads name the row by it: it cannot change once saved.",
                max_length=20,
                unique=True,
                validators=[
                    RegexValidator("^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and _.")
                ],
            ),
        ),
        ("label", models.CharField(max_length=80, unique=True, verbose_name="label (English)")),
        ("label_fr", models.CharField(blank=True, max_length=80, verbose_name="label (French)")),
        ("label_es", models.CharField(blank=True, max_length=80, verbose_name="label (Spanish)")),
        ("description", models.TextField(blank=True, verbose_name="description")),
        (
            "position",
            models.PositiveSmallIntegerField(
                default=100, help_text="Lists show lower numbers first.", verbose_name="position"
            ),
        ),
        (
            "is_active",
            models.BooleanField(
                default=True,
                help_text="Inactive: no longer offered for new records; the records that have it keep it.",
                verbose_name="active",
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0012_activity_sessions"),
    ]

    operations = [
        migrations.CreateModel(
            name="Kind",
            fields=reference_fields(),
            options={
                "verbose_name": "kind of activity",
                "verbose_name_plural": "kinds of activity",
                "ordering": ["position", "code"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ModalityOption",
            fields=reference_fields(),
            options={
                "verbose_name": "modality",
                "verbose_name_plural": "modalities",
                "ordering": ["position", "code"],
                "abstract": False,
            },
        ),
        migrations.RunPython(insert_current_codes, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="activity", name="activity_kind_known"),
        migrations.RemoveConstraint(model_name="activity", name="activity_modality_known"),
        migrations.RemoveConstraint(model_name="activitysession", name="session_modality_known"),
        migrations.AlterField(
            model_name="activity",
            name="kind",
            field=activities.models.kinds.CodeForeignKey(
                db_column="kind",
                db_index=False,
                default="training",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activities",
                to="activities.kind",
                to_field="code",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactivity",
            name="kind",
            field=activities.models.kinds.CodeForeignKey(
                blank=True,
                db_column="kind",
                db_constraint=False,
                default="training",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="activities.kind",
                to_field="code",
            ),
        ),
        migrations.AlterField(
            model_name="activity",
            name="modality",
            field=activities.models.kinds.CodeForeignKey(
                db_column="modality",
                db_index=False,
                default="not_recorded",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activities",
                to="activities.modalityoption",
                to_field="code",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactivity",
            name="modality",
            field=activities.models.kinds.CodeForeignKey(
                blank=True,
                db_column="modality",
                db_constraint=False,
                default="not_recorded",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="activities.modalityoption",
                to_field="code",
            ),
        ),
        # A session's modality is one of the same table's (sessions came in 0012).
        migrations.AlterField(
            model_name="activitysession",
            name="modality",
            field=activities.models.kinds.CodeForeignKey(
                db_column="modality",
                db_index=False,
                default="not_recorded",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sessions",
                to="activities.modalityoption",
                to_field="code",
                verbose_name="modality",
            ),
        ),
        migrations.AlterField(
            model_name="historicalactivitysession",
            name="modality",
            field=activities.models.kinds.CodeForeignKey(
                blank=True,
                db_column="modality",
                db_constraint=False,
                default="not_recorded",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="activities.modalityoption",
                to_field="code",
                verbose_name="modality",
            ),
        ),
    ]

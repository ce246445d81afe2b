"""Indexes for the place filter (counting rule 3) and a place's people (rule 9).

A question restricted to a place first collects the activities linked to a country or
region under it, or with a beneficiary row naming such a country: with the links'
indexes on (country) and (region) alone, each link and row was visited to read its
activity. Indexes that lead with the place and hold the activity answer it from the
index (index-only scans on PostgreSQL): at 100,000 activities, El Salvador's activities
in 1.3 ms instead of 5, Central America 2020's people in 55 ms instead of 140 (bench/
README.md, section 10). The links are Django's own many-to-many tables, which have no
model of ours to declare an index on: those two are plain SQL, the same on both
databases (outside Django's migration state: a table rebuilt by a later migration on
SQLite would lose them, which costs speed, never a count). CREATE INDEX holds off
writes to its table while it runs: about two seconds for all of them at 100,000
activities on the bench machine.
"""

from django.db import migrations, models

LINK_INDEXES = (
    ("activity_countries_country_activity", "activities_activity_countries", "country_id"),
    ("activity_regions_region_activity", "activities_activity_regions", "region_id"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0020_text_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="attendance",
            index=models.Index(
                fields=["participant"],
                include=("activity", "attended", "pre_score", "post_score"),
                name="attendance_participant_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="beneficiarygroup",
            index=models.Index(fields=["country", "activity"], name="beneficiary_country_activity"),
        ),
        *(
            migrations.RunSQL(
                f"CREATE INDEX {name} ON {table} ({place}, activity_id)",
                f"DROP INDEX {name}",
            )
            for name, table, place in LINK_INDEXES
        ),
    ]

"""The SQL of every stats question, printed so that a reader can paste it into psql
(`pytest tests/test_stats_sql.py -s`), and counted: each grouping costs the same number
of statements however many activities match (no query per group or per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities import stats
from activities.models import Activity, Region

pytestmark = pytest.mark.django_db

# Per answer: the version read is the cache's; then CREATE TEMPORARY TABLE + ANALYZE of
# the matched ids, the grouped activities/countries, the grouped participations, the
# ungrouped activities/countries, the participations in and out of the restriction,
# the draft check, DROP TABLE; labels of the groups; SAVEPOINT/RELEASE around it all.
GROUPINGS = [[], *([name] for name in stats.DIMENSIONS), ["country", "year"], ["theme", "sex"]]


def _statements(group_by: list[str], **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        stats.compute(Activity.objects.published(), group_by=group_by, **kwargs)
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("group_by", GROUPINGS, ids=lambda g: ",".join(g) or "none")
def test_each_grouping_runs_a_fixed_set_of_plain_statements(settings, group_by):
    settings.ANSWER_CACHE_ENABLED = False
    statements = _statements(group_by)
    print(f"\n-- group_by={','.join(group_by) or '(none)'}: {len(statements)} statements")
    for sql in statements:
        print(sql + ";")
        assert "%s" not in sql  # every parameter bound
    # No more statements over all the activities than over one (one fewer when the one
    # left has no group to label).
    Activity.objects.exclude(pk=Activity.objects.published().order_by("pk")[0].pk).update(
        status=Activity.Status.DRAFT
    )
    assert len(statements) - 1 <= len(_statements(group_by)) <= len(statements)


def test_a_restricted_question_adds_only_the_unattributed_listing(settings):
    settings.ANSWER_CACHE_ENABLED = False
    central_america = Region.objects.get(code="013")
    plain = _statements(["country"])
    restricted = _statements(["country"], place=central_america)
    for sql in restricted:
        print(sql + ";")
    # The unattributed activities: their count, the listed ones with titles, their places
    # (and the labels of those places).
    assert 0 < len(restricted) - len(plain) <= 6

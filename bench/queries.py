"""The ten stats queries of the benchmark, each with the same aggregate in hand-written SQL.

The SQL is the floor for a live answer: it reads the base tables (activities, their
countries, regions and themes, beneficiary rows with their stored places) with the same
rules as the API, and nothing else. Each query asks the API for
`measures=activities,participants` (sex: participants), so that both sides compute the
same aggregates; the API also lists the activities behind unattributed people, which the
SQL only totals.

`compare()` turns both answers into one shape, so that the smoke run can require them to
be identical.

The same statements also run in DuckDB, an analyst's baseline (bench/duckdb_baseline.py):
write SQL that both read (DuckDB reserves `at`, for one); where they cannot share a
form, the DuckDB one sits beside the PostgreSQL one (`YEARS_OF_ACTIVITY_DUCKDB`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from activities import counting

# The rules that are SQL fragments come from the counting module, as everywhere else.
RANK = counting.rank_sql("b.qualifier")
QUALIFIER_OF_RANK = counting.QUALIFIER_BY_RANK
UNDER_REGION = "%(region_path)s"
PEOPLE_JOINS = """
    FROM activities_beneficiarygroup b
    JOIN pub ON pub.id = b.activity_id
    LEFT JOIN activities_country pc ON pc.id = b.place_country_id
    LEFT JOIN activities_region pr ON pr.id = b.place_region_id"""


@dataclass
class Filters:
    """The filters of one query, resolved to what SQL needs (codes to paths and ids)."""

    year: int | None = None
    region: str | None = None  # M49 code
    country: str | None = None  # ISO alpha-2
    theme: str | None = None  # slug
    q: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class StatsQuery:
    name: str
    query: str
    filters: Filters
    group_by: tuple[str, ...] = ()

    @property
    def measures(self) -> str:
        return "participants" if "sex" in self.group_by else "activities,participants"

    @property
    def path(self) -> str:
        parts = [self.query] if self.query else []
        parts.append(f"measures={self.measures}")
        return "/api/v1/stats/?" + "&".join(parts)


QUERIES = [
    StatsQuery("ungrouped", "", Filters()),
    StatsQuery("by region", "group_by=region", Filters(), ("region",)),
    StatsQuery("by country", "group_by=country", Filters(), ("country",)),
    StatsQuery("by year and theme", "group_by=year,theme", Filters(), ("year", "theme")),
    StatsQuery("by sex", "group_by=sex", Filters(), ("sex",)),
    StatsQuery(
        "Central America 2020 by country",
        "region=013&year=2020&group_by=country",
        Filters(year=2020, region="013"),
        ("country",),
    ),
    StatsQuery("text search", "q=cryptocurrencies", Filters(q="cryptocurrencies")),
    StatsQuery("El Salvador 2020", "country=SV&year=2020", Filters(year=2020, country="SV")),
    StatsQuery("Africa by kind", "region=002&group_by=kind", Filters(region="002"), ("kind",)),
    StatsQuery("a theme by year", "theme=ocsea&group_by=year", Filters(theme="ocsea"), ("year",)),
]


def resolve(cursor, filters: Filters) -> None:
    """Codes to the paths and ids the SQL uses (the API validates them the same way)."""
    if filters.region:
        cursor.execute("SELECT path FROM activities_region WHERE code = %s", [filters.region])
        filters.params["region_path"] = cursor.fetchone()[0]
    if filters.country:
        cursor.execute("SELECT id FROM activities_country WHERE iso2 = %s", [filters.country])
        filters.params["country_id"] = cursor.fetchone()[0]
    if filters.theme:
        cursor.execute("SELECT id FROM activities_theme WHERE slug = %s", [filters.theme])
        filters.params["theme_id"] = cursor.fetchone()[0]
    if filters.q:
        filters.params["q"] = f"%{filters.q}%"
    if filters.year:
        filters.params["year_start"] = f"{filters.year}-01-01"
        filters.params["year_end"] = f"{filters.year}-12-31"


def _pub(filters: Filters) -> str:
    # Published, and what took place (counting rule 10), as the API counts by default.
    where = ["a.status = 'published'", counting.delivered_sql("a.delivery")]
    if filters.year:
        where.append("a.start_date <= %(year_end)s AND a.end_date >= %(year_start)s")
    if filters.region:
        under_c = counting.under_column_sql("c.path", UNDER_REGION)
        under_r = counting.under_column_sql("r.path", UNDER_REGION)
        where.append(
            "(EXISTS (SELECT 1 FROM activities_activity_countries ac"
            " JOIN activities_country c ON c.id = ac.country_id"
            f" WHERE ac.activity_id = a.id AND {under_c})"
            " OR EXISTS (SELECT 1 FROM activities_activity_regions ar"
            " JOIN activities_region r ON r.id = ar.region_id"
            f" WHERE ar.activity_id = a.id AND {under_r})"
            " OR EXISTS (SELECT 1 FROM activities_beneficiarygroup rc"
            " JOIN activities_country c ON c.id = rc.country_id"
            f" WHERE rc.activity_id = a.id AND {under_c}))"
        )
    if filters.country:
        where.append(
            "(EXISTS (SELECT 1 FROM activities_activity_countries ac"
            " WHERE ac.activity_id = a.id AND ac.country_id = %(country_id)s)"
            " OR EXISTS (SELECT 1 FROM activities_beneficiarygroup rc"
            " WHERE rc.activity_id = a.id AND rc.country_id = %(country_id)s))"
        )
    if filters.theme:
        where.append(
            "EXISTS (SELECT 1 FROM activities_activity_themes ath"
            " JOIN activities_theme t ON t.id = ath.theme_id WHERE ath.activity_id = a.id"
            " AND (t.id = %(theme_id)s OR t.parent_id = %(theme_id)s))"
        )
    if filters.q:
        where.append("(UPPER(a.title) LIKE UPPER(%(q)s) OR UPPER(a.description) LIKE UPPER(%(q)s))")
    return (
        "pub AS (SELECT a.id, a.kind, a.start_date, a.end_date FROM activities_activity a"
        f" WHERE {' AND '.join(where)})"
    )


def _within(filters: Filters) -> str:
    """People who certainly belong to the filter's place (all people without one)."""
    if filters.country:
        return "coalesce(b.place_country_id = %(country_id)s, false)"
    if filters.region:
        under = counting.under_column_sql("coalesce(pc.path, pr.path)", UNDER_REGION)
        return f"coalesce({under}, false)"
    return "true"


def totals_sql(filters: Filters) -> str:
    within = _within(filters)
    sums = []
    for condition in (within, f"NOT {within}"):
        sums += [
            f"coalesce(sum(b.{column}) FILTER (WHERE {condition}), 0)"
            for column in ("total", "female", "male", "not_recorded")
        ]
        sums.append(f"coalesce(max({RANK}) FILTER (WHERE {condition}), 0)")
        sums.append(f"count(DISTINCT b.activity_id) FILTER (WHERE {condition})")
    return (
        f"WITH {_pub(filters)} SELECT (SELECT count(*) FROM pub), {', '.join(sums)} {PEOPLE_JOINS}"
    )


YEAR_OF_PEOPLE = (
    "CASE WHEN extract(year FROM pub.start_date) = extract(year FROM pub.end_date)"
    " THEN extract(year FROM pub.start_date)::int END"
)
YEARS_OF_ACTIVITY = (
    "SELECT id AS a, generate_series(extract(year FROM start_date)::int,"
    " extract(year FROM end_date)::int) AS k FROM pub"
)
# The same in DuckDB (bench/duckdb_baseline.py), where generate_series in a select list
# gives one list per activity, not one row per year: unnest makes the rows.
YEARS_OF_ACTIVITY_DUCKDB = (
    "SELECT id AS a, unnest(generate_series(extract(year FROM start_date)::int,"
    " extract(year FROM end_date)::int)) AS k FROM pub"
)
DIALECTS = ("postgresql", "duckdb")


def _years_of_activity(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(dialect)
    return YEARS_OF_ACTIVITY_DUCKDB if dialect == "duckdb" else YEARS_OF_ACTIVITY


def _keys(dimension: str, filters: Filters, dialect: str) -> tuple[str, str, str]:
    """(activity keys as (a, k), the people's key, the SQL naming a key k)."""
    if dimension == "country":
        # The countries an activity lists and the ones its rows name (counting rule 3).
        place = row_place = ""
        if filters.region:
            under = counting.under_column_sql("c.path", UNDER_REGION)
            place = f" JOIN activities_country c ON c.id = ac.country_id WHERE {under}"
            row_place = f" JOIN activities_country c ON c.id = rc.country_id AND {under}"
        activity_keys = (
            "SELECT ac.activity_id AS a, ac.country_id AS k FROM activities_activity_countries ac"
            f" JOIN pub ON pub.id = ac.activity_id{place}"
            " UNION SELECT rc.activity_id, rc.country_id FROM activities_beneficiarygroup rc"
            f" JOIN pub ON pub.id = rc.activity_id{row_place} WHERE rc.country_id IS NOT NULL"
        )
        name = "(SELECT iso2 FROM activities_country WHERE id = counted.k)"
        return activity_keys, "b.place_country_id", name
    if dimension == "region":
        activity_keys = (
            "SELECT ac.activity_id AS a, c.m49_region_id AS k FROM activities_activity_countries ac"
            " JOIN pub ON pub.id = ac.activity_id JOIN activities_country c ON c.id = ac.country_id"
            " WHERE c.m49_region_id IS NOT NULL"
            " UNION SELECT ar.activity_id, r.m49_region_id FROM activities_activity_regions ar"
            " JOIN pub ON pub.id = ar.activity_id JOIN activities_region r ON r.id = ar.region_id"
            " WHERE r.m49_region_id IS NOT NULL"
            " UNION SELECT rc.activity_id, c.m49_region_id FROM activities_beneficiarygroup rc"
            " JOIN pub ON pub.id = rc.activity_id JOIN activities_country c ON c.id = rc.country_id"
            " WHERE c.m49_region_id IS NOT NULL"
        )
        name = "(SELECT code FROM activities_region WHERE id = counted.k)"
        return activity_keys, "coalesce(pc.m49_region_id, pr.m49_region_id)", name
    if dimension == "kind":
        return "SELECT id AS a, kind AS k FROM pub", "pub.kind", "counted.k"
    if dimension == "year":
        return _years_of_activity(dialect), YEAR_OF_PEOPLE, "counted.k"
    raise ValueError(dimension)


def grouped_sql(dimension: str, filters: Filters, dialect: str = "postgresql") -> str:
    activity_keys, people_key, name = _keys(dimension, filters, dialect)
    return f"""
WITH {_pub(filters)},
akeys AS ({activity_keys}),
people AS (
    SELECT b.activity_id AS a, {people_key} AS k, b.total, b.female, b.male, b.not_recorded,
           {RANK} AS q {PEOPLE_JOINS}
    WHERE {_within(filters)}),
cells AS (
    SELECT a, k FROM akeys
    UNION SELECT a, k FROM people
    UNION SELECT id, NULL FROM pub WHERE NOT EXISTS (SELECT 1 FROM akeys WHERE akeys.a = pub.id)),
counted AS (SELECT k, count(*) AS n FROM cells GROUP BY k),
summed AS (
    SELECT k, sum(total) AS t, sum(female) AS f, sum(male) AS m, sum(not_recorded) AS nr,
           max(q) AS q
    FROM people GROUP BY k)
SELECT {name}, counted.n, coalesce(summed.t, 0), coalesce(summed.f, 0), coalesce(summed.m, 0),
       coalesce(summed.nr, 0), coalesce(summed.q, 0)
FROM counted LEFT JOIN summed ON summed.k IS NOT DISTINCT FROM counted.k"""


def year_theme_sql(filters: Filters, dialect: str = "postgresql") -> str:
    return f"""
WITH {_pub(filters)},
ky AS ({_years_of_activity(dialect)}),
kt AS (
    SELECT DISTINCT ath.activity_id AS a, coalesce(t.parent_id, t.id) AS k
    FROM activities_activity_themes ath
    JOIN pub ON pub.id = ath.activity_id JOIN activities_theme t ON t.id = ath.theme_id),
people AS (
    SELECT b.activity_id AS a, {YEAR_OF_PEOPLE} AS y, kt.k AS t, b.total, b.female, b.male,
           b.not_recorded, {RANK} AS q {PEOPLE_JOINS}
    LEFT JOIN kt ON kt.a = b.activity_id),
cells AS (
    SELECT ky.a, ky.k AS y, kt.k AS t FROM ky LEFT JOIN kt ON kt.a = ky.a
    UNION SELECT a, y, t FROM people),
counted AS (SELECT y, t, count(*) AS n FROM cells GROUP BY y, t),
summed AS (
    SELECT y, t, sum(total) AS t_, sum(female) AS f, sum(male) AS m, sum(not_recorded) AS nr,
           max(q) AS q
    FROM people GROUP BY y, t)
SELECT counted.y, (SELECT slug FROM activities_theme WHERE id = counted.t), counted.n,
       coalesce(summed.t_, 0), coalesce(summed.f, 0), coalesce(summed.m, 0),
       coalesce(summed.nr, 0), coalesce(summed.q, 0)
FROM counted
LEFT JOIN summed ON summed.y IS NOT DISTINCT FROM counted.y
                AND summed.t IS NOT DISTINCT FROM counted.t"""


def sex_sql(filters: Filters) -> str:
    parts = []
    for sex in ("female", "male", "not_recorded"):
        parts.append(f"coalesce(sum(b.{sex}), 0)")
        parts.append(f"coalesce(max({RANK}) FILTER (WHERE b.{sex} > 0), 0)")
    return f"WITH {_pub(filters)} SELECT {', '.join(parts)} {PEOPLE_JOINS}"


def statements(query: StatsQuery, dialect: str = "postgresql") -> list[str]:
    """The SQL that answers the query: its rows (if grouped), then its totals. `dialect`
    "duckdb" gives the same statements where DuckDB reads them differently (the years an
    activity spans); the placeholders stay psycopg's (duckdb_baseline translates them)."""
    if not query.group_by:
        return [totals_sql(query.filters)]
    if query.group_by == ("sex",):
        return [sex_sql(query.filters), totals_sql(query.filters)]
    if query.group_by == ("year", "theme"):
        return [year_theme_sql(query.filters, dialect), totals_sql(query.filters)]
    (dimension,) = query.group_by
    return [grouped_sql(dimension, query.filters, dialect), totals_sql(query.filters)]


# --- One shape for both answers -------------------------------------------------------


def _count(value: Any) -> Any:
    """A count as a number; a cell the API suppressed ("<5", "suppressed") as it is."""
    return value if isinstance(value, str) else int(value)


def _people(total, female, male, not_recorded, rank) -> tuple:
    return (
        _count(total),
        _count(female),
        _count(male),
        _count(not_recorded),
        QUALIFIER_OF_RANK[int(rank)],
    )


def same(api: Any, sql: Any) -> bool:
    """Whether the API's value is the SQL's. Public answers hide small person-level
    cells (activities/people/suppression.py): "<N" must stand for a number from 1 to
    N - 1, and "suppressed" (a secondary cell, any number) hides whatever is there; every
    cell the API shows must be the SQL's exactly."""
    if isinstance(api, tuple) and isinstance(sql, tuple):
        return len(api) == len(sql) and all(map(same, api, sql))
    if isinstance(api, str) and api.startswith("<") and api[1:].isdigit():
        return isinstance(sql, int) and 1 <= sql < int(api[1:])
    if api == "suppressed":
        return True
    return bool(api == sql)


def hidden_cells(answer: Any) -> int:
    """How many cells of an answer (as from_api gives it) the API suppressed."""
    if isinstance(answer, dict):
        return sum(hidden_cells(value) for value in answer.values())
    if isinstance(answer, tuple):
        return sum(hidden_cells(value) for value in answer)
    return int(isinstance(answer, str) and (answer.startswith("<") or answer == "suppressed"))


def from_sql(query: StatsQuery, results: list[list[tuple]]) -> dict[str, Any]:
    (totals,) = results[-1]
    answer: dict[str, Any] = {"totals": {"participants": _people(*totals[1:6])}}
    if query.group_by != ("sex",):
        answer["totals"]["activities"] = int(totals[0])
    if query.filters.region or query.filters.country:
        answer["totals"]["unattributed"] = _people(*totals[7:12])
    if not query.group_by:
        return answer
    rows: dict[tuple, tuple] = {}
    if query.group_by == ("sex",):
        ((female, female_rank, male, male_rank, other, other_rank),) = results[0]
        rows[("female",)] = _people(female, female, 0, 0, female_rank)
        rows[("male",)] = _people(male, 0, male, 0, male_rank)
        rows[("not_recorded",)] = _people(other, 0, 0, other, other_rank)
    else:
        width = len(query.group_by)
        for record in results[0]:
            key = tuple(
                None if k is None else (int(k) if isinstance(k, float) else k)
                for k in record[:width]
            )
            rows[key] = (int(record[width]), _people(*record[width + 1 :]))
    answer["rows"] = rows
    return answer


def from_api(query: StatsQuery, data: dict[str, Any]) -> dict[str, Any]:
    def people(value) -> tuple:
        return _people(
            value["total"],
            value["female"],
            value["male"],
            value["not_recorded"],
            {"exact": 0, "at_least": 1, "about": 2}[value["qualifier"]],
        )

    totals = data["totals"]
    answer: dict[str, Any] = {"totals": {"participants": people(totals["participants"])}}
    if query.group_by != ("sex",):
        answer["totals"]["activities"] = totals["activities"]
    if query.filters.region or query.filters.country:
        unattributed = totals.get("unattributed")
        answer["totals"]["unattributed"] = (
            people(unattributed["participants"]) if unattributed else _people(0, 0, 0, 0, 0)
        )
    if not query.group_by:
        return answer
    rows: dict[tuple, Any] = {}
    for row in data["rows"]:
        key = tuple(row[d]["code"] if row[d] else None for d in query.group_by)
        if query.group_by == ("sex",):
            rows[key] = people(row["participants"])
        else:
            rows[key] = (row["activities"], people(row["participants"]))
    if query.group_by == ("sex",):
        # A sex nobody was recorded with may be left out by the API: the SQL has it as 0.
        for sex in ("female", "male", "not_recorded"):
            rows.setdefault((sex,), _people(0, 0, 0, 0, 0))
    answer["rows"] = rows
    return answer


def differences(
    api: dict[str, Any],
    sql: dict[str, Any],
    limit: int = 5,
    names: tuple[str, str] = ("API", "SQL"),
) -> list[str]:
    """What differs between the two answers (empty when they are identical). `names` label
    the two sides in the messages (DuckDB against the SQL: ("DuckDB", "SQL"))."""
    first, second = names
    found = []
    for key in sorted(set(api["totals"]) | set(sql["totals"])):
        if not same(api["totals"].get(key), sql["totals"].get(key)):
            found.append(
                f"totals.{key}: {first} {api['totals'].get(key)} {second} {sql['totals'].get(key)}"
            )
    api_rows, sql_rows = api.get("rows", {}), sql.get("rows", {})
    for key in sorted(set(api_rows) | set(sql_rows), key=str):
        if not same(api_rows.get(key), sql_rows.get(key)):
            found.append(f"row {key}: {first} {api_rows.get(key)} {second} {sql_rows.get(key)}")
    return found[:limit] + ([f"... {len(found) - limit} more"] if len(found) > limit else [])


# --- People (counting rule 9): distinct persons and learning ------------------------------
#
# Written from rule 9 of activities/counting.py, not from the stats engine: a person is
# counted once, COUNT(DISTINCT participant), over the attended attendance of the counted
# (published) activities; the sex split is the person's own record; for a place, a person
# belongs to their own country (one without a country belongs to no place); a grouping by
# a property of the activity (year, kind) places the person by their attendance there, a
# tag of the activity (theme) counts them under each of its keys. `learning` is over the
# attended participations with both a pre- and a post-test score.

BOTH_SCORES = counting.both_scores_sql("att.pre", "att.post")
PEOPLE_AGGREGATES = (
    "count(DISTINCT att.p), "
    "count(DISTINCT att.p) FILTER (WHERE att.sex = 'female'), "
    "count(DISTINCT att.p) FILTER (WHERE att.sex = 'male'), "
    "count(DISTINCT att.p) FILTER (WHERE att.sex = 'not_recorded'), "
    "count(*)"
)
LEARNING_AGGREGATES = (
    f"count(*) FILTER (WHERE {BOTH_SCORES}), "
    f"count(DISTINCT att.p) FILTER (WHERE {BOTH_SCORES}), "
    f"avg(att.pre) FILTER (WHERE {BOTH_SCORES}), "
    f"avg(att.post) FILTER (WHERE {BOTH_SCORES})"
)
WIDTHS = {"people": 5, "learning": 4}


@dataclass
class PeopleQuery:
    """A stats query over persons: the API asked for `measures` (people, learning)."""

    name: str
    query: str
    filters: Filters
    group_by: tuple[str, ...] = ()
    measures: tuple[str, ...] = ("people",)

    @property
    def path(self) -> str:
        parts = [self.query] if self.query else []
        parts.append(f"measures={','.join(self.measures)}")
        return "/api/v1/stats/?" + "&".join(parts)


PEOPLE_QUERIES = [
    PeopleQuery("people and learning, ungrouped", "", Filters(), measures=("people", "learning")),
    PeopleQuery(
        "people, Central America 2020",
        "region=013&year=2020",
        Filters(year=2020, region="013"),
        measures=("people", "learning"),
    ),
    PeopleQuery(
        "people, El Salvador 2020", "country=SV&year=2020", Filters(year=2020, country="SV")
    ),
    PeopleQuery("people by country", "group_by=country", Filters(), ("country",)),
    PeopleQuery("people by year", "group_by=year", Filters(), ("year",)),
    PeopleQuery("people by sex", "group_by=sex", Filters(), ("sex",)),
    PeopleQuery(
        "learning by theme", "group_by=theme", Filters(), ("theme",), measures=("learning",)
    ),
]


def _attended(filters: Filters) -> str:
    """The attended attendance at the counted activities, of persons who belong to the
    filter's place (all of them without one)."""
    where = ["t.attended"]
    if filters.country:
        where.append("pp.country_id = %(country_id)s")
    if filters.region:
        where.append(f"coalesce({counting.under_column_sql('pc.path', UNDER_REGION)}, false)")
    return f"""att AS (
    SELECT t.participant_id AS p, t.activity_id AS a, pp.sex, t.pre_score AS pre,
           t.post_score AS post, pp.country_id AS country, pc.m49_region_id AS region,
           pub.kind, pub.start_date, pub.end_date
    FROM activities_attendance t
    JOIN pub ON pub.id = t.activity_id
    JOIN activities_participant pp ON pp.id = t.participant_id
    LEFT JOIN activities_country pc ON pc.id = pp.country_id
    WHERE {" AND ".join(where)})"""


def _person_aggregates(query: PeopleQuery) -> str:
    parts = {"people": PEOPLE_AGGREGATES, "learning": LEARNING_AGGREGATES}
    return ", ".join(parts[measure] for measure in query.measures)


# The key a person is counted under, its name in the answer, and a join it needs.
PERSON_KEYS = {
    "country": ("att.country", "(SELECT iso2 FROM activities_country WHERE id = att.country)", ""),
    "region": ("att.region", "(SELECT code FROM activities_region WHERE id = att.region)", ""),
    "sex": ("att.sex", "att.sex", ""),
    "kind": ("att.kind", "att.kind", ""),
    "year": (
        "CASE WHEN extract(year FROM att.start_date) = extract(year FROM att.end_date)"
        " THEN extract(year FROM att.start_date)::int END",
        "CASE WHEN extract(year FROM att.start_date) = extract(year FROM att.end_date)"
        " THEN extract(year FROM att.start_date)::int END",
        "",
    ),
    "theme": (
        "kt.k",
        "(SELECT slug FROM activities_theme WHERE id = kt.k)",
        " LEFT JOIN (SELECT DISTINCT ath.activity_id AS a, coalesce(t.parent_id, t.id) AS k"
        " FROM activities_activity_themes ath JOIN activities_theme t ON t.id = ath.theme_id)"
        " kt ON kt.a = att.a",
    ),
}


def people_statements(query: PeopleQuery) -> list[str]:
    """The SQL that answers a people query: its rows (if grouped), then its totals."""
    head = f"WITH {_pub(query.filters)}, {_attended(query.filters)}"
    totals = f"{head} SELECT {_person_aggregates(query)} FROM att"
    if not query.group_by:
        return [totals]
    (dimension,) = query.group_by
    key, name, join = PERSON_KEYS[dimension]
    rows = f"{head} SELECT {name}, {_person_aggregates(query)} FROM att{join} GROUP BY {key}"
    return [rows, totals]


def _score(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _measures(measures: tuple[str, ...], values: list[Any]) -> tuple:
    found: list[tuple] = []
    for measure in measures:
        part, values = values[: WIDTHS[measure]], values[WIDTHS[measure] :]
        if measure == "people":
            found.append(tuple(int(v or 0) for v in part))
        else:
            pre, post = _score(part[2]), _score(part[3])
            gain = None if pre is None or post is None else round(post - pre, 2)
            found.append((int(part[0] or 0), int(part[1] or 0), pre, post, gain))
    return tuple(found)


def people_from_sql(query: PeopleQuery, results: list[list[tuple]]) -> dict[str, Any]:
    (totals,) = results[-1]
    answer: dict[str, Any] = {"totals": _measures(query.measures, list(totals))}
    if query.group_by:
        answer["rows"] = {
            (None if r[0] is None else (int(r[0]) if isinstance(r[0], float) else r[0]),): (
                _measures(query.measures, list(r[1:]))
            )
            for r in results[0]
        }
    return answer


def people_from_api(query: PeopleQuery, data: dict[str, Any]) -> dict[str, Any]:
    def measures(values: dict[str, Any]) -> tuple:
        found: list[tuple] = []
        for measure in query.measures:
            value = values[measure]
            if measure == "people":
                keys = ("total", "female", "male", "not_recorded", "participations")
            else:
                keys = ("assessed", "people", "mean_pre", "mean_post", "mean_gain")
            cells = [value[k] for k in keys]
            if value.get("suppressed"):
                # Learning over too few people: the means are withheld.
                cells = ["suppressed" if cell is None else cell for cell in cells]
            found.append(tuple(cells))
        return tuple(found)

    answer: dict[str, Any] = {"totals": measures(data["totals"])}
    if query.group_by:
        answer["rows"] = {
            tuple(row[d]["code"] if row[d] else None for d in query.group_by): measures(row)
            for row in data["rows"]
        }
    return answer


def people_differences(
    api: dict[str, Any],
    sql: dict[str, Any],
    limit: int = 5,
    names: tuple[str, str] = ("API", "SQL"),
) -> list[str]:
    """What differs between the two answers of a people query (empty when identical)."""
    first, second = names
    found = []
    if not same(api["totals"], sql["totals"]):
        found.append(f"totals: {first} {api['totals']} {second} {sql['totals']}")
    api_rows, sql_rows = api.get("rows", {}), sql.get("rows", {})
    for key in sorted(set(api_rows) | set(sql_rows), key=str):
        if not same(api_rows.get(key), sql_rows.get(key)):
            found.append(f"row {key}: {first} {api_rows.get(key)} {second} {sql_rows.get(key)}")
    return found[:limit] + ([f"... {len(found) - limit} more"] if len(found) > limit else [])

"""Small numbers of people kept out of public and donor views.

A person-level cell (a count of distinct people, of people of one sex, of participations
behind them, of people with both test scores) between 1 and the threshold - 1
(setting PERSON_COUNT_THRESHOLD, default 5) could point at a handful of identifiable
people: it is shown as "<5" (f"<{threshold}"). That is the primary suppression.

Secondary suppression keeps a hidden cell from being recovered by subtraction from the
numbers the same answer shows. The answer holds these equations:
- within each row and the totals, the sex split: female + male + not_recorded = total;
- across the rows of a grouping, each column against the totals: the rows' totals,
  females, males, not recorded, participations, and people with both scores add up to
  the totals' own.
People are not additive across groups (one person attended activities in two countries
is in both rows), so the second set of equations does not always hold. But it does hold
whenever the rows partition the people (grouped by sex, by the person's country, by
audience; or by any dimension when no person is in two groups, which only the data
knows), so suppression always treats the rows as if they added up. It may hide a little
more than needed; it never leaves a hidden cell that one subtraction would give back.

The rule that follows, applied until nothing changes:
- the sex split and the rows form a two-way table with margins; a hidden cell can be
  recovered by linear equations exactly when it lies on no cycle of hidden cells (it is
  a bridge in the graph whose nodes are the table's lines and whose edges are the hidden
  cells). While one is, the smallest visible non-zero cell of one of its lines is hidden
  too (a zero only when no line has a non-zero one);
- a column with no sex split (participations) and the learning blocks are single
  equations: they never have exactly one hidden cell; the next smallest is hidden too;
- a row whose number of people is hidden has its participations hidden too (they bound
  it from above).

Zero is shown as 0: "nobody" singles no one out, and a primary cell is always 1 or more.
But a zero is never left as the one visible number that, with a visible total, gives a
hidden sibling back: the secondary rule counts zeros as visible cells of the equations.
A hidden cell whose value is not between 1 and the threshold - 1 (a secondary cell, which
may be large, or zero) is shown as "suppressed" rather than "<5", which would be untrue.

Learning (mean pre, post and gain of the people with both scores) over fewer people than
the threshold is withheld: the means become None, the counts are hidden as above, and
the block says `"suppressed": true`. Every people and learning block of a suppressed
answer carries `"suppressed"` (true when one of its cells is hidden), and the answer
carries `"suppression": {"threshold": 5}`, so that clients know.

Participations that rest on named people are person-level data too: once an activity has
attendance, its tallies are counted from the names, so a "3 women" participations cell
would give back the "<5" of the people beside it. The engine marks every row (and the
totals) whose participations include tallies derived from attendance; in those, the
participations cells between 1 and the threshold - 1 are hidden the same way (primary),
with the same secondary rule over the sex split and the rows against the totals. A row
of typed tallies only (the 2020 report's) is never a primary cell, though a secondary
one may hide it. The participations listed under `unattributed` are hidden below the
threshold whenever the answer rests on named people at all. The mark itself never
leaves this module: `for_user` removes it from every answer, for everyone.

`suppress()` is pure: it takes a stats answer (activities.stats.compute) and returns a
new one, never touching the one given (the engine's cache is shared by everyone; the
suppression depends on who asks). `for_user()` applies it to those who may not see
person-level counts unsuppressed (activities/people/privacy.py).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from ..stats.results import NAMED
from . import privacy

if TYPE_CHECKING:
    from ..counting import AnyUser

SEX_COLUMNS = ("total", "female", "male", "not_recorded")
PEOPLE_COUNTS = (*SEX_COLUMNS, "participations")
LEARNING_COUNTS = ("assessed", "people")
LEARNING_MEANS = ("mean_pre", "mean_post", "mean_gain")
PERSON_LEVEL_MEASURES = ("people", "learning", "session_attendances")
SECONDARY_MARK = "suppressed"

Cell = tuple[int, str]  # (index of the record: a row, or the totals last; column)

SCHEMA_NOTE = gettext_lazy("""

**Small numbers.** For anonymous users, donor viewers and officers, the person-level
measures (`people`, `learning`) are suppressed where a cell is small: a count between 1
and the threshold - 1 (setting `PERSON_COUNT_THRESHOLD`, default 5) is the string `"<5"`,
and other cells are hidden too (the string `"suppressed"`) so that no hidden cell can be
recovered by subtracting its visible siblings from a visible total. Learning means over
fewer people than the threshold are `null`. Each `people` and `learning` object then has
`suppressed` (true when one of its cells is hidden) and the answer has
`suppression: {"threshold": 5}`. Zero is shown as 0. Managers see every number.
""")


def threshold() -> int:
    return int(getattr(settings, "PERSON_COUNT_THRESHOLD", 5))


def has_person_level_measures(answer: Mapping[str, Any]) -> bool:
    return any(measure in answer.get("measures", ()) for measure in PERSON_LEVEL_MEASURES)


def rests_on_named_people(answer: Mapping[str, Any]) -> bool:
    """Whether some participations counted in the answer come from attendance."""
    records = [*(answer.get("rows") or []), answer.get("totals") or {}]
    return any(record.get(NAMED) for record in records)


def without_marks(answer: Mapping[str, Any]) -> dict[str, Any]:
    """The answer without the engine's internal marks (a shallow copy: the cached answer
    is shared and never changed)."""
    result = dict(answer)
    if "rows" in result:
        result["rows"] = [
            {key: value for key, value in row.items() if key != NAMED} for row in result["rows"]
        ]
    if isinstance(result.get("totals"), dict):
        result["totals"] = {key: value for key, value in result["totals"].items() if key != NAMED}
    return result


def for_user(answer: dict[str, Any], user: AnyUser) -> dict[str, Any]:
    """The answer as `user` may see it: suppressed unless they may see person-level counts
    unsuppressed (managers), and never with the engine's internal marks. An answer with
    neither person-level measures nor participations resting on named people is only
    unmarked."""
    person_level = has_person_level_measures(answer) or rests_on_named_people(answer)
    if not person_level or privacy.sees_person_level_counts_unsuppressed(user):
        return without_marks(answer)
    return without_marks(suppress(answer, threshold()))


def schema_description(text: Any) -> Any:
    """An endpoint's description with the small-numbers paragraph after it."""
    return format_lazy("{}{}", text, SCHEMA_NOTE)


def suppress(answer: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """A new answer in which no person-level cell between 1 and `threshold` - 1 is shown,
    and no hidden cell can be recovered by subtraction (see the module docstring)."""
    result: dict[str, Any] = copy.deepcopy(dict(answer))
    measures = result.get("measures", ())
    rows = list(result.get("rows") or [])
    totals = result.get("totals") or {}
    records: list[Mapping[str, Any]] = [*rows, totals]
    grouped = bool(result.get("group_by")) and bool(rows)
    if "people" in measures:
        blocks = [record.get("people") for record in records]
        if any(isinstance(block, dict) for block in blocks):
            _suppress_people(blocks, threshold, grouped)
    if "learning" in measures:
        blocks = [record.get("learning") for record in records]
        if any(isinstance(block, dict) for block in blocks):
            _suppress_learning(blocks, threshold, grouped)
    if "session_attendances" in measures:
        blocks = [record.get("session_attendances") for record in records]
        if any(isinstance(block, dict) for block in blocks):
            _suppress_session_attendances(blocks, threshold, grouped)
    if "person_hours" in measures:
        # Participations x hours would give back small participations of named people
        # (divide by the hours): hidden wherever the record rests on named people.
        for record in records:
            block = record.get("person_hours")
            if isinstance(block, dict) and record.get(NAMED):
                block.update(total=SECONDARY_MARK, suppressed=True)
    if "participants" in measures and any(record.get(NAMED) for record in records):
        blocks = [record.get("participants") for record in records]
        named = [bool(record.get(NAMED)) for record in records]
        _suppress_participations(blocks, named, threshold, grouped)
        _suppress_unattributed(totals.get("unattributed"), threshold)
    result["suppression"] = {"threshold": threshold}
    return result


# --- participations resting on named people ----------------------------------------------


def _suppress_participations(
    blocks: list[Any], named: list[bool], threshold: int, grouped: bool
) -> None:
    """Hide the small participations cells of the records that rest on named people, and
    whatever else would give them back (the same table as the people's)."""
    values: dict[Cell, int] = {}
    for index, block in enumerate(blocks):
        if isinstance(block, dict):
            for column in SEX_COLUMNS:
                if isinstance(block.get(column), int) and not isinstance(block[column], bool):
                    values[(index, column)] = block[column]
    hidden = {cell for cell, value in values.items() if named[cell[0]] and 0 < value < threshold}
    _close_sex_table(_sex_table_lines(values, len(blocks), grouped), values, hidden)
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        hidden_here = [column for column in SEX_COLUMNS if (index, column) in hidden]
        for column in hidden_here:
            block[column] = _mark(block[column], threshold)
        block["suppressed"] = bool(hidden_here)


def _suppress_unattributed(unattributed: Any, threshold: int) -> None:
    """The participations listed as unattributed (by activity and by place): each small
    cell hidden, with its whole block, since its siblings would give it back."""
    if not isinstance(unattributed, dict):
        return
    blocks = [unattributed.get("participants")]
    for item in unattributed.get("activities") or []:
        blocks.append(item.get("participants"))
        blocks.extend(place.get("participants") for place in item.get("attributed_to") or [])
    for block in blocks:
        if not isinstance(block, dict):
            continue
        small = any(
            isinstance(block.get(column), int) and 0 < block[column] < threshold
            for column in SEX_COLUMNS
        )
        if small:
            for column in SEX_COLUMNS:
                block[column] = _mark(block[column], threshold)
        block["suppressed"] = small


# --- people ------------------------------------------------------------------------------


def _suppress_people(blocks: list[Any], threshold: int, grouped: bool) -> None:
    """Hide cells of the people blocks (the rows, then the totals last) in place."""
    values: dict[Cell, int] = {}
    for index, block in enumerate(blocks):
        if isinstance(block, dict):
            for column in PEOPLE_COUNTS:
                if isinstance(block.get(column), int) and not isinstance(block[column], bool):
                    values[(index, column)] = block[column]
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    sex_lines = _sex_table_lines(values, len(blocks), grouped)
    _close_sex_table(sex_lines, values, hidden)
    # Participations bound the people behind them from above.
    for index in range(len(blocks)):
        if (index, "total") in hidden and (index, "participations") in values:
            hidden.add((index, "participations"))
    if grouped:
        participations = [(index, "participations") for index in range(len(blocks))]
        _single_equation([cell for cell in participations if cell in values], values, hidden)
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        hidden_here = [column for column in PEOPLE_COUNTS if (index, column) in hidden]
        for column in hidden_here:
            block[column] = _mark(block[column], threshold)
        block["suppressed"] = bool(hidden_here)


def _sex_table_lines(values: Mapping[Cell, int], records: int, grouped: bool) -> list[list[Cell]]:
    """The equations of the sex split, each as its line of cells: one per record
    (total = female + male + not_recorded) and, when grouped, one per column (the rows'
    cells add up to the totals' cell)."""
    lines = []
    for index in range(records):
        line = [(index, column) for column in SEX_COLUMNS if (index, column) in values]
        if len(line) > 1:
            lines.append(line)
    if grouped:
        for column in SEX_COLUMNS:
            line = [(index, column) for index in range(records) if (index, column) in values]
            if len(line) > 1:
                lines.append(line)
    return lines


def _close_sex_table(
    lines: list[list[Cell]], values: Mapping[Cell, int], hidden: set[Cell]
) -> None:
    """Hide more cells until no hidden cell of the table can be recovered.

    Every cell is in at most two lines, with coefficients ±1: the hidden cells are the
    edges of a graph whose nodes are the lines (a cell in one line only goes to a node
    "free", which carries no equation). The values the visible cells leave possible for
    the hidden ones are those of the flows around the graph's cycles, so a hidden cell is
    pinned exactly when it lies on no cycle: when it is a bridge.
    """
    lines_of: dict[Cell, list[int]] = {}
    for number, line in enumerate(lines):
        for cell in line:
            lines_of.setdefault(cell, []).append(number)
    while True:
        # The cheap part first, which settles nearly every table: no line with exactly
        # one unknown. What is left are bridges between groups of hidden cells.
        _close_lines(lines, lines_of, values, hidden)
        edges = {
            cell: [("line", number) for number in numbers] + [("free",)] * (2 - len(numbers))
            for cell, numbers in lines_of.items()
            if cell in hidden
        }
        bridges = _bridges(edges)
        if not bridges:
            return
        # Mend one at a time (one more hidden cell often mends several), a line where a
        # bridge is the only unknown first: it takes the smallest visible sibling there.
        through = sorted(
            {number for cell in bridges for number in lines_of[cell]},
            key=lambda number: (sum(1 for cell in lines[number] if cell in hidden), number),
        )
        if not any(_hide_smallest(lines[number], values, hidden) is not None for number in through):
            # Every line through every bridge is hidden whole: join the components with
            # any visible cell of a line that has a hidden one.
            touched = [line for line in lines if any(cell in hidden for cell in line)]
            if not any(_hide_smallest(line, values, hidden) is not None for line in touched):
                return  # everything is hidden


def _close_lines(
    lines: list[list[Cell]],
    lines_of: Mapping[Cell, list[int]],
    values: Mapping[Cell, int],
    hidden: set[Cell],
) -> None:
    """Hide the smallest visible sibling of every line with exactly one hidden cell, and
    of every line that this leaves with exactly one, until none is left."""
    unknowns = [sum(1 for cell in line if cell in hidden) for line in lines]
    pending = [number for number, count in enumerate(unknowns) if count == 1]
    while pending:
        number = pending.pop()
        if unknowns[number] != 1:
            continue
        cell = _hide_smallest(lines[number], values, hidden)
        for other in lines_of[cell] if cell is not None else ():
            unknowns[other] += 1
            if unknowns[other] == 1:
                pending.append(other)


def _hide_smallest(line: list[Cell], values: Mapping[Cell, int], hidden: set[Cell]) -> Cell | None:
    """Hide the smallest visible cell of the line (a non-zero one first) and return it;
    None if the whole line is hidden already."""
    visible = [cell for cell in line if cell not in hidden]
    if not visible:
        return None
    chosen = min(visible, key=lambda cell: (values[cell] == 0, values[cell], cell))
    hidden.add(chosen)
    return chosen


def _bridges(edges: Mapping[Cell, list[Any]]) -> list[Cell]:
    """The edges on no cycle (Tarjan's bridge-finding, iterative; parallel edges are a
    cycle)."""
    adjacency: dict[Any, list[tuple[Any, Cell]]] = {}
    for cell, (a, b) in edges.items():
        adjacency.setdefault(a, []).append((b, cell))
        adjacency.setdefault(b, []).append((a, cell))
    order: dict[Any, int] = {}
    low: dict[Any, int] = {}
    bridges: list[Cell] = []
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[Any, Cell | None, Iterator[tuple[Any, Cell]]]] = [
            (root, None, iter(adjacency[root]))
        ]
        while stack:
            node, via, neighbours = stack[-1]
            for neighbour, cell in neighbours:
                if cell == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = len(order)
                    stack.append((neighbour, cell, iter(adjacency[neighbour])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent] and via is not None:
                        bridges.append(via)
    return sorted(bridges)


def _single_equation(line: list[Cell], values: Mapping[Cell, int], hidden: set[Cell]) -> None:
    """One equation (the rows add up to the totals): never exactly one unknown."""
    if sum(1 for cell in line if cell in hidden) == 1:
        _hide_smallest(line, values, hidden)


def _mark(value: Any, threshold: int) -> Any:
    if isinstance(value, int) and 0 < value < threshold:
        return f"<{threshold}"
    return SECONDARY_MARK


# --- session attendances ----------------------------------------------------------------


def _suppress_session_attendances(blocks: list[Any], threshold: int, grouped: bool) -> None:
    """Person-session attendances (counting rule 13) rest only on named people, and bound
    the people behind them from above: a small one is hidden (primary), and the rows
    against the totals are one equation (never exactly one hidden cell)."""
    values: dict[Cell, int] = {
        (index, "total"): int(block["total"])
        for index, block in enumerate(blocks)
        if isinstance(block, dict) and isinstance(block.get("total"), int)
    }
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    if grouped:
        _single_equation(list(values), values, hidden)
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        if (index, "total") in hidden:
            block["total"] = _mark(block["total"], threshold)
        block["suppressed"] = (index, "total") in hidden


# --- learning ----------------------------------------------------------------------------


def _suppress_learning(blocks: list[Any], threshold: int, grouped: bool) -> None:
    """Withhold learning blocks over fewer people than the threshold, and (grouped) one
    more whenever exactly one would be withheld among the rows and the totals."""

    def size(block: Mapping[str, Any]) -> int:
        return min(int(block.get(name) or 0) for name in LEARNING_COUNTS if name in block)

    present = [index for index, block in enumerate(blocks) if isinstance(block, dict)]
    withheld = {index for index in present if 0 < size(blocks[index]) < threshold}
    if grouped and len(withheld) == 1:
        others = [index for index in present if index not in withheld]
        if others:
            withheld.add(
                min(others, key=lambda index: (size(blocks[index]) == 0, size(blocks[index])))
            )
    for index in present:
        block = blocks[index]
        if index in withheld:
            for name in LEARNING_COUNTS:
                if name in block:
                    block[name] = _mark(block[name], threshold)
            for name in LEARNING_MEANS:
                if name in block:
                    block[name] = None
        block["suppressed"] = index in withheld


# --- one activity's own figures ----------------------------------------------------------


def hides_records_for(user: AnyUser) -> bool:
    """Whether `user` gets the small figures of records resting on named people hidden."""
    return not privacy.sees_person_level_counts_unsuppressed(user)


def hidden_block(values: Mapping[str, Any], limit: int | None = None) -> dict[str, Any] | None:
    """An activity's own participations (or one of its rows), resting on named people, as
    they may be shown: when a cell is between 1 and the threshold - 1, the whole sex split
    is hidden (one hidden part of a visible total would be given back by the others);
    None when nothing needs hiding."""
    limit = threshold() if limit is None else limit
    small = any(
        isinstance(values.get(column), int) and 0 < values[column] < limit for column in SEX_COLUMNS
    )
    if not small:
        return None
    return {column: _mark(values.get(column), limit) for column in SEX_COLUMNS}


def hide_activity_figures(activity: Any, user: AnyUser) -> None:
    """Hide, on an activity read through selectors.with_participants, its own small
    participations when they rest on named people and `user` may not see them. Its rows
    are hidden too when its total is (activities/people/suppression.py, records)."""
    if not getattr(activity, "participants_named", False) or not hides_records_for(user):
        return
    values = {
        "total": activity.participants_total,
        "female": activity.participants_female,
        "male": activity.participants_male,
        "not_recorded": activity.participants_not_recorded,
    }
    hidden = hidden_block(values)
    if hidden is not None:
        for column, value in hidden.items():
            setattr(activity, f"participants_{column}", value)
        activity.participants_hidden = True


def rows_as_shown(rows: list[Any], user: AnyUser) -> list[Any]:
    """An activity's beneficiary rows as `user` may see them: a row derived from
    attendance with a small cell has its sex split hidden (a display copy; the records are
    never changed)."""
    if not hides_records_for(user):
        return rows
    shown = []
    for row in rows:
        if getattr(row, "from_attendance", False):
            values = {column: getattr(row, column) for column in SEX_COLUMNS}
            hidden = hidden_block(values)
            if hidden is not None:
                row = copy.copy(row)
                for column, value in hidden.items():
                    setattr(row, column, value)
        shown.append(row)
    return shown

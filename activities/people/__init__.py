"""People: attendance sheets in, unique people and learning out, personal data kept safe.

- names.py: the normalized name and the exact match key of a person.
- tallies.py: an activity's beneficiary tallies derived from its attendance.
- privacy.py: who may see names, contacts, ages and scores.
The measures (people, learning) are counting rules: activities/counting.py and
activities/stats/people.py.
"""

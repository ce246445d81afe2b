"""Projects' results: planned against achieved, per indicator, period and part.

- compute.py: each indicator's actual per period (the stats engine's answer for a
  computed indicator, the entered value otherwise) beside its target, with the
  qualifiers carried and a status in words.
- periods.py: reporting periods that close (and reopen), and the rule that a change to
  an activity dated in a closed one needs a reason; snapshots.py: what a close freezes.
- as_reported.py: each figure as reported when its period closed, beside the reasoned
  changes made since.
"""

"""Projects' results: planned against achieved, per indicator, period and part.

- compute.py: each indicator's actual per period (the stats engine's answer for a
  computed indicator, the entered value otherwise) beside its target, with the
  qualifiers carried and a status in words.
"""

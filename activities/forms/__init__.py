"""The officer's "Log a training" form: the activity and its beneficiary rows.

- activity.py: ActivityForm (what, when, where, for whom) and ActivityDeleteForm.
- beneficiaries.py: BeneficiaryRowForm and BeneficiaryFormSet (the people reached).
- pickers.py: how choices among many places or terms are shown.

The forms validate, with the rules shared with the API taken from activities/services.py;
writes go through services too.
"""

from .activity import ActivityDeleteForm, ActivityForm
from .beneficiaries import BaseBeneficiaryFormSet, BeneficiaryFormSet, BeneficiaryRowForm

__all__ = [
    "ActivityDeleteForm",
    "ActivityForm",
    "BaseBeneficiaryFormSet",
    "BeneficiaryFormSet",
    "BeneficiaryRowForm",
]

"""Kinds of activity and modalities of delivery: reference data an administrator manages.

An activity names its kind and its modality by a short code (`training`, `online`), the
same code its URLs (`?kind=training`), filters, downloads and API answers carry. The
codes are rows of these tables, so that adding a kind is an edit in the admin, not a
migration; the activity's column still holds the code (a foreign key to `code`).

- The built-in codes are ActivityKind and Modality (activities.py): the code relies on
  some of them (an online activity has no venue; the synthetic programme draws from
  them), so their rows cannot be deleted, and no row's code changes once created (links
  and stored filters name it). A kind in use cannot be deleted either (PROTECT).
- An inactive row is no longer offered on forms or accepted for a new value, and still
  shows on the records that have it.
- Labels: `label` is English; `label_fr` and `label_es` are optional. Without them a
  label is looked up in the translation catalogs, which hold the built-in labels
  (they are the TextChoices' gettext-marked labels), so a kind an administrator adds
  shows in English until they give its French and Spanish labels here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

_ST = TypeVar("_ST")  # what may be set: a row or its code
_GT = TypeVar("_GT")  # what is read: the row

# What a code may be: the built-in ones are of this shape, and a URL carries it as is.
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


class ActivityKind(models.TextChoices):
    """The built-in kinds: the rows the migration made, and the codes the code names."""

    TRAINING = "training", _("training")
    COURSE = "course", _("course")
    WEBINAR = "webinar", _("webinar")
    WORKSHOP = "workshop", _("workshop")
    CONFERENCE = "conference", _("conference")
    MEETING = "meeting", _("meeting")
    ASSESSMENT = "assessment", _("assessment")
    ADVISORY = "advisory", _("advisory")
    MENTORING = "mentoring", _("mentoring")
    AWARENESS = "awareness", _("awareness-raising")
    CAMPAIGN = "campaign", _("campaign")
    PUBLICATION = "publication", _("publication")
    MECHANISM = "mechanism", _("mechanism or tool")


class Modality(models.TextChoices):
    """The built-in modalities; `online` means no venue (Activity.venue_label)."""

    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")
    HYBRID = "hybrid", _("hybrid")
    BROADCAST = "broadcast", _("broadcast")
    NOT_RECORDED = "not_recorded", _("not recorded")


class CodedReference(models.Model):
    """A row of a short list named by a stable code, with labels in three languages."""

    #: The codes the code relies on (constants in activities.py): never deleted.
    BUILT_IN: frozenset[str] = frozenset()

    code = models.SlugField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(CODE_PATTERN, _("Use lower-case letters, digits and _."))],
        help_text=_(
            "Lower-case letters, digits and underscores. Links, filters and downloads "
            "name the row by it: it cannot change once saved."
        ),
    )
    label = models.CharField(_("label (English)"), max_length=80, unique=True)
    label_fr = models.CharField(_("label (French)"), max_length=80, blank=True)
    label_es = models.CharField(_("label (Spanish)"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("Lists show lower numbers first.")
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Inactive: no longer offered for new records; the records that have it keep it."
        ),
    )

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The label in the reader's language: its own French or Spanish label if given,
        else the English label as the translation catalogs give it."""
        language = (get_language() or "en")[:2]
        own = getattr(self, f"label_{language}", "") if language != "en" else ""
        return own or gettext(self.label)

    @property
    def is_built_in(self) -> bool:
        return self.code in self.BUILT_IN


class CodeDescriptor(ForwardManyToOneDescriptor):
    """`activity.kind = "training"` sets the code, as the column held before it was a
    foreign key, so that writers (the seed, services, factories) name a kind by its
    code; reading `activity.kind` gives the row (its code is `activity.kind_id`)."""

    def __set__(self, instance: Any, value: Any) -> None:
        if isinstance(value, str):
            # `kind_id` forgets a cached row of another code itself.
            setattr(instance, self.field.attname, value)
            return
        super().__set__(instance, value)


class CodeForeignKey(models.ForeignKey[_ST, _GT]):
    """A foreign key to a CodedReference's `code` that also takes the code itself."""

    forward_related_accessor_class = CodeDescriptor

    def __init__(self, to: Any, **kwargs: Any) -> None:
        kwargs.setdefault("to_field", "code")
        kwargs.setdefault("on_delete", models.PROTECT)
        super().__init__(to, **kwargs)


class Kind(CodedReference):
    """What was delivered: training, course, webinar, assessment, campaign..."""

    BUILT_IN = frozenset(ActivityKind.values)

    class Meta(CodedReference.Meta):
        verbose_name = _("kind of activity")
        verbose_name_plural = _("kinds of activity")


class ModalityOption(CodedReference):
    """How it was delivered: in person, online, hybrid, broadcast, or not recorded."""

    BUILT_IN = frozenset(Modality.values)

    class Meta(CodedReference.Meta):
        verbose_name = _("modality")
        verbose_name_plural = _("modalities")


def active_or_current(
    model: type[Kind] | type[ModalityOption], current: str | None = None
) -> models.QuerySet[Any]:
    """The rows a form offers: the active ones, and the record's own even if inactive."""
    condition = models.Q(is_active=True)
    if current:
        condition |= models.Q(code=current)
    return model.objects.filter(condition)

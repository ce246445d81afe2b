"""The HXL hashtag row of the API's CSV downloads (`?format=csv&hxl=1`).

HXL (https://hxlstandard.org/standard/1-1final/dictionary/) puts one row of hashtags
under the header, so that humanitarian tools (libhxl, HXL Proxy, HDX) recognise the
columns. The rules, so that those tools read the data right:
- every column is tagged: a column no table below names gets `#meta` with its name as
  attributes (`is_synthetic` -> `#meta+is_synthetic`), never an empty cell;
- the dictionary's hashtag per concept: places `#country` / `#region`, themes
  `#sector`, partners `#org+impl`, donors `#org+funder`, mentors `#org+mentor`,
  audiences `#group+audience`, languages `#meta+lang`, mandates `#meta+mandate`,
  people reached `#reached`, the report's figures `#indicator`;
- codes say their code list: ISO 3166 alpha-2 `+v_iso2`, alpha-3 `+v_iso3`, UN M49
  `+v_m49`, so that a tool never takes an ISO2 code for an ISO3 one;
- `#date` only over ISO dates (YYYY-MM-DD, or a year, or YYYY-MM); a label such as
  "10-12 May 2021" is `#meta+period`;
- a cell that joins the values of a list ("SV; GT; HN", separator "; ") carries `+list`:
  filter it with a regular expression or after libhxl's `expand_lists(separator="; ")`.
  The counts of the stats rows (`countries.named`...) are numbers, not lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LIST_SEPARATOR = "; "

# The fields of a record that are lists: their flattened columns hold one value per item.
LIST_FIELDS = frozenset(
    {
        "countries",
        "regions",
        "regions_covered",
        "audiences",
        "languages",
        "themes",
        "partners",
        "mentors",
        "mandates",
        "donors",
        "projects",
        "beneficiaries",
        "figures",
        "activities",
        "fundings",
        "outcomes",
        "indicators",
        "targets",
        "values",
    }
)

LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")

# The columns of a record (an activity, a figure, a reference) that mean the same
# wherever they appear; resources whose generic columns ("id", "code", "name") mean
# something else override them in BY_RESOURCE.
RECORD: dict[str, str] = {
    "id": "#activity+id",
    "url": "#meta+url",
    "reference": "#activity+code",
    "title": "#activity+name",
    "kind": "#activity+type",
    "description": "#description",
    "start_date": "#date+start",
    "end_date": "#date+end",
    "date_precision": "#meta+date_precision",
    "period_label": "#meta+period",
    "modality": "#activity+modality",
    "delivery": "#status+delivery",
    "status": "#status+publication",
    "countries.code": "#country+code+v_iso2",
    "countries.iso3": "#country+code+v_iso3",
    "countries.name": "#country+name",
    "regions.code": "#region+code+v_m49",
    "regions.name": "#region+name",
    "reported_countries_count": "#meta+countries_reported+num",
    "scope_region.code": "#region+code+v_m49+scope",
    "scope_region.name": "#region+name+scope",
    "audiences.slug": "#group+audience+code",
    "audiences.name": "#group+audience+name",
    "languages.code": "#meta+lang+code",
    "languages.name": "#meta+lang+name",
    "themes.slug": "#sector+code",
    "themes.name": "#sector+name",
    "partners.id": "#org+impl+id",
    "partners.name": "#org+impl+name",
    "partners.short_name": "#org+impl+acronym",
    "mentors.id": "#org+mentor+id",
    "mentors.display_name": "#org+mentor+name",
    "mentors.hub_country": "#country+code+v_iso2+mentor",
    "mandates.id": "#meta+mandate+id",
    "mandates.symbol": "#meta+mandate+code",
    "mandates.title": "#meta+mandate+name",
    "donors.id": "#org+funder+id",
    "donors.name": "#org+funder+name",
    "projects.code": "#activity+project+code",
    "projects.title": "#activity+project+name",
    "participants.total": "#reached+total",
    "participants.female": "#reached+f",
    "participants.male": "#reached+m",
    "participants.not_recorded": "#reached+sex_not_recorded",
    "participants.qualifier": "#meta+reached+qualifier",
    "beneficiaries.id": "#meta+beneficiaries+id",
    "beneficiaries.audience.slug": "#group+audience+code",
    "beneficiaries.audience.name": "#group+audience+name",
    "beneficiaries.country.code": "#country+code+v_iso2+beneficiaries",
    "beneficiaries.country.iso3": "#country+code+v_iso3+beneficiaries",
    "beneficiaries.country.name": "#country+name+beneficiaries",
    "beneficiaries.female": "#reached+f+beneficiaries",
    "beneficiaries.male": "#reached+m+beneficiaries",
    "beneficiaries.not_recorded": "#reached+sex_not_recorded+beneficiaries",
    "beneficiaries.total": "#reached+total+beneficiaries",
    "beneficiaries.qualifier": "#meta+reached+qualifier+beneficiaries",
    "beneficiaries.note": "#meta+note+beneficiaries",
    "beneficiaries.attributed_to.type": "#meta+attributed+type",
    "beneficiaries.attributed_to.code": "#meta+attributed+code",
    "beneficiaries.attributed_to.name": "#meta+attributed+name",
    "figures.code": "#indicator+code",
    "figures.role": "#indicator+type",
    "activities.id": "#activity+id",
    "activities.reference": "#activity+code",
    "activities.title": "#activity+name",
    "source_document.key": "#meta+source+code",
    "source_document.title": "#meta+source+name",
    "source_document.symbol": "#meta+source",
    "source_document.issued": "#date+source",
    "source_paragraph": "#meta+source+paragraph",
    "source_note": "#meta+source+note",
    "note": "#meta+note",
    "version": "#meta+version",
    "created_at": "#date+created",
    "updated_at": "#date+updated",
}

_COUNTRY_OF = {
    "country.code": "#country+code+v_iso2",
    "country.iso3": "#country+code+v_iso3",
    "country.name": "#country+name",
}

BY_RESOURCE: dict[str, dict[str, str]] = {
    "country": {
        "code": "#country+code+v_iso2",
        "iso3": "#country+code+v_iso3",
        "m49_code": "#country+code+v_m49",
        "name": "#country+name",
        "region.code": "#region+code+v_m49",
        "region.name": "#region+name",
        "m49_region.code": "#region+code+v_m49+main",
        "m49_region.name": "#region+name+main",
        "m49_subregion.code": "#region+code+v_m49+sub",
        "m49_subregion.name": "#region+name+sub",
        "latitude": "#geo+lat",
        "longitude": "#geo+lon",
        **{f"names.{lang}": f"#country+name+i_{lang}" for lang in LANGUAGES},
    },
    "region": {
        "code": "#region+code+v_m49",
        "name": "#region+name",
        "level": "#region+level",
        "level_name": "#region+level+name",
        "parent.code": "#region+code+v_m49+parent",
        "parent.name": "#region+name+parent",
    },
    "theme": {
        "id": "#sector+id",
        "slug": "#sector+code",
        "name": "#sector+name",
        "parent.slug": "#sector+code+parent",
        "parent.name": "#sector+name+parent",
    },
    "partner": {
        "id": "#org+impl+id",
        "name": "#org+impl+name",
        "short_name": "#org+impl+acronym",
        "kind": "#org+impl+type",
        "kind_label": "#org+impl+type+name",
        "name_is_descriptive": "#meta+name_is_descriptive",
        **_COUNTRY_OF,
    },
    "donor": {
        "id": "#org+funder+id",
        "name": "#org+funder+name",
        "kind": "#org+funder+type",
        **_COUNTRY_OF,
    },
    "mentor": {
        "id": "#org+mentor+id",
        "name": "#org+mentor+name",
        "display_name": "#org+mentor+name+display",
        "hub_country.code": "#country+code+v_iso2",
        "hub_country.iso3": "#country+code+v_iso3",
        "hub_country.name": "#country+name",
        "regions_covered.code": "#region+code+v_m49",
        "regions_covered.name": "#region+name",
        "hub.code": "#loc+hub+code",
        "hub.display_name": "#loc+hub+name",
    },
    "hub": {
        "code": "#loc+hub+code",
        "name": "#loc+hub+name",
        "display_name": "#loc+hub+name+display",
        "location.code": "#country+code+v_iso2",
        "location.iso3": "#country+code+v_iso3",
        "location.name": "#country+name",
        "countries.code": "#country+code+v_iso2+covered",
        "countries.iso3": "#country+code+v_iso3+covered",
        "countries.name": "#country+name+covered",
        "regions.code": "#region+code+v_m49+covered",
        "regions.name": "#region+name+covered",
        "mentors_count": "#org+mentor+num",
    },
    "mandate": {
        "id": "#meta+mandate+id",
        "body": "#org+mandate+name",
        "symbol": "#meta+mandate+code",
        "year": "#date+year",
        "title": "#meta+mandate+name",
        "summary": "#description",
    },
    "audience": {
        "id": "#group+audience+id",
        "slug": "#group+audience+code",
        "name": "#group+audience+name",
    },
    "language": {"id": "#meta+lang+id", "code": "#meta+lang+code", "name": "#meta+lang+name"},
    "figure": {
        "code": "#indicator+code",
        "subject": "#indicator+name",
        "value": "#indicator+value+num",
        "role": "#indicator+type",
        "role_label": "#indicator+type+name",
        "category": "#indicator+category",
        "qualifier": "#meta+qualifier",
        "unit": "#indicator+unit",
        "year": "#date+year",
    },
    "project": {
        "code": "#activity+project+code",
        "title": "#activity+project+name",
        "fundings.donor.id": "#org+funder+id",
        "fundings.donor.name": "#org+funder+name",
        "fundings.committed_amount": "#value+committed",
        "fundings.currency": "#currency+committed",
        "fundings.committed_on": "#date+committed",
        "fundings.disbursed": "#value+disbursed",
        "outcomes.code": "#output+code",
        "outcomes.title": "#output+name",
        "indicators.code": "#indicator+code",
        "indicators.title": "#indicator+name",
        "activity_count": "#activity+num",
        "activities_href": "#meta+url+activities",
        "results_href": "#meta+url+results",
    },
    "indicator": {
        "id": "#indicator+id",
        "code": "#indicator+code",
        "title": "#indicator+name",
        "project.code": "#activity+project+code",
        "project.title": "#activity+project+name",
        "kind": "#indicator+type",
        "unit": "#indicator+unit",
        "measure": "#indicator+measure",
        "baseline_value": "#indicator+baseline+num",
        "targets.value": "#indicator+target+num",
        "values.value": "#indicator+value+num",
    },
    # GET /api/v1/stats/: one key per group_by dimension, then the measures.
    "stats": {
        "region.code": "#region+code+v_m49",
        "region.name": "#region+name",
        "subregion.code": "#region+code+v_m49+sub",
        "subregion.name": "#region+name+sub",
        **_COUNTRY_OF,
        "year.code": "#date+year",
        "year.name": "#date+year+name",
        "month.code": "#date+month",
        "month.name": "#meta+month+name",
        "theme.code": "#sector+code",
        "theme.name": "#sector+name",
        "kind.code": "#activity+type+code",
        "kind.name": "#activity+type+name",
        "modality.code": "#activity+modality+code",
        "modality.name": "#activity+modality+name",
        "partner.code": "#org+impl+id",
        "partner.name": "#org+impl+name",
        "unattributed": "#meta+unattributed",
        "activities": "#activity+num",
        "participants.at_least": "#reached+total+at_least",
        # Distinct people (counting rule 9), beside the participations (#reached).
        "people.total": "#reached+unique+total",
        "people.female": "#reached+unique+f",
        "people.male": "#reached+unique+m",
        "people.not_recorded": "#reached+unique+sex_not_recorded",
        "people.participations": "#reached+named+total",
        "learning.assessed": "#indicator+assessed+num",
        "learning.people": "#indicator+assessed+unique+num",
        "learning.mean_pre": "#indicator+score+pre+mean",
        "learning.mean_post": "#indicator+score+post+mean",
        "learning.mean_gain": "#indicator+score+gain+mean",
        # Hours of delivery and person-hours (counting rule 12).
        "hours.total": "#indicator+hours+total",
        "hours.activities_without_hours": "#meta+hours+activities_without",
        "hours.qualifier": "#meta+hours+qualifier",
        "person_hours.total": "#indicator+person_hours+total",
        "person_hours.participations_without_hours": "#meta+person_hours+participations_without",
        "person_hours.qualifier": "#meta+person_hours+qualifier",
        # Sessions and persons at sessions (counting rule 13).
        "sessions": "#indicator+sessions+num",
        "session_attendances.total": "#reached+sessions+total",
        "countries.named": "#meta+countries_named+num",
        "countries.reported_max": "#meta+countries_reported+num",
        "countries.at_least": "#meta+countries_at_least+num",
        "countries.qualifier": "#meta+countries+qualifier",
        "activities_href": "#meta+url",
    },
}


def hashtag(column: str, resource: str | None = None) -> str:
    """The HXL hashtag of one flattened column of `resource`'s CSV (see the rules above)."""
    resource = resource or "activity"
    tag = BY_RESOURCE.get(resource, {}).get(column) or RECORD.get(column) or _meta(column)
    if resource != "stats" and "." in column and column.split(".", 1)[0] in LIST_FIELDS:
        tag += "+list"
    return tag


def hxl_row(columns: Iterable[str], resource: str | None = None) -> list[str]:
    return [hashtag(column, resource) for column in columns]


def _meta(column: str) -> str:
    """`#meta` with the column's name as attributes: "a.b_c" -> "#meta+a+b_c"."""
    parts = [re.sub(r"[^a-z0-9_]", "_", part.lower()) for part in column.split(".") if part]
    parts = [part if part[:1].isalpha() else f"x{part}" for part in parts]
    return "#meta" + "".join(f"+{part}" for part in parts)

"""Names of the reference data, for the translation catalogs.

Themes (fixtures/report-2020.json), audiences and languages (fixtures/reference.json) are
stored in English, as the report names them; pages show `display_name`, which looks the
English name up in the catalogs (locale/*/django.po). A record added later without an
entry here is shown in English until a translator adds it. The API and exports keep the
English names.
"""

from django.utils.translation import gettext_noop

THEME_NAMES = (
    gettext_noop("Cybercrime investigations and digital forensics"),
    gettext_noop("Cryptocurrencies and darknet investigations"),
    gettext_noop("Online child sexual exploitation and abuse"),
    gettext_noop("International cooperation to obtain electronic evidence"),
    gettext_noop("Information-sharing"),
    gettext_noop("Research and analysis"),
    gettext_noop("Prevention"),
    gettext_noop("Expert Group to Conduct a Comprehensive Study on Cybercrime"),
    gettext_noop("Countering online child sexual exploitation and abuse"),
    gettext_noop("Use of specialized hardware and software"),
    gettext_noop("Handling of digital evidence"),
    gettext_noop("Digital forensic analysis"),
    gettext_noop("Use of open source intelligence tools"),
    gettext_noop("International cooperation"),
    gettext_noop("Cybercrime law"),
    gettext_noop("Threat intelligence"),
    gettext_noop("Cryptocurrencies"),
    gettext_noop("Darknet investigations"),
    gettext_noop("Wildlife crime online investigations"),
    gettext_noop("Malware investigation"),
    gettext_noop("Mobile forensics"),
    gettext_noop("Due process and digital evidence"),
    gettext_noop("Cybercrime incident response"),
)

AUDIENCE_NAMES = (
    gettext_noop("Police"),
    gettext_noop("Prosecutors"),
    gettext_noop("Judges"),
    gettext_noop("Law enforcement officials"),
    gettext_noop("Judiciary"),
    gettext_noop("Criminal justice practitioners"),
    gettext_noop("Justice practitioners"),
    gettext_noop("Justice sector representatives"),
    gettext_noop("Central bank officials"),
    gettext_noop("Financial intelligence unit officials"),
    gettext_noop("Government officials"),
    gettext_noop("Ministries of telecommunications and education"),
    gettext_noop("Member State experts"),
    gettext_noop("Teachers"),
    gettext_noop("Information technology staff"),
    gettext_noop("Students"),
    gettext_noop("Children"),
    gettext_noop("Parents"),
    gettext_noop("General public"),
    gettext_noop("Non-governmental organization representatives"),
    gettext_noop("Academics"),
    gettext_noop("Industry experts"),
)

LANGUAGE_NAMES = (
    gettext_noop("Arabic"),
    gettext_noop("Chinese"),
    gettext_noop("English"),
    gettext_noop("French"),
    gettext_noop("Portuguese"),
    gettext_noop("Russian"),
    gettext_noop("Spanish"),
)

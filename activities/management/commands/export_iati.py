"""Write the IATI 2.03 file of the published activities, validated, to a file.

    manage.py export_iati --out activities.xml
    manage.py export_iati --out sv-2020.xml --filter country=SV --filter year=2020
    manage.py export_iati --out project.xml --project GLOT-CYB-2020

The file is written next to --out under a temporary name, each iati-activity validated
against the XSD and the rules as it is written (activities/iati/validate.py, Checker),
and moved to --out only when all are valid; otherwise the problems are printed
and the command fails (exit status 1), leaving --out as it was.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from activities.filters import ActivityFilterSet
from activities.iati import build
from activities.models import Activity, Project


class Command(BaseCommand):
    help = "Write the validated IATI 2.03 XML of the published activities (or of a project)."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The file to write.")
        parser.add_argument("--project", help="A project's code: that project's file.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A filter of the activity list (repeatable), e.g. country=SV.",
        )

    def handle(self, *args, out: str, project: str | None, filter: list[str], **options):
        started = time.monotonic()
        target = Path(out).resolve()
        if project:
            if filter:
                raise CommandError("--filter applies to the activities' file, not --project.")
            chosen = Project.objects.filter(code=project).first()
            if chosen is None:
                raise CommandError(f"No project with the code {project}.")

            def write(stream):
                return build.write_project(stream, chosen)
        else:
            params = QueryDict(mutable=True)
            for item in filter:
                name, sep, value = item.partition("=")
                if not sep:
                    raise CommandError(f"--filter {item}: give NAME=VALUE.")
                params.appendlist(name.strip(), value.strip())
            unknown = sorted(set(params) - set(ActivityFilterSet.base_filters))
            if unknown:
                raise CommandError(f"Unknown filter {', '.join(unknown)}.")
            filterset = ActivityFilterSet(params, queryset=Activity.objects.published())
            if not filterset.is_valid():
                raise CommandError(f"Invalid filters: {dict(filterset.errors)}")

            def write(stream):
                return build.write_activities(stream, filterset.qs)

        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        temporary = Path(name)
        try:
            with os.fdopen(handle, "wb") as stream:
                written = write(stream)
            if not written.activities:
                raise CommandError("No published activity to export: no file written.")
            report = written.report
            if not report.valid:
                for problem in report.problems:
                    self.stderr.write(problem)
                raise CommandError(
                    f"The IATI file is invalid ({report.problem_count} problem(s)): "
                    f"{target} was not written."
                )
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        self.stdout.write(
            f"{target}: {written.activities} iati-activity elements ({written.projects} "
            f"projects), valid against IATI 2.03, in {time.monotonic() - started:.1f} s, "
            f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB."
        )

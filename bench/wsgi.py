"""The app as gunicorn serves it, plus an `X-Query-Count` header for the benchmark, and
`X-Counted-From` (rollups or base tables) when the request computed a stats answer.

Only bench/run.py serves this module; production uses tacbapp.wsgi. Django renders the
whole response before it calls start_response, so the count is complete by then.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tacbapp.settings")

from django.core.wsgi import get_wsgi_application
from django.db import connection

django_application = get_wsgi_application()

# The answer cache looks once per process for its data-version triggers, on the first
# request that reads the version. Done here, as each worker starts, the one-time check
# is in no measured request, and a request costs the same queries whichever worker
# serves it (the lists' and results' "same queries" checks compare two workers).
from activities import rollups  # noqa: E402
from activities.answer_cache.triggers import triggers_in_place  # noqa: E402

triggers_in_place(connection)
connection.close()


def application(environ, start_response):
    executed = 0
    rollups.note_path("")

    def count(execute, sql, params, many, context):
        nonlocal executed
        executed += 1
        return execute(sql, params, many, context)

    def start_response_with_count(status, headers, exc_info=None):
        extra = [("X-Query-Count", str(executed))]
        counted_from = rollups.path()
        if counted_from:
            extra.append(("X-Counted-From", counted_from))
        return start_response(status, [*headers, *extra], exc_info)

    with connection.execute_wrapper(count):
        return django_application(environ, start_response_with_count)

"""Send each user one e-mail with their notifications not yet e-mailed.

Run it once a day from cron (README "Review and notifications"), e.g.
    15 6 * * *  cd /srv/tacbapp && .venv/bin/python manage.py send_digests
It sends the daily digests, and retries any immediate e-mail a mail server refused.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from activities import notifications


class Command(BaseCommand):
    help = "E-mail each user their notifications not yet e-mailed (the daily digest)."

    def handle(self, *args, **options) -> None:
        sent = notifications.send_digests()
        self.stdout.write(f"{sent} digest e-mail(s) sent.")

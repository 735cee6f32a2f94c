"""Email delivery in one process: campaign-shaped emails sent by `mail.send_batch` to a
loopback SMTP server in another process, for the CPU a message costs the sender.

    flock /tmp/looop-bench.lock .venv/bin/python bench/mail_send.py [--emails 300]
        [--profile 25]

Queues the emails as a campaign's email step does (`emails_queue`, one context per person),
then runs their batch jobs one after another in this process, with no worker, and prints
messages a second, the sender's CPU per message and the machine speed (bench/cpu.py).
`--profile N` runs the sends under cProfile and prints the N functions with the most
cumulative time (or `--sort tottime`: time in the function itself).
"""

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cpu import calibration_ms  # noqa: E402
from bench.server import django_setup, free_port, fresh_database  # noqa: E402

SINK = textwrap.dedent(
    """
    import sys, time
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    """
)


def queue(slug: str, count: int) -> list[list[str]]:
    """`count` emails to as many people, queued like a campaign step's; the batches' ids."""
    from django.db import transaction
    from django_tenants.utils import schema_context

    from accounts.actors import SYSTEM
    from accounts.services import organisation_create, user_create
    from looop.mail.models import OutgoingEmail
    from looop.mail.sending import BATCH_MAX
    from looop.mail.services import Outgoing, emails_queue

    organisation_create(slug=slug, name="Contoso", admin_email=f"admin@{slug}.com",
                        admin_password=None)  # fmt: skip
    with schema_context(slug), transaction.atomic():
        people = [
            user_create(
                actor=SYSTEM,
                user_name=f"u{i}@contoso.com",
                email=f"u{i}@contoso.com",
                name_given=f"User{i}",
            )  # fmt: skip
            for i in range(count)
        ]
        emails_queue(
            kind="notice",
            emails=[
                Outgoing(person=p, context={"subject": "Welcome", "text": f"Hello User{i}"})
                for i, p in enumerate(people)
            ],
        )
        ids = [str(pk) for pk in OutgoingEmail.objects.order_by("created", "pk").values_list(
            "pk", flat=True)]  # fmt: skip
    return [ids[i : i + BATCH_MAX] for i in range(0, len(ids), BATCH_MAX)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--emails", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--sort", default="cumulative", help="cumulative or tottime")
    args = parser.parse_args()
    url = fresh_database("looop_bench_mail")
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    import os

    os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port))
    django_setup(url)
    from looop.mail.sending import email_send_batch

    batches = queue("mailbench", args.emails)
    speed = calibration_ms()
    profile = cProfile.Profile() if args.profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    sent = 0
    for ids in batches:
        sent += email_send_batch.func(organisation="mailbench", email_ids=ids)["sent"]
    if profile:
        profile.disable()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    sink.communicate("")
    print(
        f"{sent} of {args.emails} emails sent in {wall:.2f} s ({sent / wall:.0f}/s),"
        f" sender CPU {1000 * cpu / max(sent, 1):.2f} ms a message;"
        f" machine speed {' '.join(f'{v:.0f}' for v in speed)} / {calibration_ms()} ms"
    )
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()

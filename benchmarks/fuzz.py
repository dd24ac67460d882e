"""The fuzz of tests/test_fuzz.py at scale: 100,000 generated SMS through the real router.

    python benchmarks/fuzz.py [--messages 100000] [--seed 1]

Builds its own SQLite database in /tmp (never the project's), migrates it, creates the people
(300 active volunteers in two health centres, 16 staff, 20 pending volunteers, 40 unknown
phones), then sends the generator's messages (tests/fuzzing.py: well-formed reports of every
keyword, their mutations, junk) one simulated second apart, each delivered inline as the ``sms``
command does. Every answer is checked as it comes (exactly one reply, to the sender); at the end
every record is checked for a half-written business action. Progress every 10,000 messages goes
to stderr; stdout holds ``name=value`` lines:

    fuzz_messages, fuzz_seconds, fuzz_messages_per_s, fuzz_server_errors (exceptions out of the
    router and errors logged), fuzz_server_errors_from_known_bugs (of those, the ones from inputs
    that hit a bug already reported: tests.fuzzing.KNOWN_BUGS), fuzz_reply_problems,
    fuzz_half_written, and one fuzz_records_<kind> line per kind of record created.

The distinct errors, with a sample input each, are printed to stderr at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import configure_django, emit, emit_machine, progress  # noqa: E402

DATABASE = Path("/tmp/umubyeyi-benchmark-fuzz.sqlite3")
START = datetime(2026, 11, 26, 7, 0, tzinfo=ZoneInfo("Africa/Kigali"))
STEP = timedelta(seconds=1)  # ~1 message per volunteer per 7 minutes: under the rate limit


def fresh_database() -> None:
    for path in (
        DATABASE,
        DATABASE.with_name(DATABASE.name + "-wal"),
        DATABASE.with_name(DATABASE.name + "-shm"),
    ):
        path.unlink(missing_ok=True)
    configure_django(database_url=f"sqlite:///{DATABASE}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    fresh_database()
    # Django is set up only now: these read models and settings.
    import time_machine
    from django.utils import timezone

    from maternal.models import Alert, Birth, Death, Mother, Pregnancy, Visit
    from messaging.models import InboundMessage, OutgoingMessage
    from tests.fuzzing import FuzzReport, SmsFuzzer, build_population, fuzz, half_written_records

    emit_machine()
    with time_machine.travel(START, tick=False) as clock:
        population = build_population(volunteers=300, staff=16, pending=20, unknown=40)
        fuzzer = SmsFuzzer(population, seed=args.seed, mothers=5000, today=timezone.localdate)
        started = time.perf_counter()

        def report_progress(n: int, report: FuzzReport) -> None:
            if n % 10_000 == 0:
                progress(
                    f"{n} messages, {time.perf_counter() - started:.0f} s, "
                    f"{report.server_errors} server errors, {len(report.reply_problems)} reply problems"
                )

        report = fuzz(fuzzer, args.messages, clock=clock.shift, step=STEP, progress=report_progress)
        seconds = time.perf_counter() - started
        half_written = half_written_records()

    emit("fuzz_messages", report.messages)
    emit("fuzz_seconds", seconds)
    emit("fuzz_messages_per_s", report.messages / seconds)
    emit("fuzz_server_errors", report.server_errors)
    emit("fuzz_server_errors_from_known_bugs", report.known_bug_errors)
    emit("fuzz_reply_problems", len(report.reply_problems))
    emit("fuzz_half_written", len(half_written))
    records = {
        "inbound": InboundMessage.objects.count(),
        "outgoing": OutgoingMessage.objects.count(),
        "mothers": Mother.objects.count(),
        "pregnancies": Pregnancy.objects.count(),
        "visits": Visit.objects.count(),
        "alerts": Alert.objects.count(),
        "births": Birth.objects.count(),
        "deaths": Death.objects.count(),
    }
    for kind, count in records.items():
        emit(f"fuzz_records_{kind}", count)
    for signature, count in report.signatures.most_common():
        progress(f"error x{count}: {signature}")
    for bug, count in report.known_bugs.items():
        progress(f"known bug hit x{count}: {bug}")
    samples = report.exceptions[:3] + report.logged_errors[:3] + report.reply_problems[:3] + half_written[:5]
    for sample in samples:
        progress(f"sample: {sample}")


if __name__ == "__main__":
    main()

"""The project's settings with the benchmark-only URLconf (``benchmarks/urls.py``), so that the
inbound benchmark can compare the gateway with a trivial view and the durable floor on the same
stack without adding anything to the project's own URLs. Selected with
DJANGO_SETTINGS_MODULE=benchmarks.settings."""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

ROOT_URLCONF = "benchmarks.urls"

# inbound.py --compare: the compared revision's copy of the data set, where its results are
# counted (a database of the same server).
if compare_database := os.environ.get("BENCHMARK_COMPARE_DATABASE"):
    DATABASES["compare"] = {**DATABASES["default"], "NAME": compare_database}

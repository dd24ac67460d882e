"""The project's settings with the benchmark-only URLconf (``benchmarks/urls.py``), so that the
inbound benchmark can compare the gateway with a trivial view and the durable floor on the same
stack without adding anything to the project's own URLs. Selected with
DJANGO_SETTINGS_MODULE=benchmarks.settings."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

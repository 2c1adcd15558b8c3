"""Settings of the benchmark's app server: config.settings as in production (DEBUG=0 and the
rest from the environment), with STATIC_ROOT in a temporary directory (BENCH_STATIC_ROOT) so
that collectstatic writes nothing outside bench/'s temporary files."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

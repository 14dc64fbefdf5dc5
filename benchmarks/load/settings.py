"""The site as it runs in services mode, plus two bare views to measure against."""

from mutualaid.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load.urls"

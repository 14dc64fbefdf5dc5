"""`make load`: the site under 50 concurrent clients, on gunicorn, PostgreSQL, Redis and a
real worker, each endpoint against a bare view measured in the same run.

Run with `python -m benchmarks.load` (see __main__.py). Loopback only, bounded in time.
"""

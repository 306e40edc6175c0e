"""``make bench``: side-by-side benchmarks of minidb against bare baselines.

Run ``python -m bench`` (``--quick`` for a smoke run, ``--only
NAME`` for one benchmark). Never part of ``make test``.
"""

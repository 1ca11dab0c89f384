"""Benchmark scripts (not tests): `make bench` runs every ``benchmarks/*.py`` through ``run_all.py``."""

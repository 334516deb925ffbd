"""Benchmarks, run by `make bench` (scripts/run-bench), which rewrites docs/benchmarks.md.

Benchmarks are never timed assertions in tests: each one here loads its own dedicated database, measures,
and writes its figures as JSON for bench.report.
"""

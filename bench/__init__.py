"""Benchmarks: each measures a target beside a baseline run in the same process and reports ratios."""

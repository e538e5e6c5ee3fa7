"""Benchmarks of smartcity-warehouse: `python -m bench.run [names...] [--repeat N] [--quick]`.
Every measured piece of work runs in a child process (see `harness.run_child`) so its wall time and peak
memory are its own; results land in `bench/results.json` and `bench/results.md`."""

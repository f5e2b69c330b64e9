"""Speed measurements (not tests): `make bench` = `python -m benchmarks` runs every bench_*.py."""

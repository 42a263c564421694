"""govflow benchmarks: `make bench` (or `BENCH_QUICK=1 make bench`). See README.md here."""

"""The benchmark (`make bench`, `make bench-smoke`): see bench/README.md."""

"""Test support shared by the integration tests, the end-to-end tests and the benchmarks."""

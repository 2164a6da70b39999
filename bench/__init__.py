"""Benchmarks run by hand (`python bench/<name>.py`); they measure and print, they never pass or fail."""

"""Benchmarks of the product at an institution's size: `make bench` (or `python -m benchmarks`).

They print figures; they are not tests and assert nothing. See benchmarks/README.md for what is
measured, how, and the figures of a real run.
"""

"""Workloads: each builds its cases, runs them in alternation and returns comparison rows."""

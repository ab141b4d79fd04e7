"""Analysts' tooling: scenario files run against the procedures, and their flow coverage."""

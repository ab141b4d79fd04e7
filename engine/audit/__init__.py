"""The tamper-evident trail and what the quality office reads from it.

trail     per-case hash chains, heads on the case rows, HMAC-sealed checkpoints, verify
quality   exports (CSV, XES) and the compliance figures of the four policies
"""

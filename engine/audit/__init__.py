"""The tamper-evident trail and what the quality office reads from it.

trail         per-case hash chains, heads on the case rows, HMAC-sealed checkpoints, verify
quality       exports (CSV, XES)
indicators    the four policies' figures over a period, with the cases behind each
trends        each indicator month by month (the page's charts and their tables)
policy_rounds each case's tasks round by round from the trail, with their quality roles
"""

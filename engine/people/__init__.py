"""Who uses the system: what the Alcaldía adds as data.

directory        groups (organisms and roles) and the demo users
accounts         sign-in, password changes and session generations
passwords        argon2id hashes: made and checked in one place, the hasher's cost
password_policy  the password rules and the common-password list (data/)
access_tokens    personal access tokens for integrations
login_throttle   sign-in limits per address and per account, shared by all processes
"""

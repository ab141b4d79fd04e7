"""Who uses the system: what the Alcaldía adds as data.

directory        groups (organisms and roles) and the demo users
accounts         passwords and session generations
password_policy  the password rules and the common-password list (data/)
access_tokens    personal access tokens for integrations
login_throttle   sign-in limits per address and per account, shared by all processes
"""

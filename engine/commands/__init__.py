"""Every state change, as a command run by one executor (`executor`).

facade      Engine: the methods callers use, each running one command or reading
executor    CommandExecutor and its interceptors (incident recording, transaction)
cases       start, claim, release, reassign, complete, cancel, record an incident
admin       deploy bundles, seal an audit checkpoint
attachments files uploaded with forms, and the references forms may make to them
database_faults  what a database error means: unavailable, or the statement's failure
"""

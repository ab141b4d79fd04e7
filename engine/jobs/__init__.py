"""Work that happens without anyone asking: leased timer jobs, the worker, the outbox.

runner   JobRunner: acquire leased jobs, run each in a savepoint, retries and incidents
worker   the worker process loop (outages survived, SIGTERM, audit checkpoints)
outbox   notifications delivered by e-mail or kept in the mailbox
"""

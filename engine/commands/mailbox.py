"""Reading the Buzón, run by the executor: the person's mark moves up to the newest notice
they were shown, so the menu's unread count drops to what arrived since."""

from __future__ import annotations

from dataclasses import dataclass

from engine.authorization import load_actor
from engine.commands.executor import CommandContext
from storage.models import MailboxRead


@dataclass(frozen=True)
class MarkMailboxRead:
    """Mark every notice of `actor` up to `up_to` (a notification id) as read; never backwards,
    so a page opened earlier and submitted late does not bring old notices back as unread."""

    actor: str
    up_to: int

    def execute(self, context: CommandContext) -> None:
        session = context.session
        who = load_actor(session, self.actor)
        mark = session.get(MailboxRead, who.username, with_for_update=True)
        now = context.engine.clock.now()
        if mark is None:
            session.add(MailboxRead(username=who.username, read_up_to=self.up_to, read_at=now))
        elif self.up_to > mark.read_up_to:
            mark.read_up_to, mark.read_at = self.up_to, now

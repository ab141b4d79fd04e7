"""Comments on cases and tasks: one command stores the comment, its chained audit event and a
Buzón notice per mention; who reads the case reads them, who works on it writes them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from engine import Conflict, Engine, Forbidden, ValidationError
from engine.authorization import load_actor
from engine.commands.comments import mentioned_usernames
from engine.read.comments import MAX_COMMENT_LENGTH, case_comments, task_comments
from engine.read.mailbox import mailbox
from storage.models import AuditEvent, Case, Comment, Notification, User
from tests.helpers import audit_actions, case_row, complete, task_for
from tests.integration.test_p001_paths import PROPOSAL, start


def _count(engine: Engine, model: type[Comment] | type[Notification] | type[AuditEvent]) -> int:
    with engine.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _notices(engine: Engine, recipient: str) -> list[Notification]:
    with engine.sessions() as session:
        return list(
            session.scalars(
                select(Notification)
                .where(Notification.recipient == recipient)
                .order_by(Notification.id)
            )
        )


def test_a_comment_on_the_case_is_stored_and_audited_in_the_verified_chain(p001: Engine) -> None:
    key = start(p001)
    comment_id = p001.comment(
        "despacho", "  La invitación llegó por correo.\r\n  ", business_key=key
    )

    with p001.sessions() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        assert (comment.author, comment.body, comment.task_id) == (
            "despacho",
            "La invitación llegó por correo.",
            None,
        )
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case_commented")
        ).one()
    assert event.actor == "despacho"
    assert event.payload == {
        "comment": comment_id,
        "text": "La invitación llegó por correo.",
        "mentions": [],
    }
    assert audit_actions(p001, key)[-1] == "case_commented"
    assert case_row(p001, key).audit_seq == event.seq
    assert p001.verify_audit(key) == []


def test_a_comment_on_a_task_names_the_task_and_its_element_in_the_trail(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.comment("despacho2", "Propongo a la Subsecretaria de Cultura.", task_id=task.id)
    p001.comment("despacho", "Sobre el caso en general.", business_key=key)

    with p001.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "task_commented")
        ).one()
        reader = load_actor(session, "despacho")
        on_task = task_comments(session, reader, task.id)
        on_case = case_comments(session, reader, key)
    assert (event.element_id, event.payload["task"]) == ("proponer_delegado", task.id)
    assert [c.body for c in on_task.comments] == ["Propongo a la Subsecretaria de Cultura."]
    assert [(c.body, c.task_name) for c in on_case.comments] == [
        ("Propongo a la Subsecretaria de Cultura.", "Proponer delegado"),
        ("Sobre el caso en general.", None),
    ]
    assert on_case.comments[0].author_name != "despacho2"  # the person's name, not the username


def test_each_mentioned_user_gets_a_notice_in_the_mailbox_but_not_the_author(p001: Engine) -> None:
    key = start(p001)
    task = task_for(p001, key, "proponer_delegado")
    p001.comment(
        "despacho",
        "@despacho2 ¿puede confirmar la fecha? Copia a @admin y a mí, @despacho. Gracias @despacho2.",
        task_id=task.id,
    )

    [notice] = _notices(p001, "despacho2")
    assert notice.subject.startswith(f"[{key}] ")
    assert "le mencionó en un comentario" in notice.subject
    assert "Proponer delegado" in notice.body and "¿puede confirmar la fecha?" in notice.body
    assert len(_notices(p001, "admin")) == 1
    assert not [n for n in _notices(p001, "despacho") if "comentario" in n.subject]
    with p001.sessions() as session:
        messages = mailbox(session, load_actor(session, "despacho2"))
        assert [m.business_key for m in messages if "comentario" in m.subject] == [key]
        assert session.scalars(select(Comment.mentions)).one() == ["despacho2", "admin", "despacho"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A valid mention next to a refused one is not notified either.
        ("@despacho2: revisar con @maria.gomez", "@maria.gomez no es un usuario activo"),
        ("@despacho2: revisar con @hacienda", "@hacienda no puede ver este caso"),
        ("   \n ", "escriba el comentario"),
        ("@despacho2 " + "x" * MAX_COMMENT_LENGTH, f"el máximo es {MAX_COMMENT_LENGTH}"),
    ],
)
def test_a_refused_comment_is_a_field_error_and_stores_nothing(
    p001: Engine, text: str, message: str
) -> None:
    key = start(p001)
    before = (_count(p001, Comment), _count(p001, Notification), _count(p001, AuditEvent))
    with pytest.raises(ValidationError) as refused:
        p001.comment("despacho", text, business_key=key)
    assert message in refused.value.field_errors["texto"]
    after = (_count(p001, Comment), _count(p001, Notification), _count(p001, AuditEvent))
    assert after == before


def test_a_mention_of_a_deactivated_user_is_refused(p001: Engine) -> None:
    key = start(p001)
    with p001.sessions() as session, session.begin():
        session.execute(update(User).where(User.username == "despacho2").values(active=False))
    with pytest.raises(ValidationError) as refused:
        p001.comment("despacho", "Pregunta para @despacho2", business_key=key)
    assert "@despacho2 no es un usuario activo" in refused.value.field_errors["texto"]
    assert _count(p001, Comment) == 0


def test_the_longest_comment_allowed_is_accepted(p001: Engine) -> None:
    key = start(p001)
    p001.comment("despacho", "a" * MAX_COMMENT_LENGTH, business_key=key)
    assert _count(p001, Comment) == 1


@pytest.mark.parametrize(
    ("username", "writes"),
    [
        ("despacho", True),  # started it, and its group holds the open task
        ("despacho2", True),  # its group holds the open task
        ("admin", True),
        ("calidad", False),  # reads every case, writes on none
        ("hacienda", False),  # does not even read it
        ("analista", False),
    ],
)
def test_who_works_on_the_case_writes_and_the_others_are_refused(
    p001: Engine, username: str, writes: bool
) -> None:
    key = start(p001)
    if writes:
        p001.comment(username, "Comentario", business_key=key)
        assert _count(p001, Comment) == 1
    else:
        with pytest.raises(Forbidden):
            p001.comment(username, "Comentario", business_key=key)
        assert _count(p001, Comment) == 0


def test_a_group_whose_task_is_done_reads_the_comments_but_no_longer_writes(p001: Engine) -> None:
    key = start(p001)
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)  # now the Secretario's turn
    p001.comment("secretario", "Lo reviso mañana.", business_key=key)
    with pytest.raises(Forbidden):
        p001.comment("despacho2", "¿Novedades?", business_key=key)
    with p001.sessions() as session:
        thread = case_comments(session, load_actor(session, "despacho2"), key)
    assert ([c.body for c in thread.comments], thread.may_write) == (["Lo reviso mañana."], False)


def test_the_quality_office_reads_comments_and_an_outsider_does_not(p001: Engine) -> None:
    key = start(p001)
    p001.comment("despacho", "Nota interna", business_key=key)
    with p001.sessions() as session:
        thread = case_comments(session, load_actor(session, "calidad"), key)
        assert ([c.body for c in thread.comments], thread.may_write) == (["Nota interna"], False)
        with pytest.raises(Forbidden):
            case_comments(session, load_actor(session, "hacienda"), key)


def test_a_finished_case_keeps_its_comments_read_only(p001: Engine) -> None:
    key = start(p001)
    p001.comment("despacho", "Antes de anular", business_key=key)
    p001.cancel(key, "despacho", "La sesión fue aplazada")
    with pytest.raises(Conflict):
        p001.comment("despacho", "Después de anular", business_key=key)
    with p001.sessions() as session:
        thread = case_comments(session, load_actor(session, "despacho"), key)
        assert session.scalar(select(Case.status).where(Case.business_key == key)) == "cancelled"
    assert ([c.body for c in thread.comments], thread.may_write, thread.closed) == (
        ["Antes de anular"],
        False,
        True,
    )


def test_mentions_are_usernames_after_an_at_sign_not_e_mail_addresses() -> None:
    text = "Hola @Juridica, escriba a despacho@cali.gov.co o a @maria.gomez. ¿@juridica?"
    assert mentioned_usernames(text) == ["juridica", "maria.gomez"]


def test_a_task_comment_is_refused_to_who_cannot_see_or_work_that_task(p001: Engine) -> None:
    """The Secretario works on the case's open task, not on the proposal the despacho made: he
    comments on the case and on his own task, not on the despacho's (nothing is written)."""
    key = start(p001)
    proposal = task_for(p001, key, "proponer_delegado")
    complete(p001, key, "proponer_delegado", "despacho", PROPOSAL)
    approval = task_for(p001, key, "aprobar_delegacion")
    p001.comment("secretario", "Lo reviso mañana.", business_key=key)
    p001.comment("secretario", "Revisando la propuesta.", task_id=approval.id)
    p001.comment("despacho", "Quedo atento.", task_id=approval.id)  # took part in the case
    before = (_count(p001, Comment), _count(p001, Notification), _count(p001, AuditEvent))

    with pytest.raises(Forbidden) as refused:
        p001.comment("secretario", "Falta la hoja de vida.", task_id=proposal.id)

    assert str(refused.value) == (
        f"secretario no puede comentar la tarea «Proponer delegado» del caso {key} "
        "(solo quien la tiene, su grupo y quienes trabajan en el caso)"
    )
    after = (_count(p001, Comment), _count(p001, Notification), _count(p001, AuditEvent))
    assert after == before
    with p001.sessions() as session:
        secretario = load_actor(session, "secretario")
        assert task_comments(session, secretario, proposal.id).may_write is False
        assert task_comments(session, secretario, approval.id).may_write is True
        assert case_comments(session, secretario, key).may_write is True
        despacho = load_actor(session, "despacho")
        assert task_comments(session, despacho, proposal.id).may_write is True

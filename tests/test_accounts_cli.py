"""``flask accounts …``: suspensions from the shell, through the admin page's own rules and
into the same audit log."""

from __future__ import annotations

import getpass

from storefront.extensions import db
from storefront.models import AdminAction, User

from .conftest import PASSWORD


def actions() -> list[AdminAction]:
    return list(db.session.scalars(db.select(AdminAction).order_by(AdminAction.id)))


def test_an_operator_suspends_and_lifts_from_the_shell_into_the_audit_log(
    app, auth, client, viewer, admin_client
):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["accounts", "suspend", " Viewer@Example.org", "--reason", "fraud"])
    assert done.exit_code == 0, done.output
    assert "suspended" in done.output
    db.session.refresh(viewer)
    assert not viewer.active and viewer.suspended_at is not None
    [entry] = actions()
    assert (entry.action, entry.target_id, entry.detail) == ("user.suspend", viewer.id, "fraud")
    assert entry.admin_id is None and entry.operator == getpass.getuser()
    # The audit page says it came from the command line.
    log = admin_client.get("/admin/audit").text
    assert f"Command line ({getpass.getuser()})" in log and "fraud" in log

    lifted = runner.invoke(args=["accounts", "unsuspend", viewer.email])
    assert lifted.exit_code == 0, lifted.output
    db.session.refresh(viewer)
    assert viewer.active and viewer.suspended_at is None
    assert [a.action for a in actions()] == ["user.suspend", "user.unsuspend"]
    assert (
        app.test_client()
        .post("/login", data={"email": viewer.email, "password": PASSWORD})
        .status_code
        == 302
    )


def test_the_shell_is_refused_what_the_page_refuses_with_a_failing_exit_code(app, viewer):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["accounts", "suspend", "nobody@example.org", "--reason", "x"])
    assert unknown.exit_code == 1 and "No account has the address" in unknown.output
    no_reason = runner.invoke(args=["accounts", "suspend", viewer.email])
    assert no_reason.exit_code == 1 and "Say why the account is suspended" in no_reason.output
    not_suspended = runner.invoke(args=["accounts", "unsuspend", viewer.email])
    assert not_suspended.exit_code == 1 and "not suspended" in not_suspended.output
    unknown_lift = runner.invoke(args=["accounts", "unsuspend", "nobody@example.org"])
    assert unknown_lift.exit_code == 1
    twice = [runner.invoke(args=["accounts", "suspend", viewer.email, "--reason", "spam"])]
    twice.append(runner.invoke(args=["accounts", "suspend", viewer.email, "--reason", "spam"]))
    assert [r.exit_code for r in twice] == [0, 1] and "already suspended" in twice[1].output
    assert [a.action for a in actions()] == ["user.suspend"]
    assert db.session.get(User, viewer.id).suspended_at is not None


def test_accounts_are_listed_and_suspended_ones_on_their_own(app, make_user):
    make_user("kept@example.org")
    gone = make_user("gone@example.org")
    make_user("boss@example.org", admin=True)
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["accounts", "suspend", gone.email, "--reason", "spam"]).exit_code == 0
    )
    every = runner.invoke(args=["accounts", "list"])
    assert every.exit_code == 0
    lines = every.stdout.splitlines()
    assert [line.split()[1] for line in lines] == [
        "boss@example.org",
        "gone@example.org",
        "kept@example.org",
    ]
    assert "admin" in lines[0] and "suspended since" in lines[1] and "active" in lines[2]
    only = runner.invoke(args=["accounts", "list", "--suspended"])
    assert [line.split()[1] for line in only.stdout.splitlines()] == ["gone@example.org"]
    found = runner.invoke(args=["accounts", "list", "--search", "KEPT"])
    assert [line.split()[1] for line in found.stdout.splitlines()] == ["kept@example.org"]


def test_making_an_admin_from_the_shell_is_in_the_audit_log(app, viewer):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-admin", viewer.email]).exit_code == 0
    created = runner.invoke(args=["create-admin", "boss@example.org", "--password", PASSWORD])
    assert created.exit_code == 0
    boss = db.session.scalar(db.select(User).filter_by(email="boss@example.org"))
    made = [(a.action, a.target_id, a.operator) for a in actions()]
    assert made == [
        ("user.make_admin", viewer.id, getpass.getuser()),
        ("user.make_admin", boss.id, getpass.getuser()),
    ]
    # Already an admin: nothing changes, nothing is logged.
    assert runner.invoke(args=["create-admin", viewer.email]).exit_code == 0
    assert len(actions()) == 2

"""The fork gate: fork() waits for database blocks in progress, new blocks wait for a pending fork, a block
inside a block never deadlocks against a waiting fork, and a forked child starts with an open gate."""

from __future__ import annotations

import os
import threading

import pytest

from botfactory.db.forkgate import ForkGate, fork_gate

WAIT = 10.0  # bounded waits: generous, never slept through


def test_a_fork_waits_for_the_block_in_progress() -> None:
    gate = ForkGate()
    inside, leave, forked = threading.Event(), threading.Event(), threading.Event()

    def block() -> None:
        with gate.shared():
            inside.set()
            leave.wait(WAIT)

    def fork() -> None:
        with gate.exclusive():
            forked.set()

    threading.Thread(target=block).start()
    assert inside.wait(WAIT)
    forker = threading.Thread(target=fork)
    forker.start()
    assert not forked.wait(0.2), "the fork went ahead while a database block was in progress"
    leave.set()
    assert forked.wait(WAIT)
    forker.join(WAIT)


def test_new_blocks_wait_while_a_fork_is_pending_and_nested_blocks_do_not() -> None:
    gate = ForkGate()
    inside, nested_done, release = threading.Event(), threading.Event(), threading.Event()
    entered_late = threading.Event()

    def outer_block() -> None:
        with gate.shared():
            inside.set()
            release.wait(WAIT)
            with gate.shared():  # a fork is pending now: a nested block must not wait for it
                nested_done.set()

    def late_block() -> None:
        with gate.shared():
            entered_late.set()

    outer = threading.Thread(target=outer_block)
    outer.start()
    assert inside.wait(WAIT)
    holding = threading.Event()
    done_forking = threading.Event()

    def fork() -> None:
        with gate.exclusive():
            holding.set()
            done_forking.wait(WAIT)

    forker = threading.Thread(target=fork)
    forker.start()
    release.set()
    assert nested_done.wait(WAIT), "a nested block deadlocked against the pending fork"
    assert holding.wait(WAIT)
    late = threading.Thread(target=late_block)
    late.start()
    assert not entered_late.wait(0.2), "a new block started while the fork was in progress"
    done_forking.set()
    assert entered_late.wait(WAIT)
    for thread in (outer, forker, late):
        thread.join(WAIT)


def test_forking_from_inside_a_block_does_not_wait_for_itself() -> None:
    gate = ForkGate()
    with gate.shared(), gate.exclusive():
        pass


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_child_starts_with_an_open_gate() -> None:
    read_fd, write_fd = os.pipe()
    with fork_gate.exclusive():
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            ok = threading.Event()

            def block() -> None:
                with fork_gate.shared():
                    ok.set()

            threading.Thread(target=block, daemon=True).start()
            os.write(write_fd, b"1" if ok.wait(5) else b"0")
            os._exit(0)
    os.close(write_fd)
    try:
        assert os.read(read_fd, 1) == b"1", "a database block in the child waited on the parent's fork"
    finally:
        os.close(read_fd)
        os.waitpid(pid, 0)

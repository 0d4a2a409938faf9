"""The dashboard without a browser: sign-in and sessions, CSRF on every form, roles on actions, every page, the
history filters and CSV, and the no-JavaScript flows (forms, redirects, messages)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from botfactory.access import AuditLog, TokenStore
from botfactory.api import create_app
from botfactory.clock import FakeClock, using_clock
from botfactory.db import Database
from botfactory.events.store import EventStore
from tests.acceptance._api_support import Seeded, make_tokens, seed

PAGES = ("/", "/events", "/history", "/bots", "/resources", "/plugins", "/workers")


@pytest.fixture
def site(sqlite_database: Database) -> Iterator[tuple[TestClient, Seeded, dict[str, str]]]:
    data = seed(sqlite_database)
    tokens = make_tokens(sqlite_database)
    with TestClient(create_app(sqlite_database), base_url="http://localhost") as client:
        yield client, data, tokens


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def sign_in(client: TestClient, token: str, next_path: str = "/") -> TestClient:
    form = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"token": token, "csrf": csrf_of(form.text), "next": next_path}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return client


def test_sign_in_session_cookie_and_redirects(site: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, _, tokens = site
    first = client.get("/history?status=ERROR", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/sign-in?next=%2Fhistory%3Fstatus%3DERROR"
    page = client.get(first.headers["location"])
    assert page.status_code == 200 and 'name="next" value="/history?status=ERROR"' in page.text

    bad = client.post("/sign-in", data={"token": "bf_wrong-token-00000000000", "csrf": csrf_of(page.text)})
    assert bad.status_code == 401 and "not valid" in bad.text
    no_csrf = client.post("/sign-in", data={"token": tokens["viewer"], "csrf": "forged"})
    assert no_csrf.status_code == 400 and "bf_session" not in no_csrf.cookies

    form = client.get("/sign-in")
    good = client.post(
        "/sign-in",
        data={"token": tokens["viewer"], "csrf": csrf_of(form.text), "next": "/history?status=ERROR"},
        follow_redirects=False,
    )
    assert good.status_code == 303 and good.headers["location"] == "/history?status=ERROR"
    cookie = next(v for k, v in good.headers.multi_items() if k == "set-cookie" and v.startswith("bf_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert client.get("/").status_code == 200
    assert ("session.sign_in", "token:1:viewer-user") in [
        (e.action, e.actor) for e in AuditLog(client.app.state.services.db).list()
    ]

    # Open redirects are refused: "next" stays on this site.
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        again = client.get("/sign-in", params={"next": target}, follow_redirects=False)
        assert again.headers["location"] == "/"

    # A tampered cookie is no session.
    value = client.cookies["bf_session"]
    token_id, expires, csrf, signature = value.split(".")
    for forged in (
        f"{token_id}.{expires}.{csrf}.{signature[:-3]}AAA",  # signature changed
        f"{token_id}.{int(expires) + 99999}.{csrf}.{signature}",  # expiry stretched
        f"3.{expires}.{csrf}.{signature}",  # another token's id (the admin's)
    ):
        client.cookies.clear()
        client.cookies.set("bf_session", forged)
        assert client.get("/", follow_redirects=False).status_code == 303, forged
    client.cookies.clear()
    client.cookies.set("bf_session", value)
    assert client.get("/", follow_redirects=False).status_code == 200


def test_a_session_ends_after_twelve_hours(site: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, _, tokens = site
    with using_clock(FakeClock()) as fake:
        sign_in(client, tokens["viewer"])
        fake.advance(timedelta(hours=11, minutes=59))
        assert client.get("/", follow_redirects=False).status_code == 200
        fake.advance(timedelta(minutes=2))
        expired = client.get("/events", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"].startswith("/sign-in")


def test_revoking_the_token_ends_the_session(site: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, _, tokens = site
    sign_in(client, tokens["editor"])
    assert client.get("/").status_code == 200
    TokenStore(client.app.state.services.db).revoke(2)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_every_page_renders_for_a_viewer_without_action_buttons(
    site: tuple[TestClient, Seeded, dict[str, str]],
) -> None:
    client, data, tokens = site
    sign_in(client, tokens["viewer"])
    extra = (f"/events/{data.event_ids[0]}", f"/history/{data.history_ids[0]}", f"/bots/{data.bot_ids[0]}")
    for path in PAGES + extra:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert "Run now" not in page.text and ">Cancel<" not in page.text and ">Pause<" not in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["x-frame-options"] == "DENY"
    assert client.get("/events/999999").status_code == 404
    assert client.get("/history/999999").status_code == 404
    assert client.get("/nowhere").status_code == 404
    # A viewer's POST is refused even with a valid CSRF token.
    csrf = csrf_of(client.get("/events").text)
    refused = client.post(f"/events/{data.event_ids[-1]}/cancel", data={"csrf": csrf})
    assert refused.status_code == 403 and "editor" in refused.text


def test_editor_actions_need_csrf_and_show_a_message(site: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, data, tokens = site
    sign_in(client, tokens["editor"])
    events = EventStore(client.app.state.services.db)
    target = data.event_ids[-1]
    page = client.get("/events")
    assert f'action="/events/{target}/cancel"' in page.text
    assert client.post(f"/events/{target}/cancel", data={}).status_code == 403
    assert client.post(f"/events/{target}/cancel", data={"csrf": "wrong"}).status_code == 403
    assert events.get_event(target).state == "pending"

    csrf = csrf_of(page.text)
    done = client.post(
        f"/events/{target}/run-now", data={"csrf": csrf, "return_to": "/events?state=pending"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/events?state=pending"
    assert "is due now" in client.get(done.headers["location"]).text
    client.post(f"/events/{target}/cancel", data={"csrf": csrf, "return_to": "https://evil.example/"})
    assert events.get_event(target).state == "cancelled"
    again = client.post(f"/events/{target}/cancel", data={"csrf": csrf})
    assert "was not cancelled" in again.text  # the conflict shows as a message, not an error page

    bot = data.bot_ids[0]
    paused = client.post(f"/bots/{bot}/pause", data={"csrf": csrf})
    assert paused.status_code == 200 and "is now PAUSED" in paused.text
    assert "Resume" in client.get(f"/bots/{bot}").text
    ran = client.post(f"/bots/{bot}/run", data={"csrf": csrf, "dry_run": "true"})
    assert "Dry run finished" in ran.text
    client.post(f"/bots/{bot}/resume", data={"csrf": csrf})
    assert "Pause" in client.get(f"/bots/{bot}").text

    bulk = client.post("/events/cancel", data={"csrf": csrf, "bot_id": str(bot)})
    assert "Cancelled" in bulk.text
    assert client.post("/plugins/anything/disable", data={"csrf": csrf}).status_code == 403  # admin only
    actions = [e.action for e in AuditLog(client.app.state.services.db).list()]
    assert {"event.run_now", "event.cancel", "bot.pause", "bot.resume", "event.cancel_many"} <= set(actions)

    # Signing out needs the CSRF token too.
    client.post("/sign-out", data={"csrf": "wrong"})
    assert client.get("/", follow_redirects=False).status_code == 200
    client.post("/sign-out", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_history_filters_and_csv(site: tuple[TestClient, Seeded, dict[str, str]]) -> None:
    client, data, tokens = site
    sign_in(client, tokens["viewer"])
    bot = data.bot_ids[0]
    page = client.get("/history", params={"bot_id": bot, "event_type": "divvy.stop_resource", "status": "ERROR"})
    rows = re.findall(r'<a href="/history/(\d+)">', page.text)
    assert rows
    assert page.text.count('class="badge b-error">ERROR<') == len(rows)
    store = EventStore(client.app.state.services.db)
    for history_id in rows:
        record = next(h for h in store.list_history(limit=0) if h.id == int(history_id))
        assert record.bot_id == str(bot) and record.event_type == "divvy.stop_resource" and record.status == "ERROR"
    today = client.get("/history", params={"since": "2000-01-01", "until": "2999-12-31"})
    assert len(re.findall(r'<a href="/history/(\d+)">', today.text)) == 50  # one page
    older = re.search(r'href="(\?[^"]*before_id=\d+)"', today.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert client.get("/history" + older).status_code == 200
    assert client.get("/history", params={"since": "2026-02-31"}).status_code == 422
    assert client.get("/history", params={"status": "BOGUS"}).status_code == 422

    exported = client.get("/history.csv", params={"bot_id": bot})
    assert exported.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert lines and {line["bot_id"] for line in lines} == {str(bot)}

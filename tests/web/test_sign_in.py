"""Sign-in, sessions and CSRF: cookies, fixation, idle expiry, revocation, throttling, logs."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.web.conftest import PAGE, Site, csrf_of, sign_in
from web.schema import sessions_table, web_metadata
from web.sessions import SessionStore, SignInThrottle
from workflow.service import revoke_token


def test_sign_in_sets_a_strict_httponly_session_cookie(site: Site) -> None:
    client = site.client()
    form = client.get("/sign-in")
    assert form.status_code == 200 and "用户名" in form.text and "令牌" in form.text
    done = sign_in(client, site, "zhang.san")
    assert (done.status_code, done.headers["location"]) == (303, "/inbox")
    cookie = next(h for h in done.headers.get_list("set-cookie") if "jixiao_session=" in h)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain HTTP here; see the next test
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and "我的待办" in inbox.text
    assert "姑苏区红十字会" in inbox.text and "提交" in inbox.text


def test_cookies_are_secure_over_https_or_when_set_so(site: Site) -> None:
    # Behind a TLS proxy that does not say so, the setting marks them Secure anyway.
    form = site.client(secure_cookies=True).get("/sign-in")
    assert "secure" in form.headers["set-cookie"].lower()
    https = site.client()
    https.base_url = https.base_url.copy_with(scheme="https")
    cookie = sign_in(https, site, "zhang.san").headers["set-cookie"]
    assert "jixiao_session=" in cookie and "secure" in cookie.lower()


def test_a_wrong_token_shows_the_form_again_with_one_line(site: Site) -> None:
    client = site.client()
    form = client.get("/sign-in")
    out = client.post(
        "/sign-in",
        data={"user_id": "zhang.san", "token": "0000.wrong", "csrf_token": csrf_of(form)},
    )
    assert out.status_code == 401
    assert "user &#39;zhang.san&#39;: unknown user or token" in out.text
    assert "jixiao_session" not in client.cookies
    # What the visitor typed comes back escaped.
    typed = "<script>alert(1)</script>"
    out = client.post(
        "/sign-in", data={"user_id": typed, "token": "x", "csrf_token": csrf_of(form)}
    )
    assert out.status_code == 401 and typed not in out.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.text


def test_sign_in_gives_a_new_session_id_and_ends_the_one_before(site: Site) -> None:
    client = site.client()
    client.cookies.set("jixiao_session", "planted-by-someone-else", domain="testserver.local")
    sign_in(client, site, "zhang.san")
    first = client.cookies["jixiao_session"]
    assert first != "planted-by-someone-else"
    sign_in(client, site, "li.si")
    second = client.cookies["jixiao_session"]
    assert second != first
    stale = site.client()
    stale.cookies.set("jixiao_session", first)
    out = stale.get("/inbox", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?next=/inbox")
    # The report page finds its caller in its own thread (web.dependencies.SignedIn): a
    # stale cookie is sent to sign in there too.
    out = stale.get("/reports/gusu-rc/2021", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (
        303,
        "/sign-in?next=/reports/gusu-rc/2021",
    )
    with site.store.engine.connect() as connection:
        rows = connection.execute(sa.select(sessions_table.c.user_id)).scalars().all()
    assert rows == ["li.si"]


def test_forms_without_their_csrf_token_are_refused(site: Site) -> None:
    client = site.client()
    form = client.get("/sign-in")
    who = site.users["zhang.san"]
    out = client.post("/sign-in", data={"user_id": who.user_id, "token": who.token})
    assert out.status_code == 403 and "csrf_token: missing or wrong" in out.text
    out = client.post(
        "/sign-in",
        data={"user_id": who.user_id, "token": who.token, "csrf_token": csrf_of(form) + "x"},
    )
    assert out.status_code == 403
    sign_in(client, site, "zhang.san")
    before = site.head()
    out = client.post(f"{PAGE}/submit", data={"revision": "1"})
    assert out.status_code == 403 and "csrf_token: missing or wrong" in out.text
    out = client.post(f"{PAGE}/submit", data={"revision": "1", "csrf_token": "forged"})
    assert out.status_code == 403
    assert client.post("/sign-out", data={}).status_code == 403
    assert site.head() == before
    # A signed-in browser calling the API must send the token in a header to change anything.
    api = client.post(f"/api/v1{PAGE}/commands/submit-report", json={})
    assert api.status_code == 403
    assert api.json() == {
        "error": "X-CSRF-Token: missing or wrong, expected the session's CSRF token with every "
        "change made from a signed-in browser",
        "field": "X-CSRF-Token",
    }
    assert client.get(f"/api/v1{PAGE}").status_code == 200  # reads need no token
    token = csrf_of(client.get(PAGE))
    sent = client.post(
        f"/api/v1{PAGE}/commands/submit-report", json={}, headers={"X-CSRF-Token": token}
    )
    assert sent.status_code == 200 and sent.json()["events"] == ["ReportSubmitted"]


def test_sign_out_ends_the_session(site: Site) -> None:
    client = site.client()
    sign_in(client, site, "zhang.san")
    session = client.cookies["jixiao_session"]
    token = csrf_of(client.get("/inbox"))
    out = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
    again = site.client()
    again.cookies.set("jixiao_session", session)
    assert again.get("/inbox", follow_redirects=False).status_code == 303


def test_an_idle_session_expires(site: Site) -> None:
    client = site.client(session_idle=timedelta(seconds=1))
    sign_in(client, site, "zhang.san")
    assert client.get("/inbox", follow_redirects=False).status_code == 200
    time.sleep(1.3)
    out = client.get("/inbox", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?next=/inbox")


def test_a_revoked_token_ends_its_sessions(site: Site) -> None:
    browsers = [site.client(), site.client()]
    for browser in browsers:
        sign_in(browser, site, "zhang.san")
        assert browser.get("/inbox", follow_redirects=False).status_code == 200
    assert site.client().get("/api/v1/me", headers=site.bearer("zhang.san")).status_code == 200
    token_id = site.users["zhang.san"].token.partition(".")[0]
    revoke_token(site.store, site.users["admin"], "zhang.san", token_id)
    out = browsers[0].get("/inbox", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/sign-in?next=/inbox")
    with site.store.engine.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(sessions_table)).scalar() == 0
        )
    assert browsers[1].get("/inbox", follow_redirects=False).status_code == 303
    api = site.client().get("/api/v1/me", headers=site.bearer("zhang.san"))
    assert api.status_code == 401 and "unknown user or token" in api.json()["error"]


def _fail(client, form, user: str) -> int:
    data = {"user_id": user, "token": "0000.wrong", "csrf_token": csrf_of(form)}
    return client.post("/sign-in", data=data).status_code


def test_failed_sign_ins_are_throttled_per_user_and_logged(site: Site, caplog) -> None:
    caplog.set_level(logging.INFO, logger="jixiao.web.signin")
    client = site.client()
    form = client.get("/sign-in")
    assert [_fail(client, form, "zhang.san") for _ in range(5)] == [401] * 5
    # The sixth try waits, even with the right token, and so does the API.
    refused = sign_in(client, site, "zhang.san")
    assert refused.status_code == 429
    assert "user &#39;zhang.san&#39;: 5 failed sign-ins in the last 15 minutes" in refused.text
    api = site.client().get("/api/v1/me", headers=site.bearer("zhang.san"))
    assert api.status_code == 429 and api.json()["field"] == "user_id"
    # Another user is not held back.
    assert sign_in(site.client(), site, "li.si").status_code == 303
    messages = [r.getMessage() for r in caplog.records if r.name == "jixiao.web.signin"]
    assert messages.count("sign-in failed: user=zhang.san address=testclient via=page") == 5
    assert "sign-in throttled: user=zhang.san address=testclient via=page" in messages
    assert "sign-in: user=li.si address=testclient via=page" in messages


def test_failed_sign_ins_are_throttled_per_address(site: Site) -> None:
    client = site.client(max_failures_per_address=3)
    form = client.get("/sign-in")
    for user in ("zhang.san", "li.si", "nobody"):
        assert _fail(client, form, user) == 401
    out = sign_in(client, site, "wang.wu")
    assert out.status_code == 429 and "address testclient: 3 failed sign-ins" in out.text


def test_bad_bearer_tokens_count_towards_the_throttle(site: Site) -> None:
    client = site.client(max_failures_per_user=2)
    wrong = {"Authorization": "Bearer wang.wu:0000.wrong"}
    assert [client.get("/api/v1/me", headers=wrong).status_code for _ in range(2)] == [401, 401]
    assert client.get("/api/v1/me", headers=site.bearer("wang.wu")).status_code == 429


def test_the_throttle_counts_failures_within_its_window_on_each_backend(database_url) -> None:
    """The counts are one driver statement (decision 0620), its moment bound as the column
    binds it: a failure just inside the window counts, one just outside does not, on SQLite
    (moments as text) and PostgreSQL alike."""
    engine = sa.create_engine(database_url)
    web_metadata.create_all(engine)
    now = [datetime(2022, 3, 1, 9, 0, tzinfo=UTC)]
    window = timedelta(minutes=15)
    throttle = SignInThrottle(
        engine, per_user=2, per_address=3, window=window, clock=lambda: now[0]
    )
    try:
        throttle.failed("zhang.san", "10.0.0.1")
        throttle.failed("zhang.san", "10.0.0.2")
        throttle.failed("li.si", "10.0.0.2")
        assert throttle.refusal("wang.wu", "10.0.0.9") is None
        assert "zhang.san" in (throttle.refusal("zhang.san", "10.0.0.9") or "")
        assert "address 10.0.0.2: 2" in (
            SignInThrottle(
                engine, per_user=9, per_address=2, window=window, clock=lambda: now[0]
            ).refusal("wang.wu", "10.0.0.2")
            or ""
        )
        now[0] += window - timedelta(microseconds=1)
        assert throttle.refusal("zhang.san", "10.0.0.9") is not None
        now[0] += timedelta(microseconds=1)
        assert throttle.refusal("zhang.san", "10.0.0.9") is None
    finally:
        engine.dispose()


def test_a_session_is_found_touched_and_idled_out_on_each_backend(database_url) -> None:
    """A session is found by one driver statement, its last_seen read as the column reads
    it: on SQLite (moments as text) and PostgreSQL alike it is found until it has been idle
    too long, a request after the touch interval moves last_seen on, and a session idle
    past the limit is gone, row and all."""
    engine = sa.create_engine(database_url)
    web_metadata.create_all(engine)
    now = [datetime(2022, 3, 1, 9, 0, tzinfo=UTC)]
    sessions = SessionStore(engine, timedelta(minutes=30), clock=lambda: now[0])
    try:
        cookie, started = sessions.start("zhang.san", "tok1", "10.0.0.1")
        found = sessions.find(cookie)
        assert found is not None
        assert (found.user_id, found.token_id, found.csrf) == ("zhang.san", "tok1", started.csrf)
        assert sessions.find("not-a-session") is None and sessions.find(None) is None
        # Within the idle limit, past the touch interval: found, and last_seen moved on.
        now[0] += timedelta(minutes=29)
        assert sessions.find(cookie) is not None
        now[0] += timedelta(minutes=29)
        assert sessions.find(cookie) is not None
        # Idle past the limit since that touch: gone.
        now[0] += timedelta(minutes=30, microseconds=1)
        assert sessions.find(cookie) is None
        with engine.connect() as connection:
            left = connection.execute(sa.select(sa.func.count()).select_from(sessions_table))
            assert left.scalar_one() == 0
    finally:
        engine.dispose()

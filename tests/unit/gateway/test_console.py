"""The web console without a browser: accounts and lockout on a manual clock, and the Flask application on the
in-memory twins (login, sessions, CSRF, roles, security headers, message book filters, the resend action)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

import mappings
import trust
from gateway.adapters.clock import ManualClock
from gateway.adapters.persistence import MemoryMessageRepository
from gateway.core.console_settings import ConsoleSettings
from gateway.core.domain import Envelope, MessageStatus, Receipt
from gateway.core.errors import ConfigInvalid, DuplicateConflict, EnvelopeInvalid, OperatorUnauthenticated, SenderMismatch
from gateway.core.ports import Actor, ActorKind, Role
from gateway.core.settings import parse_settings
from gateway.pipeline.accounts import ConsoleAccounts
from gateway.transports.console import ConsoleContext, create_app
from tests.unit.gateway.twins import SETUP, START, Twins, twins
from trust import CertificateRole, devpki

PASSWORD = "a long enough password"
ADMIN = Actor(ActorKind.OS_USER, "root (uid=0)")


def _accounts(clock: ManualClock, repository: MemoryMessageRepository | None = None) -> ConsoleAccounts:
    repository = repository or MemoryMessageRepository()
    return ConsoleAccounts(accounts=repository, audit=repository, clock=clock, lockout_failures=3,
                           lockout=timedelta(minutes=15))


def test_a_password_is_stored_only_as_an_argon2id_hash_and_checked() -> None:
    accounts = _accounts(ManualClock(START))
    account = accounts.add("alice", Role.OPERATOR, PASSWORD, actor=ADMIN)
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    assert accounts.authenticate("alice", PASSWORD).role is Role.OPERATOR
    with pytest.raises(OperatorUnauthenticated, match="wrong name or password"):
        accounts.authenticate("alice", PASSWORD + "!")
    with pytest.raises(OperatorUnauthenticated, match="wrong name or password"):
        accounts.authenticate("mallory", PASSWORD)  # the same answer for a name that does not exist
    with pytest.raises(DuplicateConflict):
        accounts.add("alice", Role.VIEWER, PASSWORD, actor=ADMIN)


@pytest.mark.parametrize(("name", "password", "field"), [
    ("alice", "short", "password"), ("", PASSWORD, "name"), ("a b", PASSWORD, "name"), ("x" * 65, PASSWORD, "name"),
])
def test_weak_passwords_and_odd_names_are_refused_at_their_field(name: str, password: str, field: str) -> None:
    with pytest.raises(EnvelopeInvalid) as refused:
        _accounts(ManualClock(START)).add(name, Role.VIEWER, password, actor=ADMIN)
    assert refused.value.field_path == field


def test_repeated_failures_lock_the_account_until_the_lock_ends() -> None:
    clock = ManualClock(START)
    repository = MemoryMessageRepository()
    accounts = _accounts(clock, repository)
    accounts.add("olga", Role.OPERATOR, PASSWORD, actor=ADMIN)
    for _ in range(2):
        with pytest.raises(OperatorUnauthenticated, match="wrong name or password"):
            accounts.authenticate("olga", "guess guess guess")
    with pytest.raises(OperatorUnauthenticated, match="locked after 3 failures"):
        accounts.authenticate("olga", "guess guess guess")
    with pytest.raises(OperatorUnauthenticated, match="locked"):
        accounts.authenticate("olga", PASSWORD)  # even the right password, while locked
    clock.advance(timedelta(minutes=15, seconds=1))
    assert accounts.authenticate("olga", PASSWORD).failed_logins == 0
    actions = [(e.action, e.actor, e.actor_kind) for e in repository.list_audit(limit=100)]
    assert ("console.lockout", "olga", "console-account") in actions
    assert actions[-1] == ("console.login", "olga", "console-account")
    assert actions[0] == ("console.account.add", ADMIN.name, "os-user")


def test_a_success_resets_the_failure_count_and_an_unlock_lifts_a_lock() -> None:
    clock = ManualClock(START)
    accounts = _accounts(clock)
    accounts.add("olga", Role.OPERATOR, PASSWORD, actor=ADMIN)
    for _ in range(2):
        with pytest.raises(OperatorUnauthenticated):
            accounts.authenticate("olga", "nope nope nope")
    accounts.authenticate("olga", PASSWORD)
    for _ in range(2):
        with pytest.raises(OperatorUnauthenticated, match="wrong name or password"):
            accounts.authenticate("olga", "nope nope nope")  # counting starts again after the success
    with pytest.raises(OperatorUnauthenticated, match="locked"):
        accounts.authenticate("olga", "nope nope nope")
    accounts.unlock("olga", actor=ADMIN)
    assert accounts.authenticate("olga", PASSWORD).name == "olga"


def test_roles_are_ordered() -> None:
    assert Role.ADMINISTRATOR.allows(Role.OPERATOR) and Role.OPERATOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.OPERATOR) and not Role.OPERATOR.allows(Role.ADMINISTRATOR)


# -- settings ------------------------------------------------------------------------------------------------


def _settings(console: dict[str, Any]) -> ConsoleSettings:
    data = {"gateway": {"party": "CN"}, "signing": {"key": "k", "certificate": "c"},
            "partner_listener": {"address": "127.0.0.1:0", "tls_key": "k", "tls_certificate": "c"},
            "domestic_listener": {"address": "127.0.0.1:0"}, "console": console}
    return parse_settings(data, Path("/etc/swgw")).console


def test_the_console_is_off_by_default_and_plain_http_only_on_loopback() -> None:
    assert _settings({}) == ConsoleSettings() and not ConsoleSettings().enabled
    assert _settings({"enabled": True}).listen.startswith("127.0.0.1:")
    with pytest.raises(ConfigInvalid) as refused:
        _settings({"enabled": True, "listen": "0.0.0.0:8480"})
    assert refused.value.field_path == "console.listen"
    tls = _settings({"enabled": True, "listen": "0.0.0.0:8443", "tls_key": "c.key", "tls_certificate": "c.pem"})
    assert tls.tls and tls.tls_certificate == "/etc/swgw/c.pem"


@pytest.mark.parametrize(("console", "field"), [
    ({"colour": "blue"}, "console.colour"), ({"tls_key": "k"}, "console.tls_key"),
    ({"session_minutes": 0}, "console.session_minutes"), ({"lockout_failures": True}, "console.lockout_failures"),
])
def test_console_settings_refuse_unknown_and_bad_keys(console: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        _settings(console)
    assert refused.value.field_path == field


# -- the web application -------------------------------------------------------------------------------------


@pytest.fixture
def net(tmp_path: Path) -> Twins:
    return twins(tmp_path)


def _app(net: Twins, **settings: Any) -> tuple[FlaskClient, ConsoleAccounts]:
    accounts = ConsoleAccounts(accounts=net.cn.messages, audit=net.cn.messages, clock=net.clock)
    for name, role in (("alice", Role.ADMINISTRATOR), ("olga", Role.OPERATOR), ("victor", Role.VIEWER)):
        accounts.add(name, role, PASSWORD, actor=ADMIN)
    app = create_app(ConsoleContext(operations=net.cn.operations, accounts=accounts, clock=net.clock,
                                    settings=ConsoleSettings(enabled=True, **settings)))
    return app.test_client(), accounts


def _token(html: str, form: str = "") -> str:
    """The CSRF token of the first form (of the form with ``form`` in its tag)."""
    found = re.search(form + r'[^<]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _login(client: FlaskClient, name: str) -> None:
    token = _token(client.get("/login").text, 'class="login"')
    response = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert response.status_code == 302, response.text


def test_pages_need_a_login_and_the_login_form_its_csrf_token(net: Twins) -> None:
    client, _ = _app(net)
    response = client.get("/messages?state=FAILED")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    # A login form posted from elsewhere carries no token matching the cookie.
    refused = client.post("/login", data={"csrf_token": "forged", "name": "alice", "password": PASSWORD})
    assert refused.status_code == 403
    token = _token(client.get("/login").text)
    wrong = client.post("/login", data={"csrf_token": token, "name": "alice", "password": "not it at all"})
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    # After login the browser goes where it wanted, but never to another site.
    ok = client.post("/login?next=//evil.example/", data={"csrf_token": token, "name": "alice",
                                                          "password": PASSWORD})
    assert ok.headers["Location"] == "/"
    cookie = next(c for c in ok.headers.getlist("Set-Cookie") if c.startswith("swgw-console="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


def test_under_tls_the_session_cookie_is_secure_and_host_only(net: Twins) -> None:
    client, _ = _app(net, listen="0.0.0.0:8443", tls_key="k", tls_certificate="c")
    token = _token(client.get("/login", base_url="https://localhost").text)
    ok = client.post("/login", base_url="https://localhost",
                     data={"csrf_token": token, "name": "alice", "password": PASSWORD})
    cookie = next(c for c in ok.headers.getlist("Set-Cookie") if c.startswith("__Host-swgw-console="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie


def test_sessions_end_after_their_idle_lifetime_and_at_logout(net: Twins) -> None:
    client, _ = _app(net, session_minutes=10)
    _login(client, "victor")
    net.clock.advance(timedelta(minutes=9))
    assert client.get("/").status_code == 200  # a request moves the expiry on
    net.clock.advance(timedelta(minutes=9))
    assert client.get("/").status_code == 200
    net.clock.advance(timedelta(minutes=11))
    assert client.get("/").status_code == 302
    _login(client, "victor")
    token = _token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def _failed_message(net: Twins) -> str:
    def refusing(envelope: Envelope) -> Receipt:
        raise SenderMismatch("not today", partner="CN")

    net.transport.connect("HK", refusing)
    message_id = net.submit(mappings.load_example("coo-cn-hk", issued_on=START.date()))
    net.deliver_due()
    assert net.cn.messages.get(message_id).status is MessageStatus.FAILED
    return message_id


def test_resend_needs_the_operator_role_a_confirm_step_and_the_csrf_token(net: Twins) -> None:
    message_id = _failed_message(net)
    client, _ = _app(net)
    _login(client, "victor")
    assert client.get(f"/messages/{message_id}/resend").status_code == 403
    token = _token(client.get("/").text)
    assert client.post(f"/messages/{message_id}/resend", data={"csrf_token": token}).status_code == 403
    assert net.cn.messages.get(message_id).status is MessageStatus.FAILED

    _login(client, "olga")
    confirm = client.get(f"/messages/{message_id}/resend")
    assert confirm.status_code == 200 and "Resend message" in confirm.text
    assert net.cn.messages.get(message_id).status is MessageStatus.FAILED  # showing the confirm page does nothing
    assert client.post(f"/messages/{message_id}/resend", data={}).status_code == 403  # no CSRF token
    assert client.post(f"/messages/{message_id}/resend", data={"csrf_token": "guess"}).status_code == 403
    assert net.cn.messages.get(message_id).status is MessageStatus.FAILED
    done = client.post(f"/messages/{message_id}/resend", data={"csrf_token": _token(confirm.text)})
    assert done.status_code == 302
    assert net.cn.messages.get(message_id).status is MessageStatus.QUEUED
    last = net.cn.operations.audit_entries(limit=1000)[-1]
    assert (last.action, last.actor, last.actor_kind) == ("message.resend", "olga", "console-account")
    assert "is queued again" in client.get(f"/messages/{message_id}").text


def _rows(html: str) -> int:
    """Messages listed in the book's table."""
    return html.count("<td>outbound</td>")


def test_the_message_book_filters_and_pages(net: Twins) -> None:
    net.connect()
    ids = []
    for number in range(30):
        record = mappings.load_example("coo-cn-hk", issued_on=START.date())
        record["certificate"]["number"] = f"BOOK-{number:03d}"
        ids.append(net.submit(record))
        net.clock.advance(timedelta(seconds=1))
    client, _ = _app(net)
    _login(client, "victor")
    first = client.get("/messages?partner=HK")
    assert _rows(first.text) == 25 and "Next page" in first.text and "BOOK-029" in first.text
    second = client.get("/messages?partner=HK&page=2")
    assert _rows(second.text) == 5 and "Next page" not in second.text and "BOOK-000" in second.text
    assert _rows(client.get("/messages?key=BOOK-007").text) == 1
    assert "No message matches" in client.get("/messages?state=FAILED").text
    since = (START + timedelta(seconds=28)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _rows(client.get(f"/messages?since={since}").text) == 2
    assert client.get("/messages?state=NOT-A-STATE").status_code == 400
    timeline = client.get(f"/messages/{ids[0]}")
    assert "QUEUED" in timeline.text and "Document (" in timeline.text
    document = client.get(f"/messages/{ids[0]}/document")
    assert document.headers["Content-Disposition"].startswith("attachment;") and document.data.startswith(b"<")
    assert client.get("/messages/nope").status_code == 404


def _upload_form(client: FlaskClient, path: str, field: str, data: bytes, **fields: str) -> Any:
    from io import BytesIO

    token = _token(client.get(path).text, "multipart/form-data")
    return client.post(path, data={"csrf_token": token, field: (BytesIO(data), "upload.pem"), **fields},
                       content_type="multipart/form-data")


def test_adding_a_certificate_shows_it_first_and_adds_it_only_when_confirmed(net: Twins) -> None:
    client, _ = _app(net)
    new_ca = devpki.create_ca("HK Next CA", at=START - timedelta(days=1), organization="HK")
    pem = new_ca.certificate.public_bytes(Encoding.PEM)
    _login(client, "olga")
    assert client.get("/trust/add").status_code == 403  # an operator may not add trust
    _login(client, "alice")
    preview = _upload_form(client, "/trust/add", "certificate", pem, partner="HK", role="anchor")
    fingerprint = trust.fingerprint(new_ca.certificate)
    assert preview.status_code == 200 and fingerprint in preview.text and "CN=HK Next CA" in preview.text
    assert fingerprint not in [r.fingerprint for r in net.cn.trustbook.records("HK")]
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', preview.text))
    assert hidden["confirmed"] == "yes"
    added = client.post("/trust/add", data={**hidden, "csrf_token": _token(preview.text, 'action="/trust/add"')})
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/trust/HK/{fingerprint}")
    assert fingerprint in [r.fingerprint for r in net.cn.trustbook.records("HK")]
    last = net.cn.operations.audit_entries(limit=1000)[-1]
    assert (last.actor, last.actor_kind) == ("alice", "console-account")

    # An end-entity certificate as anchor: the preview says so and the confirmed add is refused, naming the code.
    leaf = devpki.issue_certificate(new_ca, "hk-signing", at=START - timedelta(days=1), usage="signing")
    preview = _upload_form(client, "/trust/add", "certificate", leaf.certificate.public_bytes(Encoding.PEM),
                           partner="HK", role="anchor")
    assert "is not a CA certificate" in preview.text
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', preview.text))
    refused = client.post("/trust/add", data={**hidden, "csrf_token": _token(preview.text, 'action="/trust/add"')})
    assert refused.status_code == 400 and "TRUST_ANCHOR_NOT_CA" in refused.text
    assert _upload_form(client, "/trust/add", "certificate", b"not a certificate", partner="HK",
                        role="anchor").status_code == 400


def test_a_crl_is_shown_then_imported_and_a_bad_one_refused(net: Twins) -> None:
    client, _ = _app(net)
    ca = devpki.create_ca("HK Test CA", at=START - timedelta(days=1), organization="HK")
    net.cn.operations.add_trust("HK", ca.certificate.public_bytes(Encoding.DER), role=CertificateRole.ANCHOR,
                                actor=SETUP)
    leaf = devpki.issue_certificate(ca, "hk-old", at=START - timedelta(days=1), usage="signing")
    crl = devpki.issue_crl(ca, [(leaf.certificate, START - timedelta(hours=1))], at=START - timedelta(minutes=5))
    _login(client, "victor")
    assert client.get("/trust/crl").status_code == 403
    _login(client, "olga")
    preview = _upload_form(client, "/trust/crl", "crl", crl, partner="HK")
    assert preview.status_code == 200 and "CN=HK Test CA" in preview.text and "Revoked serials" in preview.text
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', preview.text))
    done = client.post("/trust/crl", data={**hidden, "csrf_token": _token(preview.text, 'action="/trust/crl"')})
    assert done.status_code == 302
    assert "1 revoked serials" in client.get(done.headers["Location"]).text
    assert net.cn.operations.audit_entries(limit=1000)[-1].actor == "olga"
    altered = dict(hidden, crl_b64="!!not base64!!")
    refused = client.post("/trust/crl", data={**altered, "csrf_token": _token(preview.text, 'action="/trust/crl"')})
    assert refused.status_code == 400



def test_a_certificate_added_with_a_start_time_is_pending_until_then(net: Twins) -> None:
    client, _ = _app(net)
    _login(client, "alice")
    next_ca = devpki.create_ca("HK 2027 CA", at=START - timedelta(days=1), organization="HK")
    start = (START + timedelta(days=30)).replace(second=0)
    preview = _upload_form(client, "/trust/add", "certificate", next_ca.certificate.public_bytes(Encoding.PEM),
                           partner="HK", role="anchor", valid_from=start.strftime("%Y-%m-%dT%H:%M"))
    assert f"pending until {start:%Y-%m-%d %H:%M} UTC" in preview.text
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)"', preview.text))
    client.post("/trust/add", data={**hidden, "csrf_token": _token(preview.text, 'action="/trust/add"')})
    record = next(r for r in net.cn.trustbook.records("HK") if r.fingerprint == trust.fingerprint(next_ca.certificate))
    assert (record.state.value, record.valid_from_use) == ("pending", start)
    bad = _upload_form(client, "/trust/add", "certificate", next_ca.certificate.public_bytes(Encoding.PEM),
                       partner="HK", role="anchor", valid_from="next tuesday")
    assert bad.status_code == 400 and "REQUEST_MALFORMED" in bad.text and "valid_from" in bad.text


def test_a_changed_role_and_a_removed_account_take_effect_at_the_next_request(net: Twins) -> None:
    client, accounts = _app(net)
    _login(client, "olga")
    assert client.get("/trust/crl").status_code == 200
    accounts.set_role("olga", Role.VIEWER, actor=ADMIN)
    assert client.get("/trust/crl").status_code == 403
    accounts.remove("olga", actor=ADMIN)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(("name", "safe"), [
    ('a"; filename="evil.exe', "afilenameevil.exe"), ("../../etc/passwd", "etcpasswd"), ("..", "download"),
    ("证书.pdf", "pdf"), ("ok-1_2.xml", "ok-1_2.xml"),
])
def test_download_names_chosen_by_senders_are_made_safe(name: str, safe: str) -> None:
    from gateway.transports.console.pages_messages import _safe_name

    assert _safe_name(name, "download") == safe

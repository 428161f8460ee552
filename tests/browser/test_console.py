"""The web console in a real browser: log in, find a message, follow its timeline, revoke a partner's CA and see
its next document refused, a viewer refused an operator action, lockout, CSRF refusal, and accessibility basics
(labels, keyboard reach, visible focus). Screenshots of the main pages are saved as artifacts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from gateway._generated.swgw.v1 import envelope_pb2 as pb
from gateway.app import console_accounts
from gateway.core.domain import DocumentType
from gateway.core.ports import Actor, ActorKind, Role
from gateway.tools.cli import main as swgw
from tests.conftest import tools_required
from tests.integration.network import Network, example, record_bytes, running_network, wait_for

PASSWORD = "correct horse battery"
FINAL = (pb.MESSAGE_STATUS_DELIVERED, pb.MESSAGE_STATUS_REJECTED, pb.MESSAGE_STATUS_FAILED)


def _console(party: str, data: dict[str, Any]) -> None:
    if party == "HK":
        data["console"] = {"enabled": True, "listen": "127.0.0.1:0", "lockout_failures": 3}


def _send(network: Network, number: str) -> pb.MessageSummary:
    record = example("coo-cn-hk")
    record["certificate"]["number"] = number
    with network.client("CN") as cn:
        response = cn.submit("HK", DocumentType.CERTIFICATE_OF_ORIGIN, record_bytes(record))
        return wait_for(lambda: (s := cn.status(response.message_id)).status in FINAL and s)  # type: ignore[no-any-return]


def _by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def _login(driver: Any, base: str, name: str, password: str = PASSWORD) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login")
    driver.find_element(_by("ID"), "name").send_keys(name)
    driver.find_element(_by("ID"), "password").send_keys(password)
    _click(driver, driver.find_element(_by("CSS_SELECTOR"), "form.login button"))


def _click(driver: Any, element: Any) -> None:
    """Click a link or button and wait until its page is replaced (a click does not wait for the answer)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(_by("TAG_NAME"), "html")
    element.click()
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(page))


def _text(driver: Any) -> str:
    return str(driver.find_element(_by("TAG_NAME"), "main").text)


def _check_labels(driver: Any) -> None:
    """Every visible form control has a <label for> or an aria-label (accessibility basics), and axe-core finds no
    WCAG 2 A/AA violation."""
    unlabelled = driver.execute_script("""
        return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
          .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.getAttribute('aria-label'))
          .map(e => e.outerHTML);""")
    assert unlabelled == [], f"{driver.current_url}: controls without a label: {unlabelled}"
    _axe(driver)


#: axe-core, the accessibility engine browsers' own audits build on, pinned in tests/interop/package.json.
AXE = Path(__file__).resolve().parent.parent / "interop" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(driver: Any) -> None:
    """No WCAG 2 A/AA violation that axe-core finds on the current page."""
    driver.execute_script(AXE.read_text())
    violations = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})
           .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
           .catch(e => done(['axe failed: ' + e]));""")
    assert violations == [], f"{driver.current_url}: {violations}"


def _tab_to(driver: Any, text: str, limit: int = 60) -> Any:
    """Press Tab from the top of the page until the element showing ``text`` has focus; check its focus ring."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.find_element(_by("TAG_NAME"), "body").click()
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.switch_to.active_element
        if text in (focused.text or focused.get_attribute("value") or ""):
            outline = driver.execute_script(
                "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", focused)
            assert outline[0] != "none" and outline[1] != "0px", f"no visible focus on {text!r}: {outline}"
            return focused
    raise AssertionError(f"{driver.current_url}: Tab never reached {text!r}")


def test_console_in_a_browser(tmp_path: Path, browser: Any, artifacts: Path,
                              monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    driver = browser
    if not AXE.is_file():
        message = f"axe-core is not installed ({AXE}): run `npm ci` in tests/interop"
        if tools_required():
            pytest.fail(message)
        pytest.skip(message)
    driver.set_script_timeout(30)
    with running_network(tmp_path, ("CN", "HK"), configure=_console) as network:
        hk = network.apps["HK"]
        base = f"http://127.0.0.1:{hk.console_port}"
        # The first account as the README says: `swgw console user add`, password on stdin (not a terminal).
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert swgw(["console", "user", "add", "alice", "--role", "administrator",
                     "--config", str(network.files["HK"].config)]) == 0
        assert "added console account alice (administrator)" in capsys.readouterr().out
        accounts = console_accounts(hk.settings, hk.repository)
        setup = Actor(ActorKind.OS_USER, "test")
        accounts.add("victor", Role.VIEWER, PASSWORD, actor=setup)
        accounts.add("olga", Role.OPERATOR, PASSWORD, actor=setup)
        delivered = _send(network, "CONSOLE-1")
        assert delivered.status == pb.MESSAGE_STATUS_DELIVERED, delivered.last_error

        # Log in; the dashboard shows the traffic.
        driver.get(f"{base}/login")
        _check_labels(driver)
        driver.save_screenshot(str(artifacts / "login.png"))
        _login(driver, base, "alice")
        assert "Traffic per partner" in _text(driver) and "CN (inbound)" in driver.page_source
        _check_labels(driver)
        driver.save_screenshot(str(artifacts / "dashboard.png"))

        # Find the message by its business key and follow its timeline.
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Messages"))
        _check_labels(driver)
        driver.find_element(_by("ID"), "key").send_keys("CONSOLE-1")
        _click(driver, _tab_to(driver, "Search"))
        rows = driver.find_elements(_by("CSS_SELECTOR"), "tbody tr")
        assert len(rows) == 1 and "CONSOLE-1" in rows[0].text, [r.text for r in rows]
        driver.save_screenshot(str(artifacts / "message-book.png"))
        _click(driver, rows[0].find_element(_by("TAG_NAME"), "a"))
        timeline = driver.find_element(_by("CSS_SELECTOR"), "ol.timeline").text
        assert "RECEIVED" in timeline, timeline
        assert delivered.message_id in driver.title
        assert driver.find_element(_by("PARTIAL_LINK_TEXT"), "Document (")
        driver.save_screenshot(str(artifacts / "message-timeline.png"))

        # Revoke CN's CA in HK's trust, through the confirm step.
        cn_ca = [r for r in hk.trustbook.records("CN") if r.role == "anchor"][0]
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Trust"))
        _check_labels(driver)
        driver.save_screenshot(str(artifacts / "trust.png"))
        driver.get(f"{base}/trust/CN/{cn_ca.fingerprint}")
        assert "Chain" in _text(driver)
        driver.save_screenshot(str(artifacts / "certificate.png"))
        _click(driver, _tab_to(driver, "Revoke"))
        assert [r.state for r in hk.trustbook.records("CN") if r.fingerprint == cn_ca.fingerprint] == ["active"], \
            "the link only opens the confirm page"
        _check_labels(driver)
        # The same form without its CSRF token is refused and changes nothing.
        driver.execute_script("document.querySelector('main form input[name=csrf_token]').remove()")
        _click(driver, driver.find_element(_by("ID"), "confirm"))
        assert "did not carry this session's CSRF token" in _text(driver)
        assert [r.state for r in hk.trustbook.records("CN") if r.fingerprint == cn_ca.fingerprint] == ["active"]
        driver.back()
        driver.refresh()
        driver.find_element(_by("ID"), "reason").clear()
        driver.find_element(_by("ID"), "reason").send_keys("CA key compromise")
        driver.save_screenshot(str(artifacts / "confirm-revoke.png"))
        _click(driver, driver.find_element(_by("ID"), "confirm"))
        assert driver.find_element(_by("ID"), "state").text == "revoked"
        refused = _send(network, "CONSOLE-2")
        assert refused.status == pb.MESSAGE_STATUS_FAILED, refused
        assert refused.last_error.code == "PARTNER_UNAUTHENTICATED", refused.last_error
        assert "CERTIFICATE_REVOKED" in refused.last_error.message, refused.last_error

        # The other forms have their labels too.
        for page in ("/trust/add", "/trust/crl", "/audit"):
            driver.get(base + page)
            _check_labels(driver)

        # The dashboard's alerts (the alerts evaluation `swgw alerts` uses) now say CN cannot be verified.
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Dashboard"))
        alerts = driver.find_element(_by("CSS_SELECTOR"), "ul.alerts").text
        assert "critical CN has no trust certificate valid now" in alerts, alerts
        assert "Submit to DELIVERED" in _text(driver)
        driver.save_screenshot(str(artifacts / "dashboard-alerts.png"))

        # The audit log names the account, and its chain verifies.
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Audit log"))
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Verify the hash chain"))
        assert "Chain intact" in driver.find_element(_by("ID"), "chain-check").text
        entries = hk.operations.audit_entries(limit=1000)
        revoke = [e for e in entries if e.action == "trust.revoke" or e.details.get("state") == "revoked"]
        assert revoke and revoke[-1].actor == "alice" and revoke[-1].actor_kind == "console-account", revoke
        driver.save_screenshot(str(artifacts / "audit.png"))
        _click(driver, driver.find_element(_by("LINK_TEXT"), "Partners"))
        driver.save_screenshot(str(artifacts / "partners.png"))

        # A viewer may read but not act: no action offered, and the confirm page itself is refused.
        _login(driver, base, "victor")
        driver.get(f"{base}/trust")
        assert "CN Single Window" in _text(driver)
        assert not driver.find_elements(_by("PARTIAL_LINK_TEXT"), "Import a CRL")
        driver.get(f"{base}/trust/crl")
        assert "Your role (viewer) may not do this; it needs the operator role." in _text(driver)
        driver.get(f"{base}/messages/{delivered.message_id}/resend")
        assert "Your role (viewer) may not do this" in _text(driver)
        driver.save_screenshot(str(artifacts / "viewer-refused.png"))

        # Lockout after repeated failures: then even the right password is refused.
        for _ in range(3):
            _login(driver, base, "olga", "wrong password!!")
        assert "locked" in driver.find_element(_by("ID"), "login-error").text
        _login(driver, base, "olga")
        assert "locked" in driver.find_element(_by("ID"), "login-error").text
        assert driver.find_elements(_by("ID"), "password"), "still on the login page"
        driver.save_screenshot(str(artifacts / "lockout.png"))
        assert any(e.action == "console.lockout" and e.actor == "olga"
                   for e in hk.operations.audit_entries(limit=1000))

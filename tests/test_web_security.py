"""The web side's defences (docs/security.md): production settings pass ``manage.py check --deploy``, whose
project checks catch an empty or short gateway secret and a wildcard host; login guessing is
limited (django-axes: 5 failures for one username from one address lock that pair out for an
hour); every form that changes something needs a CSRF token — except the gateway endpoint, which
machines call and which is protected by its secret instead; a NUL character is a bad request, not
a server error on PostgreSQL; and every page carries a Content-Security-Policy that its inline
code satisfies."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from maternal.models import Location
from messaging.models import InboundMessage
from tests.factories import LocationFactory
from tests.report_factories import web_user
from tests.services import ROOT

USERNAME, PASSWORD = "gasabo-official", "correct horse battery staple"
LOGIN = "/accounts/login/"
PRODUCTION_ENVIRONMENT = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "umubyeyi.example.rw",
    "SMS_GATEWAY_SECRET": secrets.token_urlsafe(32),
    "SMS_BACKEND": "kannel-backend",
}
# Variables that would weaken production settings if the test run happened to set them.
UNSET_IN_PRODUCTION = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SMS_GATEWAY_SECRET", "SMS_BACKEND")


def run_with(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a Python command in a fresh process with these environment variables, as a server
    would start: the settings module reads the environment once, at import."""
    env = {key: value for key, value in os.environ.items() if key not in UNSET_IN_PRODUCTION}
    env.update(environment)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- production settings -----------------------------------------------------------------------


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = run_with(PRODUCTION_ENVIRONMENT, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


def check_deploy(**environment: str) -> subprocess.CompletedProcess[str]:
    """``manage.py check --deploy`` with the production environment changed by ``environment``
    (an empty value unsets the variable)."""
    changed = {**PRODUCTION_ENVIRONMENT, **environment}
    return run_with({k: v for k, v in changed.items() if v}, "manage.py", "check", "--deploy")


def test_check_deploy_fails_on_an_empty_gateway_secret():
    result = check_deploy(SMS_GATEWAY_SECRET="")
    assert result.returncode != 0
    assert "(umubyeyi.E001) SMS_GATEWAY_SECRET is empty" in result.stderr


@pytest.mark.parametrize("backend", ["", "message_tester", "no-such-backend"])
def test_check_deploy_fails_when_alerts_would_not_go_out_through_a_real_gateway(backend):
    result = check_deploy(SMS_BACKEND=backend)
    assert result.returncode != 0
    assert "(umubyeyi.E002) SMS_BACKEND is" in result.stderr


def test_check_deploy_warns_of_a_gateway_secret_shorter_than_32_characters():
    result = check_deploy(SMS_GATEWAY_SECRET="k" * 31)
    assert result.returncode == 0, result.stderr
    assert "(umubyeyi.W001) SMS_GATEWAY_SECRET has fewer than 32 characters" in result.stderr


def test_check_deploy_warns_of_a_wildcard_allowed_host():
    result = check_deploy(ALLOWED_HOSTS="umubyeyi.example.rw,*")
    assert result.returncode == 0, result.stderr
    assert "(umubyeyi.W002) ALLOWED_HOSTS contains '*'" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with({**PRODUCTION_ENVIRONMENT, "SECRET_KEY": ""}, "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_gateway_refuses_everything_until_its_secret_is_configured():
    """The development default secret is public (it is in the repository): production must not
    fall back to it."""
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SMS_GATEWAY_SECRET))"
    )
    environment = {k: v for k, v in PRODUCTION_ENVIRONMENT.items() if k != "SMS_GATEWAY_SECRET"}
    result = run_with({**environment, "DJANGO_SETTINGS_MODULE": "config.settings"}, "-c", script)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ""


# --- login brute force -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each login attempt hashes a password; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def official(db):
    return get_user_model().objects.create_user(USERNAME, password=PASSWORD)


def log_in(client: Client, password: str, *, address: str = "192.0.2.10", username: str = USERNAME):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, times: int, **where: str) -> list[int]:
    """Wrong passwords; returns the status of each answer (200: the form again, 429: locked)."""
    return [log_in(client, "wrong password", **where).status_code for _ in range(times)]


def test_a_right_password_logs_in(client, official):
    assert log_in(client, PASSWORD).status_code == 302
    assert client.session.get("_auth_user_id") == str(official.pk)


def test_the_fifth_wrong_password_locks_the_username_out(client, official):
    assert fail(client, 5) == [200, 200, 200, 200, 429]


def test_a_locked_out_username_cannot_log_in_even_with_the_right_password(client, official):
    fail(client, 5)
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock_anyone_out(client, official):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lockout_ends_an_hour_after_the_last_attempt(client, official):
    with time_machine.travel("2026-11-26 10:00 +0200", tick=False) as clock:
        fail(client, 5)
        clock.shift(timedelta(minutes=61))
        assert log_in(client, PASSWORD).status_code == 302


def test_an_attempt_during_the_lockout_starts_the_hour_again(client, official):
    """So an attacker who keeps guessing stays locked out (django-axes' default)."""
    with time_machine.travel("2026-11-26 10:00 +0200", tick=False) as clock:
        fail(client, 5)
        clock.shift(timedelta(minutes=59))
        assert log_in(client, PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=2))
        assert log_in(client, PASSWORD).status_code == 429


def test_the_lockout_is_for_one_username_from_one_address(client, official):
    get_user_model().objects.create_user("national", password=PASSWORD)
    fail(client, 5)
    assert log_in(Client(), PASSWORD, address="198.51.100.20").status_code == 302
    assert log_in(Client(), PASSWORD, username="national").status_code == 302


def test_a_successful_login_clears_the_failure_count(client, official):
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302


def test_the_admin_login_is_limited_too(client, official):
    official.is_staff = True
    official.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": USERNAME, "password": "wrong"}, REMOTE_ADDR="192.0.2.10")
    response = client.post(
        "/admin/login/", {"username": USERNAME, "password": PASSWORD}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 429


def test_code_that_authenticates_without_a_request_is_not_refused_by_the_lockout(official):
    """Management commands and the shell call ``authenticate`` with no request: no address to
    lock, so only the password decides."""
    assert authenticate(username=USERNAME, password=PASSWORD) == official
    assert authenticate(username=USERNAME, password="wrong") is None


# --- CSRF ----------------------------------------------------------------------------------------


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def test_the_login_form_carries_a_csrf_token(browser, db):
    assert b'name="csrfmiddlewaretoken"' in browser.get(LOGIN).content


def test_a_login_post_without_a_csrf_token_is_refused(browser, official):
    response = browser.post(LOGIN, {"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_a_login_post_with_the_forms_csrf_token_logs_in(browser, official):
    token = browser.get(LOGIN).context["csrf_token"]
    response = browser.post(LOGIN, {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_report_request_form_needs_a_csrf_token(browser, official):
    browser.force_login(official)
    response = browser.post(reverse("reports:request"), {"district": "102", "month": "2026-01"})
    assert response.status_code == 403


def test_the_sms_tester_form_needs_a_csrf_token(browser, official):
    official.user_permissions.add(Permission.objects.get(codename="use_message_tester"))
    browser.force_login(official)
    response = browser.post(reverse("httptester", args=[788123456]), {"identity": "788123456", "text": "WHO"})
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_gateway_takes_posts_without_a_csrf_token_when_the_secret_is_right(browser, db, settings):
    settings.SMS_GATEWAY_SECRET = "gateway-test-secret"
    url = reverse("kannel-inbound") + "?secret=gateway-test-secret"
    assert browser.post(url, {"id": "+250788123456", "text": "WHO"}).status_code == 200
    assert InboundMessage.objects.count() == 1


def test_the_gateway_refuses_posts_without_the_secret(browser, db, settings):
    settings.SMS_GATEWAY_SECRET = "gateway-test-secret"
    assert browser.post(reverse("kannel-inbound"), {"id": "+250788123456", "text": "WHO"}).status_code == 403
    assert not InboundMessage.objects.exists()


# --- NUL characters ------------------------------------------------------------------------------
# PostgreSQL text cannot hold NUL: on PostgreSQL these requests were server errors, on SQLite they
# ran the query (config.middleware.RefuseNullCharactersMiddleware).


@pytest.fixture
def superuser_client(client, db) -> Client:
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD))
    return client


def test_a_nul_in_a_reports_list_filter_is_a_bad_request(client, db):
    client.force_login(web_user("national", national=True))
    assert client.get(reverse("reports:list"), {"district": "10\x002"}).status_code == 400


def test_a_nul_in_an_admin_list_filter_is_a_bad_request(superuser_client):
    assert (
        superuser_client.get("/admin/maternal/reporter/", {"status__exact": "active\x00"}).status_code == 400
    )


def test_a_nul_in_an_admin_search_is_a_bad_request(superuser_client):
    assert superuser_client.get("/admin/maternal/reporter/", {"q": "\x00"}).status_code == 400


def test_a_nul_in_a_posted_value_is_a_bad_request(client, official):
    assert log_in(client, PASSWORD, username=f"{USERNAME}\x00").status_code == 400


def test_a_nul_in_the_path_is_a_bad_request(superuser_client):
    assert superuser_client.get("/admin/maternal/alert/%00/change/").status_code == 400


def test_the_gateway_still_processes_a_message_whose_text_has_a_nul(client, db, settings):
    """A broken gateway's junk must not cost a report (the NUL is dropped)."""
    settings.SMS_GATEWAY_SECRET = "gateway-test-secret"
    query = {"secret": "gateway-test-secret", "id": "+250788123456", "text": "WHO\x00"}
    assert client.get(reverse("kannel-inbound"), query).status_code == 200
    assert InboundMessage.objects.get().text == "WHO"


# --- Content-Security-Policy ---------------------------------------------------------------------
# Scripts and styles from the site itself, inline ones only with the page's nonce; no framing.

LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]
PAGES = [
    *LOGIN_PAGES,
    "/admin/",
    "/admin/maternal/alert/",
    "/httptester/250788123456/",
    "/messagelog/",
    "/reports/",
]


class InlineCode(HTMLParser):
    """What a page runs or styles inline: the nonces of its inline scripts and style sheets, and
    any attribute a nonce cannot allow (``onclick=``, ``style=``)."""

    def __init__(self) -> None:
        super().__init__()
        self.nonces: list[str | None] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "style" or (tag == "script" and "src" not in names):
            self.nonces.append(names.get("nonce"))
        self.attributes += [name for name in names if name.startswith("on") or name == "style"]


def policy_nonce(policy: str) -> str:
    (nonce,) = set(re.findall(r"'nonce-([^']+)'", policy))
    return nonce


def open_page(client: Client, page: str):
    """The page as its user sees it: a login page before logging in, any other page as a national
    user with every permission (and two districts to choose from on the reports list)."""
    for code in ("101", "102"):
        LocationFactory(code=code, level=Location.Level.DISTRICT)
    if page not in LOGIN_PAGES:
        client.force_login(web_user("root", national=True, is_staff=True, is_superuser=True))
    return client.get(page)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_a_content_security_policy(client, db, page):
    response = open_page(client, page)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("page", PAGES)
def test_every_inline_script_and_style_carries_the_pages_nonce(client, db, page):
    response = open_page(client, page)
    inline = InlineCode()
    inline.feed(response.content.decode())
    if inline.nonces:
        assert set(inline.nonces) == {policy_nonce(response.headers["Content-Security-Policy"])}
    assert inline.attributes == []


def test_the_message_testers_own_script_runs_under_the_policy(client, db):
    """RapidSMS's tester sends a message on Enter with an inline script: it must carry the nonce."""
    response = open_page(client, "/httptester/250788123456/")
    nonce = policy_nonce(response.headers["Content-Security-Policy"])
    assert f'<script nonce="{nonce}">' in response.content.decode()


def test_a_refusal_carries_the_policy_too(client, db):
    response = client.get("/reports/", {"district": "\x00"})
    assert response.status_code == 400
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]

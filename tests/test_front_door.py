"""Where each role lands after logging in at the front door (``/accounts/login/``): a district
official on their district's reports, staff with admin access on the admin, a user with the tester
permission on the tester; ``/`` sends a visitor who has not logged in to the login page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.report_factories import district_with_sectors, web_user

LOGIN, PASSWORD = "/accounts/login/", "a-long-test-password"  # web_user's password


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def landing(client: Client, username: str) -> tuple[str, int]:
    """Log in through the login form and follow the redirects: the page reached and its status."""
    response = client.post(LOGIN, {"username": username, "password": PASSWORD}, follow=True)
    return response.redirect_chain[-1][0], response.status_code


def test_a_visitor_who_has_not_logged_in_is_sent_from_the_home_page_to_log_in(client, db):
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, LOGIN)


def test_a_district_official_lands_on_their_districts_reports(client, db):
    gasabo = district_with_sectors("102", "Gasabo", ["Kacyiru"]).district
    web_user("gasabo-official", district=gasabo)
    assert landing(client, "gasabo-official") == ("/reports/", 200)


def test_a_district_official_who_is_also_staff_lands_on_their_districts_reports(client, db):
    gasabo = district_with_sectors("102", "Gasabo", ["Kacyiru"]).district
    web_user("gasabo-official", district=gasabo, is_staff=True)
    assert landing(client, "gasabo-official") == ("/reports/", 200)


def test_national_staff_land_on_the_reports(client, db):
    web_user("national", national=True)
    assert landing(client, "national") == ("/reports/", 200)


def test_staff_with_admin_access_land_on_the_admin(client, db):
    web_user("clerk", is_staff=True)
    assert landing(client, "clerk") == ("/admin/", 200)


def test_a_superuser_lands_on_the_admin(client, db):
    web_user("root", is_staff=True, is_superuser=True)
    assert landing(client, "root") == ("/admin/", 200)


def test_a_user_with_the_tester_permission_lands_on_the_tester(client, db):
    web_user("trainer", permissions=("use_message_tester",))
    page, status = landing(client, "trainer")
    assert page.startswith("/httptester/") and status == 200


def test_a_user_with_the_log_permission_only_lands_on_the_message_log(client, db):
    web_user("auditor", permissions=("view_message_log",))
    assert landing(client, "auditor") == ("/messagelog/", 200)


def test_a_user_who_may_open_no_page_is_told_so(client, db):
    web_user("nobody")
    assert landing(client, "nobody") == ("/", 403)


def test_logging_out_of_the_reports_leads_back_to_the_login_page(client, db):
    gasabo = district_with_sectors("102", "Gasabo", ["Kacyiru"]).district
    web_user("gasabo-official", district=gasabo)
    landing(client, "gasabo-official")
    response = client.post("/accounts/logout/", follow=True)
    assert (response.redirect_chain[-1][0], response.status_code) == (LOGIN, 200)
    assert client.get("/reports/").status_code == 302  # logged out indeed

"""Who may see which district's reports and messages. Every view, download and export goes through
these, so the scoping holds whatever the menus show."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, F, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils import translation

from maternal.models import Location, Reporter, Staff
from messaging.models import InboundMessage, OutgoingMessage
from reports.models import MonthlyReport, OfficialProfile


def official_district(user: User | AnonymousUser) -> Location | None:
    """The one district a user is limited to, or None for national staff (a profile without a
    district, or a superuser). A user without a profile may see no report: PermissionDenied."""
    if not user.is_authenticated:
        raise PermissionDenied
    profile = OfficialProfile.objects.select_related("district").filter(user=user).first()
    if profile is None:
        if user.is_superuser:
            return None
        raise PermissionDenied
    return profile.district


def report_language(request: HttpRequest) -> str:
    """The language a report is shown in: ``?lang=``, else the official's profile's, else the
    browser's (one of the report languages), else English."""
    languages = [code for code, _name in settings.LANGUAGES]
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    if request.user.is_authenticated:
        profile = OfficialProfile.objects.filter(user=request.user).only("language").first()
        if profile is not None:
            return profile.language
    current = translation.get_language() or ""
    return current if current in languages else "en"


def visible_districts(user: User | AnonymousUser) -> QuerySet[Location]:
    district = official_district(user)
    districts = Location.objects.filter(level=Location.Level.DISTRICT).order_by("name")
    return districts if district is None else districts.filter(pk=district.pk)


def visible_reports(user: User | AnonymousUser) -> QuerySet[MonthlyReport]:
    district = official_district(user)
    reports = MonthlyReport.objects.select_related("district")
    return reports if district is None else reports.filter(district=district)


def visible_messages(user: User) -> QuerySet:
    """Every SMS in and out that a user allowed to read the message log may see, newest first, as
    rows with ``at``, ``direction`` ("in" or "out"), ``phone``, ``text`` and ``delivery`` (the status of an
    outgoing message). A district official (a profile with a district) sees the messages from and
    to the phones of their district's volunteers (living there, or attached to one of its health
    facilities) and staff; anyone else allowed sees every message."""
    profile = OfficialProfile.objects.select_related("district").filter(user=user).first()
    district = profile.district if profile else None
    inbound, outgoing = InboundMessage.objects.all(), OutgoingMessage.objects.all()
    if district is not None:
        volunteers = Reporter.objects.filter(Q(village__district=district) | Q(facility__district=district))
        staff = Staff.objects.filter(Q(district=district) | Q(facility__district=district))
        of_district = Q(phone__in=volunteers.values("phone")) | Q(phone__in=staff.values("phone"))
        inbound, outgoing = inbound.filter(of_district), outgoing.filter(of_district)
    text = CharField()
    return (
        inbound.values(
            "phone", "text", at=F("received_at"), direction=Value("in", text), delivery=Value("", text)
        )
        .union(
            outgoing.values(
                "phone", "text", at=F("created_at"), direction=Value("out", text), delivery=F("status")
            ),
            all=True,
        )
        .order_by("-at")
    )

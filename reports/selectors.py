"""Who may see which district's reports. Every view, download and export goes through these, so
the scoping holds whatever the menus show."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from maternal.models import Location
from reports.models import MonthlyReport, OfficialProfile


def official_district(user: AbstractBaseUser | AnonymousUser) -> Location | None:
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


def visible_districts(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Location]:
    district = official_district(user)
    districts = Location.objects.filter(level=Location.Level.DISTRICT).order_by("name")
    return districts if district is None else districts.filter(pk=district.pk)


def visible_reports(user: AbstractBaseUser | AnonymousUser) -> QuerySet[MonthlyReport]:
    district = official_district(user)
    reports = MonthlyReport.objects.select_related("district")
    return reports if district is None else reports.filter(district=district)

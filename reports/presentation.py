"""How a snapshot's figures read, in the report's language: the PDF, the web page, the CSV and the
XLSX workbook all word and flag a figure through these, so that they say the same thing."""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.indicators import INDICATORS, Figure, Flag, Indicator, Target, Unit
from reports.models import MonthlyReport
from reports.months import Month

#: Birth and death places (codes.md); "" is a place that was not reported.
PLACE_LABELS = {
    "hc": gettext_lazy("Health centre"),
    "hp": gettext_lazy("Hospital"),
    "ho": gettext_lazy("Home"),
    "or": gettext_lazy("On the way"),
    "": gettext_lazy("Not reported"),
}
DEATH_LABELS = {
    "maternal_deaths": gettext_lazy("Maternal death"),
    "stillbirths": gettext_lazy("Stillbirth"),
    "newborn_deaths": gettext_lazy("Newborn death"),
}
FLAG_LABELS = {
    Flag.ON_TARGET: gettext_lazy("on target"),
    Flag.CLOSE: gettext_lazy("close to target"),
    Flag.OFF_TARGET: gettext_lazy("off target"),
}
#: Light backgrounds (print in colour, still readable in grey) and the web page's classes.
FLAG_COLOURS = {Flag.ON_TARGET: "#d5f0dc", Flag.CLOSE: "#fcebc2", Flag.OFF_TARGET: "#f9d0cd"}
OUTCOME_LABELS = {
    "mw": gettext_lazy("mother well"),
    "ms": gettext_lazy("mother sick"),
    "cw": gettext_lazy("child well"),
    "cs": gettext_lazy("child sick"),
    "aa": gettext_lazy("advice"),
    "pr": gettext_lazy("referred"),
    "pt": gettext_lazy("treated"),
    "tr": gettext_lazy("treated and referred"),
}
MONTH_NAMES = (
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
)


def month_label(month: Month) -> str:
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def short_month_label(month: Month | str) -> str:
    month = Month.parse(month) if isinstance(month, str) else month
    return f"{str(MONTH_NAMES[month.month - 1])[:3]} {month.year % 100:02d}"


def day_label(day: date | datetime | str) -> str:
    """Dates as Rwanda writes them: 31.01.2026 (and 31.01.2026 23:55 for a time)."""
    if isinstance(day, str):
        day = datetime.fromisoformat(day) if "T" in day else date.fromisoformat(day)
    return f"{day:%d.%m.%Y %H:%M}" if isinstance(day, datetime) else f"{day:%d.%m.%Y}"


def figure_text(indicator: Indicator, figure: Figure, *, counts: bool = False) -> str:
    """The figure as printed; with ``counts``, a percentage shows the two counts it comes from."""
    text = indicator.format(figure)
    if counts and indicator.unit == Unit.PERCENT and figure.denominator:
        text += f" ({figure.numerator:g}/{figure.denominator})"
    return text


def target_of(report: MonthlyReport, name: str) -> Target | None:
    """The target the report was computed with (frozen in its snapshot)."""
    return Target.from_json(report.targets.get(name))


def target_text(indicator: Indicator, target: Target | None) -> str:
    if target is None:
        return ""
    value = indicator.format(Figure(target.value))
    return (
        _("at least %(value)s") % {"value": value}
        if target.higher
        else _("at most %(value)s") % {"value": value}
    )


def flag_of(report: MonthlyReport, name: str, data: dict | None) -> Flag | None:
    target = target_of(report, name)
    return target.flag(Figure.from_json(data).value) if target else None


def place_label(code: str) -> str:
    return str(PLACE_LABELS.get(code, code))


def outcome_text(outcome: str) -> str:
    """``closed: mw cw pr`` -> "closed: mother well, child well, referred"."""
    if outcome == "open":
        return _("never acknowledged, no outcome")
    if outcome == "acknowledged":
        return _("acknowledged, no outcome reported")
    codes = outcome.removeprefix("closed:").split()
    if not codes:
        return _("closed")
    return _("closed: %(outcome)s") % {"outcome": ", ".join(str(OUTCOME_LABELS.get(c, c)) for c in codes)}


def report_page(report: MonthlyReport) -> dict:
    """What the report's web page shows, worded in the active language: the key figures with their
    targets and flags, every indicator for each health facility, the events to review, the
    volunteers who sent nothing and every version."""
    if not report.has_snapshot:
        return {}
    key_figures = []
    for each in INDICATORS:
        figures = report.figures.get(each.name, {})
        flag = flag_of(report, each.name, figures.get("month"))
        key_figures.append(
            {
                "title": each.title,
                "month": figure_text(each, Figure.from_json(figures.get("month")), counts=True),
                "previous": figure_text(each, Figure.from_json(figures.get("previous"))),
                "target": target_text(each, target_of(report, each.name)),
                "flag": flag,
                "flag_label": FLAG_LABELS[flag] if flag else "",
            }
        )
    health_centres = [
        {
            "rank": centre["rank"],
            "name": centre["name"],
            "sector": centre["sector"],
            "cells": [
                {
                    "title": each.short_title,
                    "text": each.format(Figure.from_json(centre["figures"].get(each.name))),
                    "flag": flag_of(report, each.name, centre["figures"].get(each.name)),
                }
                for each in INDICATORS
            ],
        }
        for centre in report.health_centres
    ]
    return {
        "month_label": month_label(report.period),
        "previous_label": month_label(report.period.shift(-1)),
        "key_figures": key_figures,
        "columns": [each.short_title for each in INDICATORS],
        "health_centres": health_centres,
        "deaths": [
            {
                "date": day_label(event["date"]),
                "event": DEATH_LABELS[event["kind"]],
                "health_centre": event["health_centre"],
                "sector": event["sector"],
                "place": place_label(event["place"]),
            }
            for event in report.deaths
        ],
        "slow_alerts": [
            {
                "number": alert["number"],
                "health_centre": alert["health_centre"],
                "raised": day_label(alert["raised_at"]),
                "minutes": "–" if alert["minutes"] is None else f"{alert['minutes']:g}",
                "outcome": outcome_text(alert["outcome"]),
            }
            for alert in report.slow_alerts
        ],
        "silent_volunteers": report.silent_volunteers,
        "versions": list(report.versions.all()),
        "flags": [(flag.value, FLAG_LABELS[flag]) for flag in Flag],
    }

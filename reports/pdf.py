"""Phase two of a monthly report: the A4 PDF, laid out from the snapshot of a ``MonthlyReport``, in
one of the report languages. As in pretix's exporters, the data is computed first
(``reports.services``) and this renderer class only draws it: it runs no query, so nothing but the
snapshot (aggregates, anonymous events, the volunteers who sent nothing) can reach the page."""

from __future__ import annotations

import math
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports import presentation
from reports.indicators import BY_NAME, CHARTED, INDICATORS, Figure, Flag, Indicator, Unit
from reports.models import MonthlyReport
from reports.months import Month
from reports.presentation import day_label, figure_text, month_label, short_month_label

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 12 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: How many indicators fit side by side in a per-sector table on a portrait page.
SECTOR_TABLE_COLUMNS = 6
FLAG_COLOURS = {flag: colors.HexColor(colour) for flag, colour in presentation.FLAG_COLOURS.items()}
WARNING = colors.HexColor("#a61b1b")

INK = colors.HexColor("#1f2933")
ACCENT = colors.HexColor("#b03a5b")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#eef1f4")


class _NumberedCanvas(Canvas):
    """Holds every page back until the end, so that each footer can say "page X of Y"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held_pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's private reset, absent from its stubs

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(INK)
            self.drawRightString(
                PAGE_WIDTH - MARGIN,
                FOOTER_HEIGHT / 2,
                _("Page %(page)s of %(pages)s") % {"page": self.getPageNumber(), "pages": total},
            )
            super().showPage()
        super().save()


class MonthlyReportRenderer:
    """Renders one computed ``MonthlyReport`` (its snapshot fields) as PDF bytes in ``language``."""

    def __init__(self, report: MonthlyReport, *, language: str = "en") -> None:
        self.report = report
        self.language = language
        self.month: Month = report.period
        self.styles = self._styles()

    def render(self) -> bytes:
        with translation.override(self.language):
            return self._render()

    def _render(self) -> bytes:
        buffer = BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=A4,
            title=f"{self.report.district.name} {month_label(self.month)}",
            author=settings.PROJECT_NAME,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_HEIGHT,
            bottomMargin=FOOTER_HEIGHT + 4 * mm,
        )
        frame = Frame(
            document.leftMargin,
            document.bottomMargin,
            document.width,
            document.height,
            id="body",
            showBoundary=0,
        )
        document.addPageTemplates([PageTemplate(id="report", frames=[frame], onPage=self._draw_page)])
        document.build(self._story(), canvasmaker=_NumberedCanvas)
        return buffer.getvalue()

    # --- page template --------------------------------------------------------------------------

    def _draw_page(self, canvas: Canvas, document: BaseDocTemplate) -> None:
        completeness = self._figure("data_completeness")
        generated = timezone.localtime(self.report.generated_at or timezone.now())
        top = PAGE_HEIGHT - MARGIN
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(
            MARGIN, top - 12, _("%(district)s district") % {"district": self.report.district.name}
        )
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 12, month_label(self.month))
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(
            MARGIN,
            top - 26,
            _("%(project)s monthly maternal health report") % {"project": settings.PROJECT_NAME},
        )
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN,
            top - 26,
            _("Version %(version)s, generated %(time)s (%(zone)s)")
            % {"version": self.report.version, "time": day_label(generated), "zone": settings.TIME_ZONE},
        )
        canvas.drawString(
            MARGIN,
            top - 38,
            _("Data completeness %(share)s (%(reported)s of %(expected)s active volunteers reported)")
            % {
                "share": BY_NAME["data_completeness"].format(completeness),
                "reported": int(completeness.numerator or 0),
                "expected": completeness.denominator or 0,
            },
        )
        if not self.report.month_complete:
            canvas.setFillColor(WARNING)
            canvas.setFont("Helvetica-Bold", 8.5)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 38, _("PROVISIONAL: month in progress"))
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 46, PAGE_WIDTH - MARGIN, top - 46)
        canvas.line(MARGIN, FOOTER_HEIGHT, PAGE_WIDTH - MARGIN, FOOTER_HEIGHT)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(
            MARGIN,
            FOOTER_HEIGHT / 2,
            _("No mother's name or identifier. Volunteers are named for their supervisors."),
        )
        canvas.restoreState()

    # --- content --------------------------------------------------------------------------------

    def _story(self) -> list[Flowable]:
        return [
            *self._provisional_note(),
            *self._key_indicators(),
            *self._health_centre_tables(),
            *self._events_to_review(),
            *self._silent_volunteers(),
            *self._needing_action(),
            *self._sector_tables(),
            PageBreak(),
            *self._twelve_months(),
            *self._charts(),
            PageBreak(),
            *self._annex(),
        ]

    def _provisional_note(self) -> list[Flowable]:
        if self.report.month_complete:
            return []
        return [
            Paragraph(
                escape(
                    _(
                        "Provisional: %(month)s was still in progress when these figures were computed. "
                        "They will change; do not send them to DHIS2."
                    )
                    % {"month": month_label(self.month)}
                ),
                self.styles["warning"],
            )
        ]

    def _key_indicators(self) -> list[Flowable]:
        header = [
            _("Indicator"),
            month_label(self.month),
            month_label(self.month.shift(-1)),
            month_label(self.month.shift(-12)),
            _("Target"),
        ]
        rows, flags = [], []
        for number, indicator in enumerate(INDICATORS, start=1):
            figure = self._figure(indicator.name)
            rows.append(
                [
                    Paragraph(escape(str(indicator.title)), self.styles["cell"]),
                    *(
                        figure_text(indicator, self._figure(indicator.name, key), counts=True)
                        for key in ("month", "previous", "last_year")
                    ),
                    presentation.target_text(indicator, presentation.target_of(self.report, indicator.name)),
                ]
            )
            flags.append(((1, number), presentation.flag_of(self.report, indicator.name, figure.as_json())))
        width = 30 * mm
        table = Table(
            [header, *rows], colWidths=[CONTENT_WIDTH - 4 * width, width, width, width, width], repeatRows=1
        )
        style = self._table_style(numeric_from=1, highlight_column=1)
        _paint_flags(style, flags)
        table.setStyle(style)
        return [Paragraph(_("Key indicators"), self.styles["h1"]), table, self._legend()]

    def _legend(self) -> Flowable:
        labels = [str(presentation.FLAG_LABELS[flag]) for flag in Flag]
        legend = Table([labels], colWidths=[32 * mm] * len(Flag), hAlign="LEFT")
        style = TableStyle([("FONTSIZE", (0, 0), (-1, -1), 7), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
        for column, flag in enumerate(Flag):
            style.add("BACKGROUND", (column, 0), (column, 0), FLAG_COLOURS[flag])
        legend.setStyle(style)
        return legend

    def _place_tables(self, places: list[dict], *, first_column: str, total: bool) -> list[Flowable]:
        """Every indicator for each place (health facility or sector), six indicators a table."""
        flowables: list[Flowable] = []
        for start in range(0, len(INDICATORS), SECTOR_TABLE_COLUMNS):
            chunk = INDICATORS[start : start + SECTOR_TABLE_COLUMNS]
            header = [Paragraph(escape(first_column), self.styles["head_left"])] + [
                Paragraph(escape(str(indicator.short_title)), self.styles["head"]) for indicator in chunk
            ]
            rows, flags = [], []
            for number, place in enumerate(places, start=1):
                label = f"{place['rank']}. {place['name']}" if "rank" in place else place["name"]
                rows.append(
                    [Paragraph(escape(label), self.styles["cell"])]
                    + [
                        indicator.format(Figure.from_json(place["figures"].get(indicator.name)))
                        for indicator in chunk
                    ]
                )
                flags += [
                    (
                        (column, number),
                        presentation.flag_of(self.report, i.name, place["figures"].get(i.name)),
                    )
                    for column, i in enumerate(chunk, start=1)
                ]
            footer = []
            if total:
                footer = [
                    [Paragraph(f"<b>{escape(_('District'))}</b>", self.styles["cell"])]
                    + [indicator.format(self._figure(indicator.name)) for indicator in chunk]
                ]
            column = (CONTENT_WIDTH - 48 * mm) / SECTOR_TABLE_COLUMNS
            table = Table(
                [header, *rows, *footer],
                colWidths=[48 * mm] + [column] * len(chunk),
                repeatRows=1,
                hAlign="LEFT",
            )
            style = self._table_style(numeric_from=1)
            _paint_flags(style, flags)
            if total:
                style.add("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")
                style.add("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)
            table.setStyle(style)
            flowables += [table, Spacer(1, 3 * mm)]
        return flowables

    def _health_centre_tables(self) -> list[Flowable]:
        title = Paragraph(_("Indicators per health facility, ranked"), self.styles["h1"])
        note = Paragraph(
            escape(
                _(
                    "Ranked by the number of targets missed, then of targets nearly met: the facilities "
                    "that need support come first. A mother's records count at her health facility, an "
                    "alert at the facility it was raised to, a volunteer at their own."
                )
            ),
            self.styles["small"],
        )
        if not self.report.health_centres:
            return [
                title,
                Paragraph(_("No health facility of this district is recorded."), self.styles["body"]),
            ]
        return [title, note, Spacer(1, 2 * mm)] + self._place_tables(
            self.report.health_centres, first_column=_("Health facility"), total=False
        )

    def _sector_tables(self) -> list[Flowable]:
        flowables: list[Flowable] = [Paragraph(_("Indicators per sector"), self.styles["h1"])]
        if not self.report.sectors:
            return [*flowables, Paragraph(_("No sector of this district is recorded."), self.styles["body"])]
        return flowables + self._place_tables(self.report.sectors, first_column=_("Sector"), total=True)

    def _events_to_review(self) -> list[Flowable]:
        flowables: list[Flowable] = [
            Paragraph(_("Events to review"), self.styles["h1"]),
            Paragraph(
                escape(_("Deaths of the month, for the district's death audits (no name or identifier).")),
                self.styles["small"],
            ),
        ]
        if self.report.deaths:
            rows = [
                [
                    day_label(event["date"]),
                    str(presentation.DEATH_LABELS[event["kind"]]),
                    Paragraph(escape(event["health_centre"] or "–"), self.styles["cell"]),
                    Paragraph(escape(event["sector"] or "–"), self.styles["cell"]),
                    presentation.place_label(event["place"]),
                ]
                for event in self.report.deaths
            ]
            header = [_("Date"), _("Event"), _("Health facility"), _("Sector"), _("Place")]
            table = Table(
                [header, *rows], colWidths=[22 * mm, 30 * mm, 55 * mm, 40 * mm, 33 * mm], repeatRows=1
            )
            table.setStyle(self._table_style(numeric_from=99))
            flowables.append(table)
        else:
            flowables.append(Paragraph(_("No death was reported this month."), self.styles["body"]))
        flowables.append(
            Paragraph(
                escape(
                    _(
                        "Red alerts acknowledged after more than 10 minutes, or never: each one, by its number."
                    )
                ),
                self.styles["small"],
            )
        )
        if not self.report.slow_alerts:
            return [
                *flowables,
                Paragraph(_("Every red alert was acknowledged within 10 minutes."), self.styles["body"]),
            ]
        rows = [
            [
                f"{alert['number']}",
                Paragraph(escape(alert["health_centre"] or "–"), self.styles["cell"]),
                day_label(alert["raised_at"]),
                "–" if alert["minutes"] is None else f"{alert['minutes']:g}",
                Paragraph(escape(presentation.outcome_text(alert["outcome"])), self.styles["cell"]),
            ]
            for alert in self.report.slow_alerts
        ]
        header = [_("Alert"), _("Health facility"), _("Raised"), _("Minutes to OK"), _("Outcome")]
        table = Table([header, *rows], colWidths=[14 * mm, 50 * mm, 30 * mm, 24 * mm, 62 * mm], repeatRows=1)
        table.setStyle(self._table_style(numeric_from=99))
        return [*flowables, table]

    def _silent_volunteers(self) -> list[Flowable]:
        title = Paragraph(_("Volunteers who sent no report this month"), self.styles["h1"])
        if not self.report.silent_volunteers:
            return [title, Paragraph(_("Every active volunteer reported this month."), self.styles["body"])]
        rows = [
            [
                Paragraph(escape(volunteer["health_centre"]), self.styles["cell"]),
                Paragraph(escape(volunteer["name"] or "–"), self.styles["cell"]),
                volunteer["phone"],
            ]
            for volunteer in self.report.silent_volunteers
        ]
        table = Table(
            [[_("Health facility"), _("Volunteer"), _("Phone")], *rows],
            colWidths=[65 * mm, 70 * mm, 45 * mm],
            repeatRows=1,
        )
        table.setStyle(self._table_style(numeric_from=99))
        return [title, table]

    def _twelve_months(self) -> list[Flowable]:
        months = [point["month"] for point in self.report.trends.get(INDICATORS[0].name, [])]
        header = [_("Indicator")] + [
            Paragraph(escape(short_month_label(month)), self.styles["head"]) for month in months
        ]
        rows = [
            [Paragraph(escape(str(indicator.short_title)), self.styles["cell"])]
            + [
                indicator.format(Figure.from_json(point))
                for point in self.report.trends.get(indicator.name, [])
            ]
            for indicator in INDICATORS
        ]
        column = (CONTENT_WIDTH - 36 * mm) / max(len(months), 1)
        table = Table([header, *rows], colWidths=[36 * mm] + [column] * len(months), repeatRows=1)
        style = self._table_style(numeric_from=1, highlight_column=len(months))
        style.add("FONTSIZE", (1, 1), (-1, -1), 6.5)
        table.setStyle(style)
        return [Paragraph(_("The last 12 months"), self.styles["h1"]), table]

    def _charts(self) -> list[Flowable]:
        charts: list[Flowable] = [self._trend_chart(BY_NAME[name]) for name in CHARTED]
        charts.append(self._births_by_place_chart())
        if len(charts) % 2:
            charts.append(Spacer(1, 1))
        grid = Table([charts[i : i + 2] for i in range(0, len(charts), 2)], colWidths=[CONTENT_WIDTH / 2] * 2)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return [
            Paragraph(
                _("Trends over 12 months (dashed line: target), and births by place"), self.styles["h1"]
            ),
            grid,
        ]

    def _trend_chart(self, indicator: Indicator) -> Drawing:
        series = self.report.trends.get(indicator.name, [])
        bars = indicator.unit == Unit.COUNT
        target = presentation.target_of(self.report, indicator.name)
        width, height = CONTENT_WIDTH / 2 - 4 * mm, 55 * mm
        drawing = Drawing(width, height)
        title = str(indicator.title) + (" (%)" if indicator.unit == Unit.PERCENT else "")
        if indicator.unit == Unit.MINUTES:
            title += " (min)"
        drawing.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=8.5, fillColor=INK))
        values = [point["value"] for point in series]
        chart = VerticalBarChart() if bars else HorizontalLineChart()
        # types-reportlab says int for a chart's place and size; reportlab takes any number.
        chart.x, chart.y, chart.width, chart.height = 24, 26, width - 32, height - 44  # type: ignore[assignment]
        chart.data = [[0 if value is None and bars else value for value in values]]
        chart.categoryAxis.categoryNames = [short_month_label(point["month"]) for point in series]
        chart.categoryAxis.labels.fontSize = 6
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.valueAxis.labels.fontSize = 6.5
        if indicator.unit == Unit.PERCENT:
            chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
        else:
            top = max([value for value in values if value] + [target.value if target else 0, 1])
            _scale(chart.valueAxis, top, whole=bars)
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = SHADE
        if isinstance(chart, VerticalBarChart):
            chart.bars[0].fillColor = ACCENT
            chart.bars[0].strokeColor = None
        else:
            chart.lines[0].strokeColor = ACCENT
            chart.lines[0].strokeWidth = 1.5
            chart.lines[0].symbol = makeMarker("FilledCircle", size=3.5, fillColor=ACCENT, strokeColor=ACCENT)
            chart.joinedLines = any(value is not None for value in values)  # reportlab needs a point
        drawing.add(chart)
        if target is not None and target.value > 0:
            low, high = chart.valueAxis.valueMin, chart.valueAxis.valueMax
            y = chart.y + chart.height * (target.value - low) / (high - low)
            drawing.add(
                Line(
                    chart.x,
                    y,
                    chart.x + chart.width,
                    y,
                    strokeColor=INK,
                    strokeWidth=0.8,
                    strokeDashArray=[3, 2],
                )
            )
        if not any(value for value in values):
            drawing.add(
                String(width / 2, height / 2, _("No data"), textAnchor="middle", fontSize=8, fillColor=RULE)
            )
        return drawing

    def _births_by_place_chart(self) -> Drawing:
        width, height = CONTENT_WIDTH / 2 - 4 * mm, 55 * mm
        drawing = Drawing(width, height)
        drawing.add(
            String(
                0,
                height - 10,
                _("Births by place, %(month)s") % {"month": month_label(self.month)},
                fontName="Helvetica-Bold",
                fontSize=8.5,
            )
        )
        places = self.report.births_by_place
        if not places:
            drawing.add(
                String(width / 2, height / 2, _("No births"), textAnchor="middle", fontSize=8, fillColor=RULE)
            )
            return drawing
        # Known places in their usual order, top to bottom (a horizontal chart draws upwards).
        order = list(presentation.PLACE_LABELS)
        codes = sorted(places, key=lambda code: (order.index(code) if code in order else 99, code))
        codes.reverse()
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 62, 10, width - 84, height - 30  # type: ignore[assignment]
        chart.data = [[places[code] for code in codes]]
        chart.categoryAxis.categoryNames = [presentation.place_label(code) for code in codes]
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontSize = 6.5
        _scale(chart.valueAxis, max(places.values()) * 1.1, whole=True)
        chart.bars[0].fillColor = ACCENT
        chart.bars[0].strokeColor = None
        chart.barLabelFormat = "%d"
        chart.barLabels.fontSize = 7
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
        drawing.add(chart)
        return drawing

    def _needing_action(self) -> list[Flowable]:
        title = Paragraph(
            _("Needing action: open red alerts and missed visits by health facility"), self.styles["h1"]
        )
        note = Paragraph(
            escape(
                _(
                    "Alerts raised before the end of %(month)s whose outcome (RAR) was not reported by then, "
                    "and the visits that became missed during the month. Counts only."
                )
                % {"month": month_label(self.month)}
            ),
            self.styles["small"],
        )
        if not self.report.facilities and not self.report.uncovered_days:
            return [title, note, Paragraph(_("Nothing is waiting for action."), self.styles["body"])]
        flowables: list[Flowable] = [title, note, Spacer(1, 2 * mm)]
        if self.report.facilities:
            rows = [
                [
                    Paragraph(escape(row["name"]), self.styles["cell"]),
                    row["code"],
                    row["open_alerts"],
                    row["missed_visits"],
                ]
                for row in self.report.facilities
            ]
            table = Table(
                [[_("Health facility"), _("Code"), _("Open alerts"), _("Missed visits")], *rows],
                colWidths=[CONTENT_WIDTH - 3 * 30 * mm, 30 * mm, 30 * mm, 30 * mm],
                repeatRows=1,
            )
            table.setStyle(self._table_style(numeric_from=2))
            flowables.append(table)
        else:
            flowables.append(Paragraph(_("No open alert and no missed visit."), self.styles["body"]))
        return [*flowables, *self._uncovered_days()]

    def _uncovered_days(self) -> list[Flowable]:
        """Health centres whose morning duty check found no midwife or nurse on duty."""
        title = Paragraph(_("Days without level-1 cover by health centre"), self.styles["h2"])
        note = Paragraph(
            _(
                "Days of the month whose morning duty check found no midwife or nurse on duty at the health "
                "centre: a red alert sent then went straight to the next level."
            ),
            self.styles["small"],
        )
        if not self.report.uncovered_days:
            return [title, note, Paragraph(_("Every health centre was covered."), self.styles["body"])]
        rows = [
            [Paragraph(escape(row["name"]), self.styles["cell"]), row["code"], row["days"]]
            for row in self.report.uncovered_days
        ]
        table = Table(
            [[_("Health centre"), _("Code"), _("Days without cover")], *rows],
            colWidths=[CONTENT_WIDTH - 30 * mm - 40 * mm, 30 * mm, 40 * mm],
            repeatRows=1,
        )
        table.setStyle(self._table_style(numeric_from=2))
        return [title, note, Spacer(1, 2 * mm), table]

    def _annex(self) -> list[Flowable]:
        flowables: list[Flowable] = [
            Paragraph(_("Annex: how each indicator is computed"), self.styles["h1"]),
            Paragraph(
                escape(
                    _(
                        "Months are calendar months in %(zone)s time. A pregnancy, and everything reported "
                        "about it, belongs to the district and sector of the mother's village as recorded now; "
                        "a red alert belongs to those of its health facility. The definitions below are the "
                        "reference text, in English."
                    )
                    % {"zone": settings.TIME_ZONE}
                ),
                self.styles["body"],
            ),
        ]
        for indicator in INDICATORS:
            target = presentation.target_text(indicator, presentation.target_of(self.report, indicator.name))
            flowables.append(
                KeepTogether(
                    [
                        Paragraph(
                            f"<b>{escape(str(indicator.title))}</b> ({_unit_words(indicator)}) "
                            f"<font name='Courier' size='7'>{indicator.name}</font>"
                            + (f" {escape(_('Target'))}: {escape(target)}" if target else ""),
                            self.styles["annex_title"],
                        ),
                        Paragraph(escape(indicator.rule), self.styles["body"]),
                    ]
                )
            )
        return flowables

    # --- helpers --------------------------------------------------------------------------------

    def _figure(self, name: str, key: str = "month") -> Figure:
        return Figure.from_json(self.report.figures.get(name, {}).get(key))

    @staticmethod
    def _styles() -> dict[str, ParagraphStyle]:
        base = getSampleStyleSheet()["BodyText"]
        return {
            "h1": ParagraphStyle(
                "h1",
                parent=base,
                fontName="Helvetica-Bold",
                fontSize=11,
                textColor=ACCENT,
                spaceBefore=8,
                spaceAfter=4,
            ),
            "h2": ParagraphStyle(
                "h2",
                parent=base,
                fontName="Helvetica-Bold",
                fontSize=9,
                textColor=INK,
                spaceBefore=8,
                spaceAfter=2,
            ),
            "body": ParagraphStyle("body", parent=base, fontSize=8.5, leading=11, textColor=INK),
            "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=INK),
            "warning": ParagraphStyle(
                "warning", parent=base, fontName="Helvetica-Bold", fontSize=9, leading=11, textColor=WARNING
            ),
            "annex_title": ParagraphStyle(
                "annex_title", parent=base, fontSize=9, spaceBefore=5, spaceAfter=0
            ),
            "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=9.5, textColor=INK),
            "head": ParagraphStyle(
                "head", parent=base, fontName="Helvetica-Bold", fontSize=7, leading=8.5, alignment=2
            ),
            "head_left": ParagraphStyle(
                "head_left", parent=base, fontName="Helvetica-Bold", fontSize=7, leading=8.5
            ),
        }

    @staticmethod
    def _table_style(*, numeric_from: int, highlight_column: int | None = None) -> TableStyle:
        style = TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
        if highlight_column is not None:
            style.add("FONTNAME", (highlight_column, 1), (highlight_column, -1), "Helvetica-Bold")
        return style


def _scale(axis, top: float, *, whole: bool) -> None:
    """From zero to a little above ``top``; for counts, whole-number ticks in steps of 1, 2 or 5 x 10^n."""
    axis.valueMin = 0
    if not whole:
        axis.valueMax = top * 1.15
        return
    magnitude = 10 ** math.floor(math.log10(max(top / 5, 1)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if top / 5 <= m * magnitude)
    axis.valueStep = step
    axis.valueMax = step * (math.floor(top / step) + 1)


def _unit_words(indicator: Indicator) -> str:
    return {Unit.COUNT: _("count"), Unit.PERCENT: _("percentage"), Unit.MINUTES: _("minutes")}[indicator.unit]


def _paint_flags(style: TableStyle, flags: list[tuple[tuple[int, int], Flag | None]]) -> None:
    """Each flagged cell's background in its flag's colour."""
    for cell, flag in flags:
        if flag is not None:
            style.add("BACKGROUND", cell, cell, FLAG_COLOURS[flag])

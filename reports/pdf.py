"""Phase two of a monthly report: the A4 PDF, laid out from the snapshot of a ``MonthlyReport``.
As in pretix's exporters, the data is computed first (``reports.services``) and this renderer class
only draws it: it runs no query about mothers, so nothing but aggregates can reach the page."""

from __future__ import annotations

import math
from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
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

from reports.indicators import BY_NAME, INDICATORS, Figure, Indicator, Unit
from reports.models import MonthlyReport
from reports.months import Month

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
HEADER_HEIGHT = 24 * mm
FOOTER_HEIGHT = 12 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: How many indicators fit side by side in a per-sector table on a portrait page.
SECTOR_TABLE_COLUMNS = 6
PLACE_LABELS = {"hc": "Health centre", "hp": "Hospital", "ho": "Home", "or": "On the way"}

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
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(INK)
            self.drawRightString(
                PAGE_WIDTH - MARGIN, FOOTER_HEIGHT / 2, f"Page {self._pageNumber} of {total}"
            )
            super().showPage()
        super().save()


class MonthlyReportRenderer:
    """Renders one computed ``MonthlyReport`` (its snapshot fields) as PDF bytes."""

    def __init__(self, report: MonthlyReport) -> None:
        self.report = report
        self.month: Month = report.period
        self.styles = self._styles()

    def render(self) -> bytes:
        buffer = BytesIO()
        document = BaseDocTemplate(
            buffer,
            pagesize=A4,
            title=f"{self.report.district.name} {self.month.label}",
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
        canvas.drawString(MARGIN, top - 12, f"{self.report.district.name} district")
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 12, self.month.label)
        canvas.setFillColor(INK)
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(MARGIN, top - 26, f"{settings.PROJECT_NAME} monthly maternal health report")
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, top - 26, f"Generated {generated:%d.%m.%Y %H:%M} ({settings.TIME_ZONE})"
        )
        canvas.drawString(
            MARGIN,
            top - 38,
            f"Data completeness {BY_NAME['data_completeness'].format(completeness)} "
            f"({completeness.numerator or 0} of {completeness.denominator or 0} active volunteers reported)",
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 46, PAGE_WIDTH - MARGIN, top - 46)
        canvas.line(MARGIN, FOOTER_HEIGHT, PAGE_WIDTH - MARGIN, FOOTER_HEIGHT)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(MARGIN, FOOTER_HEIGHT / 2, "Aggregated figures only: no names or identifiers.")
        canvas.restoreState()

    # --- content --------------------------------------------------------------------------------

    def _story(self) -> list[Flowable]:
        return [
            *self._key_indicators(),
            *self._sector_tables(),
            *self._charts(),
            *self._needing_action(),
            PageBreak(),
            *self._annex(),
        ]

    def _key_indicators(self) -> list[Flowable]:
        header = ["Indicator", self.month.label, self.month.shift(-1).label, self.month.shift(-12).label]
        rows = [
            [
                Paragraph(escape(indicator.title), self.styles["cell"]),
                *(
                    _with_counts(indicator, self._figure(indicator.name, key))
                    for key in ("month", "previous", "last_year")
                ),
            ]
            for indicator in INDICATORS
        ]
        table = Table(
            [header, *rows], colWidths=[CONTENT_WIDTH - 3 * 34 * mm, 34 * mm, 34 * mm, 34 * mm], repeatRows=1
        )
        table.setStyle(self._table_style(numeric_from=1, highlight_column=1))
        return [Paragraph("Key indicators", self.styles["h1"]), table]

    def _sector_tables(self) -> list[Flowable]:
        flowables: list[Flowable] = [Paragraph("Indicators per sector", self.styles["h1"])]
        if not self.report.sectors:
            return [*flowables, Paragraph("No sector of this district is recorded.", self.styles["body"])]
        for start in range(0, len(INDICATORS), SECTOR_TABLE_COLUMNS):
            chunk = INDICATORS[start : start + SECTOR_TABLE_COLUMNS]
            header = [Paragraph("Sector", self.styles["head_left"])] + [
                Paragraph(escape(indicator.short_title), self.styles["head"]) for indicator in chunk
            ]
            rows = [
                [Paragraph(escape(sector["name"]), self.styles["cell"])]
                + [
                    indicator.format(Figure.from_json(sector["figures"].get(indicator.name)))
                    for indicator in chunk
                ]
                for sector in self.report.sectors
            ]
            total = [Paragraph("<b>District</b>", self.styles["cell"])] + [
                indicator.format(self._figure(indicator.name)) for indicator in chunk
            ]
            column = (CONTENT_WIDTH - 40 * mm) / SECTOR_TABLE_COLUMNS
            table = Table(
                [header, *rows, total],
                colWidths=[40 * mm] + [column] * len(chunk),
                repeatRows=1,
                hAlign="LEFT",
            )
            style = self._table_style(numeric_from=1)
            style.add("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold")
            style.add("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)
            table.setStyle(style)
            flowables += [table, Spacer(1, 3 * mm)]
        return flowables

    def _charts(self) -> list[Flowable]:
        trends = self.report.trends
        charts = [
            self._line_or_bar_chart(
                "New pregnancies registered", trends.get("new_pregnancies", []), bars=True
            ),
            self._line_or_bar_chart("Facility births (%)", trends.get("facility_births", []), maximum=100),
            self._line_or_bar_chart(
                "Median time to acknowledge a red alert (min)",
                trends.get("median_minutes_to_acknowledge", []),
            ),
            self._births_by_place_chart(),
        ]
        grid = Table([charts[:2], charts[2:]], colWidths=[CONTENT_WIDTH / 2] * 2)
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        return [
            KeepTogether([Paragraph("Trends over 12 months, and births by place", self.styles["h1"]), grid])
        ]

    def _line_or_bar_chart(
        self, title: str, series: list[dict], *, bars: bool = False, maximum: float | None = None
    ) -> Drawing:
        width, height = CONTENT_WIDTH / 2 - 4 * mm, 62 * mm
        drawing = Drawing(width, height)
        drawing.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=8.5, fillColor=INK))
        values = [point["value"] for point in series]
        chart = VerticalBarChart() if bars else HorizontalLineChart()
        chart.x, chart.y, chart.width, chart.height = 24, 26, width - 32, height - 48
        chart.data = [[0 if value is None and bars else value for value in values]]
        chart.categoryAxis.categoryNames = [_axis_label(point["month"]) for point in series]
        chart.categoryAxis.labels.fontSize = 6
        chart.categoryAxis.labels.angle = 45
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.valueAxis.labels.fontSize = 6.5
        if maximum is None:
            _scale(chart.valueAxis, max([value for value in values if value] or [1]), whole=bars)
        else:
            chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, maximum
        chart.valueAxis.visibleGrid = True
        chart.valueAxis.gridStrokeColor = SHADE
        if bars:
            chart.bars[0].fillColor = ACCENT
            chart.bars[0].strokeColor = None
        else:
            chart.lines[0].strokeColor = ACCENT
            chart.lines[0].strokeWidth = 1.5
            chart.lines[0].symbol = makeMarker("FilledCircle", size=3.5, fillColor=ACCENT, strokeColor=ACCENT)
            chart.joinedLines = any(value is not None for value in values)  # reportlab needs a point
        drawing.add(chart)
        if not any(value for value in values):
            drawing.add(
                String(width / 2, height / 2, "No data", textAnchor="middle", fontSize=8, fillColor=RULE)
            )
        return drawing

    def _births_by_place_chart(self) -> Drawing:
        width, height = CONTENT_WIDTH / 2 - 4 * mm, 62 * mm
        drawing = Drawing(width, height)
        drawing.add(
            String(
                0,
                height - 10,
                f"Births by place, {self.month.label}",
                fontName="Helvetica-Bold",
                fontSize=8.5,
            )
        )
        places = self.report.births_by_place
        if not places:
            drawing.add(
                String(width / 2, height / 2, "No births", textAnchor="middle", fontSize=8, fillColor=RULE)
            )
            return drawing
        # Known places in their usual order, top to bottom (a horizontal chart draws upwards).
        codes = sorted(
            places, key=lambda code: (list(PLACE_LABELS).index(code) if code in PLACE_LABELS else 99, code)
        )
        codes.reverse()
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 62, 10, width - 84, height - 30
        chart.data = [[places[code] for code in codes]]
        chart.categoryAxis.categoryNames = [PLACE_LABELS.get(code, code) for code in codes]
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
            "Needing action: open red alerts and missed visits by health facility", self.styles["h1"]
        )
        note = Paragraph(
            f"Alerts raised before the end of {self.month.label} whose outcome (RAR) was not reported by then, and "
            "the visits that became missed during the month. Counts only.",
            self.styles["small"],
        )
        if not self.report.facilities and not self.report.uncovered_days:
            return [title, note, Paragraph("Nothing is waiting for action.", self.styles["body"])]
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
                [["Health facility", "Code", "Open alerts", "Missed visits"], *rows],
                colWidths=[CONTENT_WIDTH - 3 * 30 * mm, 30 * mm, 30 * mm, 30 * mm],
                repeatRows=1,
            )
            table.setStyle(self._table_style(numeric_from=2))
            flowables.append(table)
        else:
            flowables.append(Paragraph("No open alert and no missed visit.", self.styles["body"]))
        return [*flowables, *self._uncovered_days()]

    def _uncovered_days(self) -> list[Flowable]:
        """Health centres whose morning duty check found no midwife or nurse on duty."""
        title = Paragraph("Days without level-1 cover by health centre", self.styles["h2"])
        note = Paragraph(
            "Days of the month whose morning duty check found no midwife or nurse on duty at the health "
            "centre: a red alert sent then would have reached nobody at level 1.",
            self.styles["small"],
        )
        if not self.report.uncovered_days:
            return [title, note, Paragraph("Every health centre was covered.", self.styles["body"])]
        rows = [
            [Paragraph(escape(row["name"]), self.styles["cell"]), row["code"], row["days"]]
            for row in self.report.uncovered_days
        ]
        table = Table(
            [["Health centre", "Code", "Days without cover"], *rows],
            colWidths=[CONTENT_WIDTH - 30 * mm - 40 * mm, 30 * mm, 40 * mm],
            repeatRows=1,
        )
        table.setStyle(self._table_style(numeric_from=2))
        return [title, note, Spacer(1, 2 * mm), table]

    def _annex(self) -> list[Flowable]:
        flowables: list[Flowable] = [
            Paragraph("Annex: how each indicator is computed", self.styles["h1"]),
            Paragraph(
                f"Months are calendar months in {escape(settings.TIME_ZONE)} time. A pregnancy, and everything "
                "reported about it, belongs to the district and sector of the mother's village as recorded now; "
                "a red alert belongs to those of its health facility.",
                self.styles["body"],
            ),
        ]
        for indicator in INDICATORS:
            flowables.append(
                KeepTogether(
                    [
                        Paragraph(
                            f"<b>{escape(indicator.title)}</b> ({_unit_words(indicator)}) "
                            f"<font name='Courier' size='7'>{indicator.name}</font>",
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


def _with_counts(indicator: Indicator, figure: Figure) -> str:
    """A percentage with the counts it comes from, so a reader sees how small the numbers are."""
    if indicator.unit == Unit.PERCENT and figure.denominator:
        return f"{indicator.format(figure)} ({figure.numerator}/{figure.denominator})"
    return indicator.format(figure)


def _axis_label(month: str) -> str:
    return Month.parse(month).short_label


def _unit_words(indicator: Indicator) -> str:
    return {Unit.COUNT: "count", Unit.PERCENT: "percentage", Unit.MINUTES: "minutes"}[indicator.unit]

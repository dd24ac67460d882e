"""The form that asks for a district's report of a month."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from maternal.models import Location
from reports.months import Month
from reports.selectors import visible_districts


class ReportRequestForm(forms.Form):
    district = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    month = forms.CharField(
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        help_text="A calendar month, written YYYY-MM.",
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        assert isinstance(district, forms.ModelChoiceField)
        district.queryset = visible_districts(user)

    def clean_month(self) -> Month:
        try:
            month = Month.parse(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError("Write the month as YYYY-MM, for example 2026-01.") from None
        if month > Month.current():
            raise forms.ValidationError("That month has not started yet.")
        return month

"""My settings, for drivers: how notices reach me, and in which language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from deliveries.driver_settings import driver_settings_update
from deliveries.models import Driver, NoticeChannel
from deliveries.notify import enabled_channels
from deliveries.views.common import render_page, signed_in_driver
from mutualaid.errors import ServiceError, show_error


class DriverSettingsForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("How should we tell you about routes?"), required=False
    )
    number = forms.CharField(
        label=gettext_lazy("Phone number for Signal or text messages"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    forget_number = forms.BooleanField(
        label=gettext_lazy("Forget the number I gave"), required=False
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the notices"), choices=settings.LANGUAGES
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(NoticeChannel.choices)
        channels = [(c, labels[c]) for c in enabled_channels() if c != NoticeChannel.CONSOLE]
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("The network's usual way")),
            *channels,
        ]


@never_cache
@sensitive_post_parameters("number")
@signed_in_driver()
def driver_settings(request: HttpRequest, driver: Driver) -> HttpResponse:
    initial = {"channel": driver.notice_channel, "language": driver.language}
    form = DriverSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            driver_settings_update(driver=driver, **form.cleaned_data)
        except ServiceError as error:
            show_error(request, error, form)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("deliveries:driver_settings")
    return render_page(
        request,
        "deliveries/settings.html",
        {"form": form, "has_number": driver.notice_number is not None},
    )

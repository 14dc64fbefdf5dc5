"""A link per language, and a flyer per language to print.

`?lang=so` on any page opens it in Somali and keeps that choice (the language cookie, as
Django's language switcher sets it), so a link shared in a group chat or printed on a
flyer opens the form in the family's language. `/so/request/` is the short form of
`/request/?lang=so`, for typing from paper. Django's `i18n_patterns` would have moved
every URL of the site under a language prefix; one middleware and one redirect do not.

The flyer (`/flyer/so/`) holds the short link as text and as a QR code drawn here (segno,
as inline SVG without any style attribute: the site's CSP allows no inline style), in
its own language, and nothing personal.
"""

from __future__ import annotations

from collections.abc import Callable

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

LINK_PARAMETER = "lang"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_pattern() -> str:
    """The URL part that names one of our languages, for the routes that take one."""
    return "|".join(sorted(language_codes(), key=len, reverse=True))


class LanguageFromLinkMiddleware:
    """`?lang=<code>` activates that language for this page and keeps it for the next ones
    (the language cookie). An unknown or missing code changes nothing: the cookie or the
    browser's languages decide, as LocaleMiddleware (which runs before this) found."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.GET.get(LINK_PARAMETER, "")
        if language not in language_codes():
            return self.get_response(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        # LocaleMiddleware would name the language it found, not this one.
        response.headers["Content-Language"] = language
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


def form_link(language: str) -> str:
    """The request form in `language`, as the site links it: `/request/?lang=so`."""
    return f"{reverse('household_requests:request_form')}?{LINK_PARAMETER}={language}"


def short_link(request: HttpRequest, language: str) -> str:
    """The flyer's link, absolute and short enough to type: `https://.../so/request/`."""
    return request.build_absolute_uri(reverse("request_in_language", args=[language]))


def request_in_language(request: HttpRequest, language: str) -> HttpResponseRedirect:
    """`/so/request/`: the request form in Somali (a redirect to `/request/?lang=so`)."""
    return HttpResponseRedirect(form_link(language))


def qr_svg(payload: str) -> SafeString:
    """`payload` as a QR code in inline SVG that scales with its box (a viewBox, no size),
    with a quiet zone of 4 modules for print. Safe: segno writes the SVG from the bits of
    the code, never the payload's text."""
    code = segno.make(payload, error="m")
    svg = code.svg_inline(border=4, omitsize=True, title=None, svgclass="qr", lineclass=None)
    return mark_safe(svg)  # noqa: S308 (markup drawn by segno, holds no typed text)


def flyer(request: HttpRequest, language: str) -> HttpResponse:
    """A page to print (A4 or Letter) in `language`: the request link as text and QR code."""
    if language not in language_codes():
        raise Http404
    link = short_link(request, language)
    with translation.override(language):
        response = render(request, "flyer.html", {"link": link, "qr": qr_svg(link)})
    response["Content-Language"] = language
    return response

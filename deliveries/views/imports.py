"""Organizer pages: import a network's spreadsheets (deliveries.imports does the work).

Upload -> preview (every row, its errors; nothing saved) -> confirm (every row checked
again and saved, all or nothing) -> result (counts; each new driver's one-time link, or
that it was emailed). The confirm form carries the file's text back: the server keeps
nothing between the two steps, and the import checks it all again anyway.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from deliveries import imports
from mutualaid import volunteers
from mutualaid.bounds import bounded_int
from mutualaid.errors import ServiceError
from mutualaid.roles import acting_user, organizer_required

SAMPLES_DIR = settings.BASE_DIR / "docs" / "import"
# The file plus the form's other fields and the multipart boundaries.
MAX_UPLOAD_BODY = imports.MAX_IMPORT_BYTES + 16 * 1024
KIND_CHOICES = [(kind, label) for kind, (label, _columns) in imports.KINDS.items()]

SESSION_IMPORTED = "imports_done"  # digests of the files imported in this session


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("CSV file"))


class ConfirmForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.HiddenInput)
    text = forms.CharField(
        widget=forms.HiddenInput, strip=False, max_length=imports.MAX_IMPORT_BYTES
    )


def _declared_length(request: HttpRequest) -> int:
    length = bounded_int(request.META.get("CONTENT_LENGTH") or "0")
    return MAX_UPLOAD_BODY + 1 if length is None else length


def _samples() -> list[tuple[str, str]]:
    return [(kind, str(label)) for kind, label in KIND_CHOICES]


def _page(
    request: HttpRequest, form: UploadForm, status: int = 200, error: str = ""
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "samples": _samples(),
        "kinds": [(label, columns) for label, columns in imports.KINDS.values()],
        "max_kb": imports.MAX_IMPORT_BYTES // 1024,
        "max_rows": imports.MAX_IMPORT_ROWS,
    }
    return render(request, "imports/upload.html", context, status=status)


def _preview(request: HttpRequest, run: imports.ImportRun, text: str) -> HttpResponse:
    confirm = ConfirmForm(initial={"kind": run.kind, "text": text})
    context = {"run": run, "confirm": confirm, "kind_label": imports.KINDS[run.kind][0]}
    return render(request, "imports/preview.html", context, status=200 if run.ok else 400)


# The CSRF check reads the body (the token is a form field), so it runs inside the view,
# after an upload past the bound is refused by its declared length without being read.
@csrf_exempt
@organizer_required
def import_start(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: the preview of the uploaded file."""
    if request.method == "POST" and _declared_length(request) > MAX_UPLOAD_BODY:
        error = imports.FILE_TOO_BIG % {"limit": imports.MAX_IMPORT_BYTES // 1024}
        return _page(request, UploadForm(), status=400, error=str(error))
    return _import_preview(request)


@csrf_protect
def _import_preview(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, form, status=400 if request.method == "POST" else 200)
    upload = form.cleaned_data["file"]
    try:
        # One byte past the bound is enough to refuse: never read a big file whole.
        text = imports.read_upload(upload.read(imports.MAX_IMPORT_BYTES + 1))
        run = imports.import_run(
            kind=form.cleaned_data["kind"], text=text, by=acting_user(request), save=False
        )
    except ServiceError as error:
        form.add_error("file", str(error))
        return _page(request, form, status=400)
    return _preview(request, run, text)


@organizer_required
def import_confirm(request: HttpRequest) -> HttpResponse:
    """POST: check every row again and save them all, or none (the preview again)."""
    if request.method != "POST":
        raise Http404
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        message = _("The file could not be read again: upload it once more.")
        return _page(request, UploadForm(), status=400, error=str(message))
    kind, text = form.cleaned_data["kind"], form.cleaned_data["text"]
    # A second "Import" of the same file (a double click, a reload) would receive the same
    # opening stock twice: the other kinds clash by name, stock does not.
    digest = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()
    done = list(request.session.get(SESSION_IMPORTED, []))
    if digest in done:
        message = _("This file was already imported. Nothing was saved twice.")
        return _page(request, UploadForm(initial={"kind": kind}), status=409, error=str(message))
    try:
        run = imports.import_run(kind=kind, text=text, by=acting_user(request), save=True)
    except ServiceError as error:
        return _page(request, UploadForm(initial={"kind": kind}), status=400, error=str(error))
    if not run.saved:
        return _preview(request, run, text)
    request.session[SESSION_IMPORTED] = [*done, digest][-20:]
    # After the commit: mail each link when mail is configured, else show it once here.
    for link in run.links:
        url = request.build_absolute_uri(reverse("access_link", args=[link.issued.token]))
        expires = formats.date_format(timezone.localtime(link.issued.expires_at), "DATETIME_FORMAT")
        link.emailed = volunteers.link_mail(link=link.issued, url=url, expires=expires)
        link.url = "" if link.emailed else url
    context = {"run": run, "kind_label": imports.KINDS[kind][0]}
    return render(request, "imports/done.html", context)


@organizer_required
def import_sample(request: HttpRequest, kind: str) -> FileResponse:
    """The shipped sample file of a kind (docs/import/sample_<kind>.csv)."""
    if kind not in imports.KINDS:
        raise Http404
    path = SAMPLES_DIR / f"sample_{kind}.csv"
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="text/csv"
    )

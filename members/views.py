"""The secretary's pages outside the admin's model lists: the Excel import, a branch's points ranking and
political birthdays. Each reads through the selectors (scoped) and writes through the services."""

import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.decorators import staff_page
from accounts.scopes import resolve_scope
from core.downloads import xlsx_download
from core.errors import ConflictError
from core.errors import PermissionDenied as ServicePermissionDenied
from core.errors import ValidationError

from .development.selectors import step_record_get
from .dues.selectors import dues_paid_to
from .imports import cells, engine
from .imports.models import ImportKind, ImportMode, MemberImport
from .orglife.selectors import compliance_list, duty_status
from .points.selectors import points_ranking
from .records.selectors import birthdays_upcoming, branch_get
from .transfers.models import TransferStatus
from .transfers.selectors import transfer_list


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _import_kind(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or ImportKind.MEMBERS
    return kind if kind in engine.SHEETS else ImportKind.MEMBERS


#: Each kind's admin list (the breadcrumb's way back) and the page's title.
_IMPORT_PAGES = {
    "members": ("admin:members_member_changelist", gettext_lazy("Import party members from Excel")),
    "points": ("admin:members_pointentry_changelist", gettext_lazy("Import points from Excel")),
    "dues": ("admin:members_duespayment_changelist", gettext_lazy("Import dues payments from Excel")),
    "attendance": ("admin:members_meeting_changelist", gettext_lazy("Import meeting attendance from Excel")),
}


def _import_context(request, kind, **extra):
    changelist, title = _IMPORT_PAGES[kind]
    return _context(request, str(title), kind=kind, kinds=ImportKind.choices, back_url=reverse(changelist),
                    back_label=str(ImportKind(kind).label), modes=ImportMode.choices, **extra)


@staff_page(write=True)
def member_import_view(request):
    """Choose what to import (members, points, dues, attendance) and upload the sheet; see every rejected row by
    row and column; nothing is written unless all rows pass (or "import the valid rows" is ticked)."""
    kind = _import_kind(request)
    result, file_error = None, None
    if request.method == "POST":
        upload = request.FILES.get("file")
        valid_only = request.POST.get("valid_only") == "1"
        # Members only: add new ones (the default) or update those already registered in the user's area.
        mode = ImportMode.UPDATE if kind == ImportKind.MEMBERS and request.POST.get("mode") == ImportMode.UPDATE \
            else ImportMode.ADD
        if upload is None:
            file_error = _("Choose a file to import.")
        elif upload.size > cells.MAX_UPLOAD_BYTES:
            file_error = _("The file is larger than 20 MB.")
        else:
            background = False
            try:
                # Read here only a small file; a bigger one is kept and read once, in the background.
                dataset = cells.read_sheet(upload.read(), upload.name, interactive=True,
                                           interactive_rows=engine.BACKGROUND_ROWS)
                result = engine.sheet_import(kind=kind, actor=request.user, dataset=dataset, valid_only=valid_only,
                                             mode=mode)
            except cells.TooBigForNow:
                background = True
            except ValidationError as exc:
                file_error = " ".join(exc.messages)
            except ConflictError as exc:
                file_error = exc.message
            except ServicePermissionDenied as exc:
                raise PermissionDenied from exc
            if background:  # outside the file's try: a failure here is not the file's fault
                try:
                    return _start_background(request, upload, kind, valid_only, mode)
                except ServicePermissionDenied as exc:
                    raise PermissionDenied from exc
    return render(request, "members/import.html", _import_context(
        request, kind, result=result, file_error=file_error, max_errors=200,
        errors=result.errors[:200] if result else []))


@staff_page(write=True)
def member_import_template_view(request):
    """A blank sheet of the chosen kind, headers in the user's language, with an example row and the allowed
    values (members.imports.template)."""
    kind = _import_kind(request)
    return xlsx_download(engine.template_xlsx(kind, actor=request.user), f"{kind}-template.xlsx")


@staff_page
def branch_view(request, pk):
    """A branch's page: the points ranking of the year and the political birthdays of the next 30 days."""
    branch = branch_get(user=request.user, pk=pk)
    if branch is None:
        raise Http404
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        datetime.date(year, 1, 1)
    except ValueError:
        year = today.year
    ranking = list(points_ranking(user=request.user, branch=branch, year=year)[:500])
    birthdays = birthdays_upcoming(user=request.user, branch=branch, days=30, today=today)
    duties = duty_status(user=request.user, org=branch, day=today)
    compliance = list(compliance_list(user=request.user).filter(org=branch).order_by("-quarter")[:4])
    return render(request, "members/branch.html", _context(
        request, branch.name, branch=branch, year=year, ranking=ranking, birthdays=birthdays, duties=duties,
        compliance=compliance))


@staff_page
def step_attachment_view(request, pk):
    """A development step's attachment (the materials a pre-review reads), for whoever may see the candidate."""
    record = step_record_get(user=request.user, pk=pk)
    if record is None or not record.attachment:
        raise Http404
    try:
        handle = record.attachment.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=record.attachment.name.rsplit("/", 1)[-1])


@staff_page
def birthdays_view(request):
    """Political birthdays of the next 30 days everywhere the user sees."""
    today = timezone.localdate()
    birthdays = birthdays_upcoming(user=request.user, days=30, today=today)[:1000]
    return render(request, "members/birthdays.html", _context(
        request, _("Political birthdays in the next 30 days"), birthdays=birthdays, today=today))


@staff_page
def transfer_letter_view(request, pk):
    """The printable introduction letter (介绍信) of a transfer out of the district."""
    transfer = transfer_list(user=request.user).filter(
        pk=pk, status__in=[TransferStatus.LETTER, TransferStatus.COMPLETED]).first()
    if transfer is None or not resolve_scope(request.user).covers(transfer.from_org):
        raise Http404
    return render(request, "members/transfer_letter.html", {
        "transfer": transfer, "member": transfer.member, "today": timezone.localdate(),
        "dues_paid_to": dues_paid_to(member=transfer.member)})


def _start_background(request, upload, kind, valid_only, mode=ImportMode.ADD):
    """Keep the file and queue its import (an outbox row, handed to Celery after commit; while Redis is down it
    waits for the outbox's sweep), then show its status page: queued, processed shortly."""
    upload.seek(0)
    job = engine.import_start(actor=request.user, upload=upload, kind=kind, valid_only=valid_only, mode=mode)
    return redirect("members:import-status", pk=job.pk)


@staff_page(write=True)
def member_import_status_view(request, pk):
    """A background import's progress (the page refreshes itself until it is done) and then its outcome."""
    job = MemberImport.objects.filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404
    percent = round(100 * job.processed / job.total) if job.total else 0
    return render(request, "members/import_status.html", _import_context(
        request, job.kind, job=job, percent=percent, errors=[engine.RowError(**e) for e in job.errors[:200]]))

"""The import of a sheet of any kind, and its background run: every row checked (errors named by row and
column), nothing written unless the whole file is valid (or the valid rows only, when asked), one transaction."""

from dataclasses import dataclass, field

import tablib
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.scopes import resolve_scope
from core.errors import ConflictError, PermissionDenied, ValidationError, error_messages
from jobs.outbox import RETRY_ON
from jobs.queue import enqueue_task

from .cells import INTERACTIVE_ROWS, MAX_ROWS, CellError, cell_text, load_dataset, read_cell
from .models import ImportKind, ImportMode, ImportStatus, MemberImport
from .sheets import SHEETS
from .template import example_matches, template_workbook


#: The Celery task of a background import (members.tasks; named, not imported: the tasks import this module).
IMPORT_TASK = "members.tasks.run_member_import"
BACKGROUND_ROWS = INTERACTIVE_ROWS  # files with more rows are read and imported in the background
PROGRESS_EVERY = 500


@dataclass
class RowError:
    row: int
    column: str  # letter, "" for the whole row
    header: str
    message: str

    def __str__(self):
        where = _("row %(row)s") % {"row": self.row}
        if self.header:
            where += ", " + _("column %(column)s (%(header)s)") % {"column": self.column, "header": self.header}
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    kind: str = ImportKind.MEMBERS
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list = field(default_factory=list)

    @property
    def error_rows(self):
        return len({e.row for e in self.errors})


def sheet_import(*, kind, actor, dataset, valid_only=False, progress=None, guard=None, written=None,
                 mode=ImportMode.ADD):
    """Validate every row of `dataset` as a sheet of `kind` (members, points, dues, attendance) and, if all are
    valid (or `valid_only`), write them in one transaction. `progress(rows_checked)` is called every
    PROGRESS_EVERY rows (the background import shows it); `guard()` first thing in the write transaction and
    `written(result)` last thing in it (the background import records itself done in the same transaction as its
    rows). `mode` "update" (members only) changes members already registered in the actor's area instead of
    adding new ones: a row names the member by ID-card number and changes only the cells it fills. Raises
    PermissionDenied for a user who may change nothing, ValidationError for a file that is not such a sheet at
    all; row errors are in the result."""
    if kind not in SHEETS:
        raise ValidationError({"kind": [_("Choose what to import.")]})
    scope = resolve_scope(actor)
    sheet = SHEETS[kind](actor, scope)
    if not scope.writes_anywhere:
        raise PermissionDenied(str(sheet.refused))
    if mode not in sheet.modes:
        raise ValidationError({"mode": [_("This kind of sheet cannot update records already registered.")]})
    sheet.use_mode(mode)
    if dataset.height > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(max)s rows in one file.") % {"max": MAX_ROWS}]})
    result = ImportResult(kind=kind, total=dataset.height)
    columns_spec = sheet.spec()
    aliases = sheet.aliases()
    columns = {}  # field → (index, letter, header)
    for index, header in enumerate(dataset.headers or []):
        # The template marks the columns every row must fill with an asterisk ("姓名*").
        name = aliases.get(cell_text(header).rstrip("*").strip().lower())
        if name and name not in columns:
            columns[name] = (index, get_column_letter(index + 1), cell_text(header))
    missing = [name for name in sheet.required if name not in columns]
    if missing:
        raise ValidationError({"file": [_("The sheet has no column for: %(columns)s.") % {
            "columns": ", ".join(str(columns_spec[n][0]) for n in missing)}]})
    sheet.present = set(columns)
    sheet.unchanged = 0
    choices = {name: sheet.choices(name) for name in columns}

    def error_at(row_no, name, message):
        _index, letter, header = columns.get(name, (None, "", "")) if name else (None, "", "")
        result.errors.append(RowError(row_no, letter, header, str(message)))

    rows = []
    for offset, row in enumerate(dataset):
        row_no = offset + 2
        if not any(cell_text(v) for v in row):
            result.total -= 1
            continue
        if example_matches(kind, {name: row[index] if index < len(row) else None
                                  for name, (index, _letter, _header) in columns.items()}):
            result.total -= 1  # the template's example row, left as it was
            continue
        values, failed = {}, False
        for name, (index, _letter, _header) in columns.items():
            raw = row[index] if index < len(row) else None
            try:
                values[name] = read_cell(columns_spec[name][1], raw, choices=choices[name])
            except CellError as exc:
                error_at(row_no, name, str(exc))
                failed = True
        for name in sheet.required:
            if name in values and values[name] in ("", None):
                error_at(row_no, name, _("This column must be filled in."))
                failed = True
        rows.append((row_no, values, failed))
    sheet.prepare([(row_no, values) for row_no, values, _failed in rows])
    items = []
    for offset, (row_no, values, failed) in enumerate(rows):
        if progress is not None and offset and offset % PROGRESS_EVERY == 0:
            progress(offset)
        errors_before = len(result.errors)
        item = sheet.clean(row_no, values, lambda name, message, row_no=row_no: error_at(row_no, name, message),
                           failed)
        if item is not None and not failed and len(result.errors) == errors_before:
            items.append((row_no, item))
    items = sheet.finish(items, error_at)
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.unchanged = sheet.unchanged
    if result.errors and not valid_only:
        return result
    try:
        with transaction.atomic():
            if guard is not None:
                guard()
            result.created, result.updated = sheet.write(items)
            result.written = True
            if written is not None:
                written(result)
    except IntegrityError as exc:
        # Rows checked as new were written by another import meanwhile (the same file sent twice at once).
        result.written = False
        raise ConflictError(_("Another import wrote some of these records while this file was being checked, so "
                              "nothing from this file was written. Import it again: the rows already recorded "
                              "will be listed."), code="import_conflict") from exc
    return result


def member_import(*, actor, dataset, valid_only=False, progress=None):
    """Validate every row of a members sheet and, if all are valid (or `valid_only`), create the members."""
    return sheet_import(kind=ImportKind.MEMBERS, actor=actor, dataset=dataset, valid_only=valid_only,
                        progress=progress)


def template_dataset(kind=ImportKind.MEMBERS):
    """An empty sheet of `kind` with the headers in the current language (the import page offers it)."""
    sheet = SHEETS[kind]
    return tablib.Dataset(headers=[str(header) for header, _kind in sheet.spec().values()], title=sheet.title)


def template_xlsx(kind=ImportKind.MEMBERS, *, actor=None):
    """The blank sheet of `kind` as a secretary downloads it (members.imports.template): an example row, the
    allowed values as drop-down lists, the ID-card column as text, readable widths."""
    if kind not in SHEETS:
        raise ValidationError({"kind": [_("Choose what to import.")]})
    return template_workbook(kind, actor=actor)


@transaction.atomic
def import_start(*, actor, upload, kind=ImportKind.MEMBERS, valid_only=False, mode=ImportMode.ADD):
    """Keep an uploaded sheet for the background import and queue it (jobs.queue.enqueue_task: an outbox row in
    this transaction, handed to Celery once it commits, or by the outbox's sweep if Redis is down then)."""
    if kind not in SHEETS:
        raise ValidationError({"kind": [_("Choose what to import.")]})
    if not resolve_scope(actor).writes_anywhere:
        raise PermissionDenied(str(SHEETS[kind].refused))
    if mode not in SHEETS[kind].modes:
        raise ValidationError({"mode": [_("This kind of sheet cannot update records already registered.")]})
    job = MemberImport.objects.create(created_by=actor, kind=kind, file=upload, file_name=upload.name[:200],
                                      valid_only=valid_only, mode=mode)
    enqueue_task(IMPORT_TASK, job.pk, label=f"{IMPORT_TASK} {job.pk} {job.file_name}"[:200])
    return job


class _Superseded(Exception):
    """Another run of the same import finished it first."""


def _failed(message):
    return {"status": ImportStatus.FAILED, "finished_at": timezone.now(),
            "errors": [{"row": 0, "column": "", "header": "", "message": message}]}


def import_run(import_id, *, takeover=False):
    """Run a queued background import of any kind (the Celery task calls this); returns the result, or None when
    there is nothing to do (done, failed, or running elsewhere).

    With `takeover` (the task holds the import's outbox row: the run before it died with its worker or lost its
    database), a `running` import is restarted from scratch. Nothing of an interrupted run is kept: its rows are
    written in one transaction together with the import's "done", and that transaction first locks the import and
    checks that no other run finished it. A lost database or broker connection is raised for the task to retry."""
    claimable = [ImportStatus.QUEUED, ImportStatus.RUNNING] if takeover else [ImportStatus.QUEUED]
    claimed = MemberImport.objects.filter(pk=import_id, status__in=claimable).update(
        status=ImportStatus.RUNNING, processed=0, errors=[], finished_at=None)
    if not claimed:
        return None
    job = MemberImport.objects.select_related("created_by").get(pk=import_id)
    jobs = MemberImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING)

    def guard():
        if not MemberImport.objects.select_for_update().filter(pk=job.pk, status=ImportStatus.RUNNING).exists():
            raise _Superseded

    def record(result):
        jobs.update(status=ImportStatus.DONE, processed=F("total"), created=result.created, updated=result.updated,
                    written=True, errors=[e.__dict__ for e in result.errors[:1000]], finished_at=timezone.now())

    try:
        with job.file.open("rb") as handle:
            dataset = load_dataset(handle.read(), job.file_name)
        jobs.update(total=dataset.height)

        def progress(rows):
            jobs.update(processed=rows)

        result = sheet_import(kind=job.kind, actor=job.created_by, dataset=dataset, valid_only=job.valid_only,
                              progress=progress, guard=guard, written=record, mode=job.mode)
    except _Superseded:
        return None
    except RETRY_ON:
        raise
    except (ValidationError, PermissionDenied, ConflictError) as exc:
        jobs.update(**_failed(" ".join(error_messages(exc))))
        return None
    except Exception:
        jobs.update(**_failed(str(_("The file could not be read as a spreadsheet."))))
        return None
    if not result.written:  # rows refused: nothing written, the errors listed
        jobs.update(status=ImportStatus.DONE, processed=F("total"), created=0, updated=0, written=False,
                    errors=[e.__dict__ for e in result.errors[:1000]], finished_at=timezone.now())
    return result

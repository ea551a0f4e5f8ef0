"""Importing members from the sheet a secretary keeps (Excel .xlsx or CSV), row by row, all or nothing.

The sheet's layout is the export's (members.resources.MemberResource): headers in Chinese or English, choices by
label or code, the organization by its code. Each row goes through members.services.member_clean; every error is
named by its row (as Excel numbers it: the header is row 1) and its column (letter and header). Nothing is written
unless the whole file is valid, or unless the caller asks for the valid rows only (`valid_only=True`).
"""

import datetime
from dataclasses import dataclass, field

import tablib
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.scopes import resolve_scope
from jinshui.errors import PermissionDenied, ValidationError

from .models import Education, Gender, Member, MemberCategory, MemberStatus

MAX_ROWS = 50_000
FIELDS = ("name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "joined_on",
          "full_member_on", "status", "category", "org_code")
REQUIRED = ("name", "id_number", "joined_on", "status", "org_code")
CHOICES = {"gender": Gender, "education": Education, "status": MemberStatus, "category": MemberCategory}
DATES = ("birth_date", "joined_on", "full_member_on")
LANGUAGES = ("zh-hans", "en")


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
    total: int = 0
    created: int = 0
    written: bool = False
    errors: list = field(default_factory=list)

    @property
    def error_rows(self):
        return len({e.row for e in self.errors})


def _aliases():
    """Header text → field, in every language the portal speaks, plus the field names themselves."""
    from .resources import MemberResource

    aliases = {name: name for name in FIELDS}
    for language in LANGUAGES:
        with translation.override(language):
            for name in FIELDS:
                if name == "org_code":
                    aliases[str(MemberResource.fields["org_code"].column_name)] = name
                else:
                    aliases[str(Member._meta.get_field(name).verbose_name)] = name
    return {key.strip().lower(): value for key, value in aliases.items()}


def _choice_aliases():
    table = {}
    for name, choices in CHOICES.items():
        mapping = {}
        for value in choices.values:
            mapping[value.lower()] = value
        for language in LANGUAGES:
            with translation.override(language):
                for value, label in choices.choices:
                    mapping[str(label).strip().lower()] = value
        mapping.update({"男": "M", "女": "F", "预备党员": "probationary", "正式党员": "full"})
        table[name] = mapping
    return table


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for suffix in (" 00:00:00",):
        text = text.removesuffix(suffix)
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
    raise ValueError(text)


def load_dataset(content, file_name):
    """Read uploaded bytes into a tablib Dataset (xlsx or CSV, chosen by the name's ending)."""
    if file_name.lower().endswith(".xlsx"):
        return tablib.Dataset().load(content, format="xlsx")
    if file_name.lower().endswith(".csv"):
        return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    raise ValidationError({"file": [_("Upload an Excel workbook (.xlsx) or a CSV file.")]})


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


BACKGROUND_ROWS = 1000
PROGRESS_EVERY = 500


def member_import(*, actor, dataset, valid_only=False, progress=None):
    """Validate every row of `dataset` and, if all are valid (or `valid_only`), create the members.
    `progress(rows_checked)` is called every PROGRESS_EVERY rows (the background import shows it)."""
    from grids.models import OrgNode

    from .services import member_clean

    scope = resolve_scope(actor)
    if not (scope.write_all or scope.write_paths):
        raise PermissionDenied(_("You may not add party members."))
    result = ImportResult(total=dataset.height)
    if dataset.height > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(max)s rows in one file.") % {"max": MAX_ROWS}]})
    aliases = _aliases()
    columns = {}  # field → (index, letter, header)
    for index, header in enumerate(dataset.headers or []):
        name = aliases.get(_text(header).lower())
        if name and name not in columns:
            columns[name] = (index, get_column_letter(index + 1), _text(header))
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ValidationError({"file": [
            _("The sheet has no column for: %(columns)s.") % {"columns": ", ".join(
                str(Member._meta.get_field(n).verbose_name) if n != "org_code" else _("organization code")
                for n in missing)}
        ]})
    choice_aliases = _choice_aliases()
    codes = {_text(row[columns["org_code"][0]]) for row in dataset}
    orgs = {o.code: o for o in OrgNode.objects.filter(code__in=codes - {""})}
    members, seen = [], {}

    def error(row_no, name, message):
        index, letter, header = columns.get(name, (None, "", ""))
        result.errors.append(RowError(row_no, letter, header, str(message)))

    for offset, row in enumerate(dataset):
        row_no = offset + 2
        if progress is not None and offset and offset % PROGRESS_EVERY == 0:
            progress(offset)
        if not any(_text(v) for v in row):
            result.total -= 1
            continue
        values, row_errors = {}, len(result.errors)
        for name, (index, _letter, _header) in columns.items():
            raw = row[index] if index < len(row) else None
            if name in DATES:
                try:
                    values[name] = _parse_date(raw)
                except (ValueError, TypeError):
                    error(row_no, name, _("Not a date: write it as 2024-07-01."))
            elif name in CHOICES:
                text = _text(raw)
                if not text:
                    values[name] = ""
                elif text.lower() in choice_aliases[name]:
                    values[name] = choice_aliases[name][text.lower()]
                else:
                    error(row_no, name, _("“%(value)s” is not one of: %(choices)s.") % {
                        "value": text, "choices": ", ".join(str(label) for label in CHOICES[name].labels)})
            else:
                values[name] = _text(raw)
        for name in REQUIRED:
            if name in values and values[name] in ("", None):
                error(row_no, name, _("This column must be filled in."))
        code = values.pop("org_code", "")
        org = orgs.get(code)
        if code and (org is None or not scope.covers(org, write=True)):
            error(row_no, "org_code",
                  _("No party organization with the code “%(code)s” in your area.") % {"code": code})
            org = None
        if len(result.errors) > row_errors:
            continue
        values.setdefault("category", MemberCategory.DIRECT)
        values["category"] = values["category"] or MemberCategory.DIRECT
        values.setdefault("ethnicity", "汉族")
        values["ethnicity"] = values["ethnicity"] or "汉族"
        if values.get("gender") == "":
            values.pop("gender")
        member = Member(org=org, **values)
        if not member.gender and member.id_number:
            from .validators import gender_from_id, normalize_id_number

            try:
                member.gender = gender_from_id(normalize_id_number(member.id_number))
            except (ValueError, IndexError):
                pass
        try:
            member_clean(member, db_checks=False, trusted=("org",))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    if name in columns:
                        error(row_no, name, message)
                    else:
                        result.errors.append(RowError(row_no, "", "", f"{Member._meta.get_field(name).verbose_name}: "
                                                      f"{message}" if name != "__all__" else message))
            continue
        if member.id_number in seen:
            error(row_no, "id_number", _("The same ID-card number is already on row %(row)s.") % {
                "row": seen[member.id_number]})
            continue
        seen[member.id_number] = row_no
        members.append((row_no, member))
    existing = set()
    numbers = [m.id_number for _row, m in members]
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start:start + 5000]
        existing |= set(Member.objects.filter(id_number__in=chunk).values_list("id_number", flat=True))
    for row_no, member in members:
        if member.id_number in existing:
            index, letter, header = columns["id_number"]
            result.errors.append(RowError(row_no, letter, header,
                                          _("A party member with this ID-card number is already registered.")))
    result.errors.sort(key=lambda e: (e.row, e.column))
    valid = [m for _row, m in members if m.id_number not in existing]
    if result.errors and not valid_only:
        return result
    _write(actor, valid)
    result.created, result.written = len(valid), True
    return result


@transaction.atomic
def _write(actor, members):
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(members, Member, batch_size=1000, default_user=actor)


def template_dataset():
    """An empty sheet with the headers in the current language (what the import page offers to download)."""
    from .resources import MemberResource

    headers = []
    for name in FIELDS:
        if name == "org_code":
            headers.append(str(MemberResource.fields["org_code"].column_name))
        else:
            headers.append(str(Member._meta.get_field(name).verbose_name))
    data = tablib.Dataset(headers=headers, title="members")
    return data


def import_start(*, actor, upload, valid_only=False):
    """Keep an uploaded sheet for the background import; the caller queues run_member_import after commit."""
    from .models import MemberImport

    scope = resolve_scope(actor)
    if not (scope.write_all or scope.write_paths):
        raise PermissionDenied(_("You may not add party members."))
    return MemberImport.objects.create(created_by=actor, file=upload, file_name=upload.name[:200],
                                       valid_only=valid_only)


def import_run(import_id):
    """Run a queued background import (the Celery task calls this; a second call does nothing)."""
    from django.db.models import F
    from django.utils import timezone

    from .models import ImportStatus, MemberImport

    claimed = MemberImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(status=ImportStatus.RUNNING)
    if not claimed:
        return None
    job = MemberImport.objects.select_related("created_by").get(pk=import_id)
    try:
        with job.file.open("rb") as handle:
            dataset = load_dataset(handle.read(), job.file_name)
        MemberImport.objects.filter(pk=job.pk).update(total=dataset.height)

        def progress(rows):
            MemberImport.objects.filter(pk=job.pk).update(processed=rows)

        result = member_import(actor=job.created_by, dataset=dataset, valid_only=job.valid_only, progress=progress)
    except (ValidationError, PermissionDenied) as exc:
        MemberImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            errors=[{"row": 0, "column": "", "header": "", "message": " ".join(getattr(exc, "messages", [str(exc)]))}])
        return None
    except Exception:
        MemberImport.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            errors=[{"row": 0, "column": "", "header": "",
                     "message": str(_("The file could not be read as a spreadsheet."))}])
        return None
    MemberImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, processed=F("total"), created=result.created, written=result.written,
        errors=[e.__dict__ for e in result.errors[:1000]], finished_at=timezone.now())
    return result

"""Why a value, a row or a file was not taken as it stood: a code and its parameters,
stored as such (jobs are analysed in the worker) and worded in the reader's language
only when shown. Every module of the importer raises or returns `Problem`s; every code
it uses must have a message here.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict = field(default_factory=dict)

    def message(self) -> str:
        """The reason in the active language, e.g. "Ngày không tồn tại: 31/02/1990"."""
        template = MESSAGES.get(self.code)
        if template is None:
            return self.code
        try:
            return str(template) % self.params
        except (KeyError, TypeError, ValueError):
            return str(template)

    def as_json(self) -> list:
        return [self.code, self.params]

    @classmethod
    def from_json(cls, value) -> "Problem":
        return cls(value[0], dict(value[1] or {}))


class ProblemError(ValueError):
    """Raised with a Problem when a value or a file cannot be read."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.problem = Problem(code, params)


MESSAGES: dict[str, object] = {
    # Files (readers.py)
    "file_empty": _("The file is empty."),
    "file_too_big": _("The file is %(size)s MB; the limit is %(limit)s MB."),
    "file_unknown_type": _(
        "This is not a spreadsheet, a CSV or a contacts (.vcf) file. "
        "Save it as .xlsx, .xls, .ods, .csv or .vcf and upload it again."
    ),
    "file_password": _(
        "The workbook is protected by a password. Open it in Excel, remove the password "
        "(File → Info → Protect workbook) and upload it again."
    ),
    "file_zip_bomb": _(
        "The file unpacks to far more than a real workbook (%(size)s MB); it was not opened."
    ),
    "file_damaged": _("The file is damaged and cannot be read (%(detail)s)."),
    "file_encoding": _(
        "The text of this CSV is in an encoding that could not be recognised. Tried: "
        "%(tried)s. Save it from Excel as “CSV UTF-8” and upload it again."
    ),
    "file_no_sheets": _("The workbook has no sheet with data."),
    "file_no_header": _("No header row was found: no row names columns such as name or phone."),
    "file_too_many_rows": _("The sheet has more than %(limit)s rows; split it into parts."),
    # Rows that are not data (layout.py)
    "row_blank": _("Blank row"),
    "row_title": _("Title above the table"),
    "row_section": _("Section label (%(text)s)"),
    "row_total": _("Subtotal or total row"),
    "row_footer": _("Footer below the table"),
    "row_number_only": _("Row with only a number"),
    "row_repeated_header": _("The header repeated"),
    "row_header": _("Header row"),
    # Values (values.py)
    "phone_missing": _("No phone number"),
    "phone_not_a_number": _("“%(text)s” is not a phone number"),
    "phone_invalid": _("“%(text)s” is not a valid phone number"),
    "phone_extra": _("More than two phone numbers; kept the first two, the rest in notes"),
    "date_invalid": _("“%(text)s” is not a date"),
    "date_impossible": _("The date %(text)s does not exist"),
    "date_ambiguous": _("“%(text)s” could be read in more than one way"),
    "date_future": _("The date %(text)s is in the future"),
    "date_too_old": _("The date %(text)s is too long ago"),
    "money_invalid": _("“%(text)s” is not an amount of money"),
    "money_negative": _("The amount %(text)s is negative"),
    "number_invalid": _("“%(text)s” is not a number"),
    "gender_unknown": _("“%(text)s” is not a gender we know; left blank"),
    "tier_unknown": _("“%(text)s” is not a tier; the client starts as Bronze"),
    "yes_no_unknown": _("“%(text)s” is neither yes nor no; left unanswered"),
    "pregnancy_unknown": _("“%(text)s” is not a pregnancy status; kept in the health notes"),
    "skin_type_unknown": _("“%(text)s” is not a skin type; kept in the health notes"),
    "skin_type_several": _(
        "“%(text)s” names more than one skin type; left blank and kept in the health notes"
    ),
    "email_invalid": _("“%(text)s” is not an email address; kept in the notes"),
    "name_missing": _("No name"),
    "name_invalid": _("“%(text)s” is not a person's name"),
    "package_counts": _("The package's sessions do not add up (%(text)s)"),
    "progress_invalid": _("“%(text)s” is not a session number like 3/10"),
    # Rows (pipeline)
    "row_duplicate_of_row": _("Same person as row %(row)s of this file"),
    "row_same_as_client": _("Same person as client %(client)s"),
    "row_already_imported": _("Already imported (as client %(client)s)"),
    "row_branch_unknown": _("Branch “%(text)s” does not exist"),
    "row_branch_forbidden": _("Branch “%(text)s” is not yours to import into"),
    "row_client_unknown": _("No client with this phone or name"),
    "row_client_ambiguous": _("More than one client is called %(text)s; add a phone"),
    "row_service_unknown": _("Service “%(text)s” is not in the catalogue"),
    "row_database": _("Could not be saved: %(detail)s"),
    # Treatment log and price list (sessions.py)
    "date_missing": _("No date"),
    "time_invalid": _("“%(text)s” is not a time of day; the visit is put at noon"),
    "paid_unknown": _("“%(text)s” says neither paid nor unpaid; left as it was"),
    "service_missing": _("No service name"),
    "technician_unknown": _(
        "No single staff member of the branch is called “%(text)s”; kept in the notes"
    ),
    "product_unknown": _("Product “%(text)s” is not in the catalogue; kept in the notes"),
    "row_service_duplicate": _("The same service as row %(row)s"),
    "phone_shared": _("Shares a phone with another client (family); kept as a different person"),
    "undo_not_committed": _("Only a finished import can be undone."),
    "undo_too_late": _(
        "An import can be undone for %(days)s days after it ran; that time has passed."
    ),
    "undo_built_on": _(
        "Client %(client)s has had visits, payments or changes since the import; "
        "undoing it would destroy them."
    ),
}

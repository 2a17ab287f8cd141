from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from spa.accounts.models import Branch
from spa.core.crypto import EncryptedJSONField
from spa.core.fields import BytewiseCharField


class ManagedListItem(models.Model):
    """An entry of a spa-managed list named in the three languages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        lang = translation.get_language() or "vi"
        if lang.startswith("zh"):
            return self.name_zh
        if lang.startswith("en"):
            return self.name_en
        return self.name_vi


class Allergen(ManagedListItem):
    """An allergen of the managed list, shared by the health section and product ingredients."""

    class Meta(ManagedListItem.Meta):
        verbose_name = _("allergen")
        verbose_name_plural = _("allergens")


class Condition(ManagedListItem):
    """A medical condition of the managed list, which service rules can refer to."""

    class Meta(ManagedListItem.Meta):
        verbose_name = _("medical condition")
        verbose_name_plural = _("medical conditions")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ClientGroup(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client group")
        verbose_name_plural = _("client groups")

    def __str__(self) -> str:
        return self.name


class ClientSource(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client source")
        verbose_name_plural = _("client sources")

    def __str__(self) -> str:
        return self.name


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomFieldDefinition(models.Model):
    """A field the spa adds to every profile ("special notes", "recommended services")."""

    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomFieldKind.choices)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    ZALO = "zalo", _("Zalo")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")


class ContentKind(models.TextChoices):
    OFFERS = "offers", _("Offers and promotions")
    TIPS = "tips", _("Skin-care tips")
    NEWS = "news", _("New services")


class Tier(models.TextChoices):
    BRONZE = "bronze", _("Bronze")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    DIAMOND = "diamond", _("Diamond")


class Client(models.Model):
    """A client's profile (hồ sơ khách hàng). Written only through spa.clients.services."""

    full_name = models.CharField(_("full name"), max_length=120)
    # Derived by services from full_name, for search and duplicate checks:
    given_name = models.CharField(_("first name"), max_length=60, editable=False)
    name_search = models.CharField(max_length=200, editable=False)  # " nguyen thi hoa "
    name_folded_key = BytewiseCharField(max_length=200, editable=False, db_index=True)
    name_exact_key = models.CharField(max_length=200, editable=False)

    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, db_index=True)
    # Only the year is known (old records often say "1985"): kept as given, not guessed.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    occupation = models.CharField(_("occupation / lifestyle"), max_length=120, blank=True)
    facebook = models.CharField(_("Facebook"), max_length=120, blank=True)
    zalo = models.CharField(_("Zalo"), max_length=60, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, blank=True
    )
    content_wanted = models.JSONField(_("content wanted"), default=list, blank=True)
    language = models.CharField(
        _("language for messages"), max_length=10, choices=settings.LANGUAGES, default="vi"
    )

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="clients"
    )
    staff_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff in charge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients_in_charge",
    )
    source = models.ForeignKey(
        ClientSource, verbose_name=_("source"), null=True, blank=True, on_delete=models.SET_NULL
    )
    group = models.ForeignKey(
        ClientGroup, verbose_name=_("group"), null=True, blank=True, on_delete=models.SET_NULL
    )
    referrer = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="clients")

    photo = models.ImageField(_("photo"), upload_to="client-photos/%Y/%m/", blank=True)
    photo_thumb = models.ImageField(upload_to="client-photos/%Y/%m/", blank=True, editable=False)

    notes_preferences = models.TextField(_("preferences"), blank=True)
    notes_family = models.TextField(_("family and circumstances"), blank=True)
    notes_personality = models.TextField(_("personality and hobbies"), blank=True)
    notes = models.TextField(_("other notes"), blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    # Figures kept by later modules (loyalty, visits); shown in search results.
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.BRONZE)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True, editable=False)

    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["branch", "name_folded_key"], name="client_branch_name"),
            # The client list (selectors_lists): each sort order walks one of these, in a
            # branch or across the chain, so a page never sorts the whole table.
            models.Index(fields=["branch", "name_search", "id"], name="client_list_b_name"),
            models.Index(fields=["branch", "last_visit_at", "id"], name="client_list_b_visit"),
            models.Index(fields=["branch", "created_at", "id"], name="client_list_b_created"),
            models.Index(fields=["branch", "tier", "name_search", "id"], name="client_list_b_tier"),
            models.Index(fields=["name_search", "id"], name="client_list_name"),
            models.Index(fields=["last_visit_at", "id"], name="client_list_visit"),
            models.Index(fields=["created_at", "id"], name="client_list_created"),
            models.Index(fields=["tier", "name_search", "id"], name="client_list_tier"),
        ]
        # Whole-name search also has two "namesakes, most recent visit first" indexes
        # (migration 0006): written by hand, as SQLite cannot say NULLS LAST in an index.

    def __str__(self) -> str:
        return self.full_name


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class ClientPhone(models.Model):
    """A phone number of a client, normalised to E.164.

    A number may belong to several clients (a mother and daughter share one), but
    only once someone has confirmed they are different people: the database allows
    a single *unconfirmed* holder per number, so two receptionists creating the same
    client at the same moment cannot both succeed.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones")
    e164 = models.CharField(_("phone"), max_length=20, db_index=True)
    national = models.CharField(max_length=32)
    # Significant digits reversed ("876543219"): "last digits" search is a prefix search.
    digits_reversed = BytewiseCharField(max_length=20, db_index=True)
    label = models.CharField(
        _("label"), max_length=10, choices=PhoneLabel.choices, default=PhoneLabel.MOBILE
    )
    is_primary = models.BooleanField(default=False)
    shared_confirmed = models.BooleanField(_("confirmed shared with another client"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "e164"], name="phone_once_per_client"),
            models.UniqueConstraint(
                fields=["e164"],
                condition=models.Q(shared_confirmed=False),
                name="phone_one_unconfirmed_holder",
            ),
        ]

    def __str__(self) -> str:
        return self.national


class ClientNameKey(models.Model):
    """Search keys of a client's name: each token, and each ordered pair of tokens.

    "nguyen thi hoa" gives nguyen, thi, hoa, "+nguyen thi", "+thi nguyen", "+nguyen hoa",
    ... A query is answered from the rarest of its keys by an index range scan, so
    common tokens (Nguyễn is 38% of Vietnam) never force a scan of half the table.
    `branch_id` is copied so branch-scoped staff search their branch's keys only.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+", db_index=False)
    branch_id = models.BigIntegerField()
    key = BytewiseCharField(max_length=100)

    class Meta:
        indexes = [
            models.Index(fields=["key", "client"], name="namekey_key_client"),
            models.Index(fields=["branch_id", "key", "client"], name="namekey_branch_key_client"),
            models.Index(fields=["client"], name="namekey_client"),
        ]

    def __str__(self) -> str:
        return self.key


class PregnancyStatus(models.TextChoices):
    UNKNOWN = "", _("Not asked")
    NO = "no", _("No")
    PREGNANT = "pregnant", _("Pregnant")
    BREASTFEEDING = "breastfeeding", _("Breastfeeding")
    TRYING = "trying", _("Trying to conceive")


class SkinType(models.TextChoices):
    UNKNOWN = "", _("Not assessed")
    NORMAL = "normal", _("Normal")
    DRY = "dry", _("Dry")
    OILY = "oily", _("Oily")
    COMBINATION = "combination", _("Combination")
    SENSITIVE = "sensitive", _("Sensitive")


class ClientHealth(models.Model):
    """The health section. Everything but the confirmation date is encrypted at rest.

    `data` keys: allergen_ids (list of Allergen ids), allergy_notes, condition_ids (list
    of Condition ids), conditions (free text), medications, pregnancy (PregnancyStatus),
    skin_type (SkinType), skin_concerns.
    """

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="health")
    data = EncryptedJSONField(default=dict)
    confirmed_at = models.DateField(_("last confirmed by the client"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    EMPTY = {
        "allergen_ids": [],
        "allergy_notes": "",
        "condition_ids": [],
        "conditions": "",
        "medications": "",
        "pregnancy": "",
        "skin_type": "",
        "skin_concerns": "",
    }

    def __str__(self) -> str:
        return f"health #{self.client_id}"

    def values(self) -> dict:
        return {**self.EMPTY, **(self.data or {})}


class ConsentMethod(models.TextChoices):
    PAPER = "paper", _("Signed paper form")
    IN_PERSON = "in_person", _("Said in person")
    ONLINE = "online", _("Online form")
    PHONE = "phone", _("By phone")
    IMPORTED = "imported", _("Imported from the old records")
    OPT_OUT = "opt_out", _("Opted out from a message")


class ConsentRecord(models.Model):
    """Marketing consent for one channel, given or withdrawn. Append-only; latest wins."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    method = models.CharField(_("how"), max_length=12, choices=ConsentMethod.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_at = models.DateTimeField(_("when"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["client", "channel", "-recorded_at"], name="consent_latest")
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.granted}"


class ConsentRequest(models.Model):
    """Consent asked for where nobody could check who asked (the online booking page:
    anyone who knows a phone number can type it). It is not in force: staff confirm it
    with the client, which records the consent, or discard it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the client to confirm")
        CONFIRMED = "confirmed", _("Confirmed with the client")
        DISCARDED = "discarded", _("Discarded")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consent_requests")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel}: {self.state}"


class CareReason(models.TextChoices):
    IN_CHARGE = "in_charge", _("In charge")
    SERVED = "served", _("Served")
    BOOKED = "booked", _("Booked")


class CareLink(models.Model):
    """A member of staff's relation to a client; it is what lets a technician see them."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_links")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_links"
    )
    reason = models.CharField(max_length=10, choices=CareReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "staff", "reason"], name="care_link_once")
        ]
        indexes = [models.Index(fields=["staff", "client"], name="carelink_staff_client")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.reason} #{self.client_id}"


class MergeRecord(models.Model):
    """Two profiles merged into one; `snapshot` keeps all of the absorbed one (encrypted)."""

    survivor = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="merges")
    absorbed = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    snapshot = EncryptedJSONField()

    def __str__(self) -> str:
        return f"#{self.absorbed_id} -> #{self.survivor_id}"

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from spa.accounts.models import Branch, Role
from spa.clients.selectors import client_get_for_user, clients_visible_to
from spa.core import access
from spa.core.params import param_date, param_id
from spa.sales.forms import (
    CheckoutForm,
    CreditNoteForm,
    DebtPaymentForm,
    MoneyForm,
    PackageSaleForm,
    ProductSaleFormSet,
    TopUpForm,
)
from spa.sales.models import Deposit, Invoice, LineKind, ReferralReward, TierChange
from spa.sales.selectors import cash_report, client_invoices, client_ledger, client_money
from spa.sales.services import (
    Checkout,
    CheckoutError,
    Line,
    checkout_issue,
    checkout_quote,
    credit_note_issue,
    debt_pay,
    deposit_forfeit,
    deposit_take,
    package_sale,
    prepaid_refund,
    prepaid_top_up,
    unbilled_packages,
    unbilled_sessions,
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _client(request: HttpRequest, client_id: int):
    client = client_get_for_user(request.user, client_id)
    if client is None or client.merged_into_id:
        raise Http404
    _require(access.can_take_payment(request.user))
    return client


@login_required
def money(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's balances, ledger, invoices, deposits and referral rewards."""
    client = _client(request, client_id)
    return render(request, "sales/money.html", {
        "client": client, "figures": client_money(client), "ledger": client_ledger(client),
        "invoices": client_invoices(client), "deposits": Deposit.objects.filter(client=client)[:20],
        "tier_changes": TierChange.objects.filter(client=client)[:10],
        "rewards": ReferralReward.objects.filter(referrer=client).select_related("referred"),
        "given": ReferralReward.objects.filter(referred=client).first(),
        "top_up_form": TopUpForm(prefix="top"), "refund_form": MoneyForm(prefix="refund"),
        "debt_form": DebtPaymentForm(prefix="debt"), "deposit_form": MoneyForm(prefix="deposit"),
    })  # fmt: skip


@login_required
@require_POST
def money_action(request: HttpRequest, client_id: int, action: str) -> HttpResponse:
    client = _client(request, client_id)
    branch = request.user.branch or client.branch
    forms = {"top_up": (TopUpForm, "top"), "refund": (MoneyForm, "refund"), "debt": (DebtPaymentForm, "debt"),
             "deposit": (MoneyForm, "deposit")}  # fmt: skip
    try:
        if action == "forfeit":
            deposit_id = param_id(request.POST.get("deposit"))
            deposit = (
                Deposit.objects.filter(pk=deposit_id, client=client).first() if deposit_id else None
            )
            if deposit is None:
                raise Http404
            deposit_forfeit(
                actor=request.user, deposit=deposit, reason=request.POST.get("reason", "")
            )
        else:
            form_class, prefix = forms.get(action, (None, None))
            if form_class is None:
                raise Http404
            form = form_class(request.POST, prefix=prefix)
            if not form.is_valid():
                messages.error(request, _("Enter the amount and the method."))
                return _back(request, client)
            data = form.cleaned_data
            kwargs = {
                "actor": request.user,
                "client": client,
                "branch": branch,
                "method": data["method"],
            }
            if action == "top_up":
                prepaid_top_up(paid=data["amount"], bonus=data.get("bonus") or 0, **kwargs)
            elif action == "refund":
                prepaid_refund(amount=data["amount"], **kwargs)
            elif action == "debt":
                debt_pay(amount=data["amount"], **kwargs)
            else:
                deposit_take(amount=data["amount"], **kwargs)
        messages.success(request, _("Recorded."))
    except CheckoutError as refused:
        messages.error(request, refused.message)
    return _back(request, client)


def _back(request: HttpRequest, client) -> HttpResponse:
    """Back to the page the action came from (a list of this site), else the money page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/"):  # fmt: skip
        return redirect(target)
    return redirect("sales:money", client.pk)


def _checkout_page(client):
    """What a checkout offers: unbilled sessions (with the back-bar products used in
    them, shown but not sold), unbilled packages and held deposits."""
    sessions = list(unbilled_sessions(client).prefetch_related("product_lines__product"))
    packages = list(unbilled_packages(client))
    deposits = list(Deposit.objects.filter(client=client, state=Deposit.State.HELD))
    return sessions, packages, deposits


def _checkout_lines(sessions, packages, *, chosen, chosen_packages, product_rows) -> list[Line]:
    """The invoice lines the receptionist ticked and typed (products: retail only)."""
    lines = []
    for session in sessions:
        if str(session.pk) not in chosen:
            continue
        for service_line in session.service_lines.all():
            redemption = getattr(session, "redemption", None)
            if redemption is not None:
                package = redemption.package
                lines.append(Line(kind=LineKind.REDEMPTION, unit_price=0, service=service_line.service, session=session,
                                  description=f"{service_line.service.name} ({package.name} {redemption.number}/{package.total_sessions})"))  # fmt: skip
            else:
                lines.append(Line(kind=LineKind.SERVICE, unit_price=service_line.price, service=service_line.service,
                                  session=session, description=service_line.service.name))  # fmt: skip
    for package in packages:
        if str(package.pk) in chosen_packages:
            lines.append(Line(kind=LineKind.PACKAGE, unit_price=package.to_bill,
                              package=package, description=package.name))  # fmt: skip
    for row in product_rows:
        if row.get("product") and row.get("quantity"):
            product = row["product"]
            lines.append(Line(kind=LineKind.PRODUCT, unit_price=product.retail_price, quantity=row["quantity"],
                              discount=row.get("discount") or 0, product=product, description=product.name,
                              free_reason=row.get("free_reason") or ""))  # fmt: skip
    return lines


def _checkout_input(request, client, branch, sessions, packages, form, products) -> Checkout:
    data = form.cleaned_data
    return Checkout(
        client=client, branch=branch,
        lines=_checkout_lines(sessions, packages, chosen=set(request.POST.getlist("sessions")),
                              chosen_packages=set(request.POST.getlist("packages")),
                              product_rows=products.cleaned_data),
        discount_amount=data["discount_amount"] or 0, discount_percent=data["discount_percent"] or 0,
        voucher_code=data["voucher_code"], points=data["points"] or 0, prepaid=data["prepaid"] or 0,
        payments={m: data[m] or 0 for m in ("cash", "card", "transfer", "ewallet")},
        deposit_ids=[d for d in map(param_id, request.POST.getlist("deposits")) if d], note=data["note"],
    )  # fmt: skip


def _default_quote(client, branch, sessions, packages):
    """The figures of the page as first shown: every session and package ticked."""
    lines = _checkout_lines(sessions, packages, chosen={str(x.pk) for x in sessions},
                            chosen_packages={str(p.pk) for p in packages}, product_rows=[])  # fmt: skip
    if not lines:
        return None, ""
    try:
        return checkout_quote(data=Checkout(client=client, branch=branch, lines=lines)), ""
    except CheckoutError as refused:
        return None, refused.message


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, client_id: int) -> HttpResponse:
    """Turn a visit into an invoice: sessions done, packages and products sold, discounts,
    payment in one or several parts; what is not paid becomes debt. The running figures
    (checkout_quote, the same code that issues) are shown before issuing."""
    client = _client(request, client_id)
    branch = request.user.branch or client.branch
    sessions, packages, deposits = _checkout_page(client)
    form = CheckoutForm(request.POST or None)
    products = ProductSaleFormSet(request.POST or None, prefix="products")
    quote, problem = None, ""
    if request.method == "POST" and form.is_valid() and products.is_valid():
        data = _checkout_input(request, client, branch, sessions, packages, form, products)
        try:
            invoice = checkout_issue(actor=request.user, data=data)
        except CheckoutError as refused:
            form.add_error(None, refused.message)
            problem = refused.message
        else:
            messages.success(request, _("Invoice %(code)s issued.") % {"code": invoice.code})
            return redirect("sales:invoice", invoice.pk)
    elif request.method == "GET":
        quote, problem = _default_quote(client, branch, sessions, packages)
    else:
        problem = _("Check the amounts entered.")
    return render(request, "sales/checkout.html", {
        "client": client, "form": form, "products": products, "sessions": sessions, "packages": packages,
        "deposits": deposits, "figures": client_money(client), "quote": quote, "problem": problem,
    })  # fmt: skip


@login_required
@require_POST
def checkout_preview(request: HttpRequest, client_id: int) -> HttpResponse:
    """The running total of the checkout form as it is now (htmx): nothing is saved."""
    client = _client(request, client_id)
    branch = request.user.branch or client.branch
    sessions, packages, _deposits = _checkout_page(client)
    form = CheckoutForm(request.POST)
    products = ProductSaleFormSet(request.POST, prefix="products")
    quote, problem = None, ""
    if form.is_valid() and products.is_valid():
        try:
            quote = checkout_quote(
                data=_checkout_input(request, client, branch, sessions, packages, form, products)
            )
        except CheckoutError as refused:
            problem = refused.message
    else:
        problem = _("Check the amounts entered.")
    return render(
        request, "sales/partials/quote.html", {"quote": quote, "problem": problem, "client": client}
    )


@login_required
@require_http_methods(["GET", "POST"])
def package_new(request: HttpRequest, client_id: int) -> HttpResponse:
    """Sell a course card (thẻ liệu trình); money paid now is billed on its invoice."""
    client = _client(request, client_id)
    _require(access.can_sell_package(request.user))
    form = PackageSaleForm(request.POST or None, initial={"template": request.GET.get("template")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            package, invoice = package_sale(
                actor=request.user, client=client, branch=request.user.branch or client.branch,
                name=data["name"], services=list(data["services"]), total_sessions=data["total_sessions"],
                price=data["price"], expires_on=data["expires_on"], paid_now=data["paid_now"] or 0,
                method=data["method"], template=data.get("template"),
            )  # fmt: skip
        except CheckoutError as refused:
            form.add_error(None, refused.message)
        else:
            if invoice is not None:
                messages.success(
                    request, _("Package sold: invoice %(code)s issued.") % {"code": invoice.code}
                )
                return redirect("sales:invoice", invoice.pk)
            messages.success(request, _("Package sold. It will be on the next checkout."))
            return redirect("treatments:course", client.pk)
    return render(request, "sales/package_form.html", {"client": client, "form": form})


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = (
        Invoice.objects.filter(pk=invoice_id, client__in=clients_visible_to(request.user, include_merged=True))
        .select_related("client", "branch", "issued_by", "corrects").first()
    )  # fmt: skip
    if invoice is None:
        raise Http404
    _require(access.can_take_payment(request.user))
    return invoice


@login_required
def invoice(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The receipt: A5 by default, ?size=80mm for a thermal printer."""
    row = _invoice(request, invoice_id)
    size = "80mm" if request.GET.get("size") == "80mm" else "a5"
    return render(request, "sales/invoice.html", {
        "invoice": row, "lines": row.lines.all(), "payments": row.payments.all(), "size": size,
        "credit_form": CreditNoteForm(), "figures": client_money(row.client),
    })  # fmt: skip


@login_required
@require_POST
def credit_note(request: HttpRequest, invoice_id: int) -> HttpResponse:
    row = _invoice(request, invoice_id)
    _require(access.can_issue_credit_note(request.user))
    form = CreditNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the credit note."))
        return redirect("sales:invoice", row.pk)
    try:
        note = credit_note_issue(actor=request.user, invoice=row, reason=form.cleaned_data["reason"],
                                 refund_method=form.cleaned_data["refund_method"])  # fmt: skip
    except CheckoutError as refused:
        messages.error(request, refused.message)
        return redirect("sales:invoice", row.pk)
    return redirect("sales:invoice", note.pk)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """A branch's daily cash report."""
    _require(access.can_see_cash_report(request.user))
    if request.user.role == Role.OWNER:
        branch = (
            Branch.objects.filter(code=request.GET.get("branch", "")).first()
            or Branch.objects.order_by("id").first()
        )
    else:
        branch = request.user.branch
    if branch is None:
        raise Http404
    day = param_date(request.GET.get("date"), default=timezone.localdate())
    return render(request, "sales/report.html", {
        "branch": branch, "report": cash_report(branch=branch, day=day),
        "branches": Branch.objects.all() if request.user.role == Role.OWNER else [],
    })  # fmt: skip


@login_required
def commission_slip(request: HttpRequest, reward_id: int) -> HttpResponse:
    """Phiếu chi hoa hồng: the printable slip for a referral commission."""
    reward = (
        ReferralReward.objects.filter(
            pk=reward_id, referrer__in=clients_visible_to(request.user, include_merged=True)
        )
        .select_related("referrer", "referred", "invoice__branch")
        .first()
    )
    if reward is None:
        raise Http404
    _require(access.can_take_payment(request.user))
    return render(request, "sales/slip.html", {"reward": reward})

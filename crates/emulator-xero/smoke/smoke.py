#!/usr/bin/env python3
"""Smoke test of the Xero emulator with the official xero-python SDK.

Usage: python smoke.py /path/to/info.json

info.json is the one JSON line of `ledgerbridge sandbox serve --json` (or of
`cargo run -p ledgerbridge-emulator-xero --example serve-xero`); this script reads its "xero" object
(api_base, identity_base, authorize_url, token_url, revoke_url, client_id, client_secret,
redirect_uri, tenant_id).

It approves the sandbox consent page the way `ledgerbridge connect xero --approve-sandbox`
does (plain HTTP, no browser), exchanges the code, then drives the SDK: connections, contacts
(incl. a duplicate name), invoices in both error modes, Idempotency-Key replay, a payment, the
paid-invoice edit rule, and a token refresh. It exits non-zero on any failure and ends with
`xero smoke: N passed, M failed`.
"""

import base64
import datetime
import html.parser
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

from xero_python.accounting import (
    AccountingApi,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    LineItem,
    Payment,
)
from xero_python.accounting.models import Account
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, NotFoundException
from xero_python.identity import IdentityApi

SCOPES = "offline_access accounting.transactions accounting.contacts accounting.settings"
RESULTS = []


def check(name, fn):
    """Runs one named check; records pass/fail with the reason."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the run
        RESULTS.append((name, False, f"{type(error).__name__}: {error}"))
        print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)
    else:
        RESULTS.append((name, True, ""))
        print(f"ok   {name}", flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


class FormParser(html.parser.HTMLParser):
    """Collects the consent form's action and hidden inputs."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self.decisions = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name") == "decision":
            self.decisions.append(a.get("value"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def approve_consent(xero):
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": xero["client_id"],
            "redirect_uri": xero["redirect_uri"],
            "scope": SCOPES,
            "state": "smoke-state",
        }
    )
    page = urllib.request.urlopen(f"{xero['authorize_url']}?{query}", timeout=10).read().decode()
    form = FormParser()
    form.feed(page)
    expect(form.action and "approve" in form.decisions, "consent page has a POST form with approve")
    body = urllib.parse.urlencode({**form.fields, "decision": "approve"}).encode()
    target = urllib.parse.urljoin(xero["authorize_url"], form.action)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(target, data=body, method="POST"), timeout=10)
        raise AssertionError("consent approval did not redirect")
    except urllib.error.HTTPError as redirect:
        location = redirect.headers["Location"]
    params = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    expect(params.get("state") == ["smoke-state"], f"state echoed: {location}")
    return params["code"][0]


def exchange_code(xero, code):
    basic = base64.b64encode(f"{xero['client_id']}:{xero['client_secret']}".encode()).decode()
    body = urllib.parse.urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": xero["redirect_uri"]}
    ).encode()
    request = urllib.request.Request(
        xero["token_url"],
        data=body,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    token = json.loads(urllib.request.urlopen(request, timeout=10).read())
    expect(token.get("expires_in") == 1800 and token.get("refresh_token"), f"token response: {token}")
    token["scope"] = token["scope"].split()
    token["expires_at"] = time.time() + token["expires_in"]
    return token


def main():
    if len(sys.argv) != 2:
        print("usage: python smoke.py /path/to/info.json", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        xero = json.loads(f.read().strip().splitlines()[0])["xero"]
    tenant = xero["tenant_id"]

    # The SDK's token endpoints are class attributes (xero.md section 8): point them here.
    TokenApi.refresh_token_url = xero["token_url"]
    TokenApi.revoke_token_url = xero["revoke_url"]
    TokenApi.client_credentials_token_url = xero["token_url"]

    store = {}
    api_client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=xero["client_id"], client_secret=xero["client_secret"])),
        oauth2_token_getter=lambda: store["token"],
        oauth2_token_saver=lambda token: store.update(token=token),
    )
    identity = IdentityApi(api_client, base_url=xero["identity_base"])
    accounting = AccountingApi(api_client, base_url=xero["api_base"] + "/api.xro/2.0")
    state = {}
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%H%M%S%f")

    def oauth():
        store["token"] = exchange_code(xero, approve_consent(xero))

    def connections():
        found = identity.get_connections()
        expect(any(str(c.tenant_id) == tenant for c in found), f"tenant {tenant} in connections")

    def contacts():
        listed = accounting.get_contacts(tenant).contacts
        names = {c.name for c in listed}
        expect("Café Olé" in names, "seeded contact Café Olé present")
        created = accounting.create_contacts(tenant, Contacts(contacts=[Contact(name=f"Smoke Contact {stamp}")]))
        state["contact_id"] = created.contacts[0].contact_id
        try:
            accounting.create_contacts(tenant, Contacts(contacts=[Contact(name=f"Smoke Contact {stamp}")]))
            raise AssertionError("a duplicate contact name was accepted")
        except AccountingBadRequestException as error:
            expect("already assigned" in str(error.error_data), "duplicate name message")

    def line(amount, account="210"):
        return LineItem(description="Smoke test service", quantity=Decimal("1"), unit_amount=Decimal(amount), account_code=account, tax_type="NONE")

    def invoice(amount, account="210", number=None):
        return Invoice(
            type="ACCREC",
            contact=Contact(contact_id=state["contact_id"]),
            line_items=[line(amount, account)],
            date=datetime.date.today(),
            due_date=datetime.date.today() + datetime.timedelta(days=30),
            status="AUTHORISED",
            invoice_number=number,
        )

    def invoices_per_element_errors():
        batch = Invoices(invoices=[invoice("120.50"), invoice("80.25"), invoice("10.00", account="999")])
        result = accounting.create_invoices(tenant, batch, summarize_errors=False)
        statuses = [i.status_attribute_string for i in result.invoices]
        expect(statuses == ["OK", "OK", "ERROR"], f"per-element statuses {statuses}")
        expect(result.invoices[2].validation_errors, "the bad element carries ValidationErrors")
        expect(result.invoices[0].total == Decimal("120.50"), f"exact total {result.invoices[0].total}")
        state["invoice_id"] = result.invoices[0].invoice_id

    def invoices_summarised_errors():
        try:
            accounting.create_invoices(tenant, Invoices(invoices=[invoice("10.00", account="999")]))
            raise AssertionError("an invalid invoice was accepted")
        except AccountingBadRequestException as error:
            data = error.error_data
            expect(data["Type"] == "ValidationException" and data["ErrorNumber"] == 10, f"error body {data}")

    def idempotency():
        key = f"smoke-{stamp}"
        number = f"SMOKE-{stamp}"
        first = accounting.create_invoices(tenant, Invoices(invoices=[invoice("5.00", number=number)]), idempotency_key=key)
        again = accounting.create_invoices(tenant, Invoices(invoices=[invoice("5.00", number=number)]), idempotency_key=key)
        expect(first.invoices[0].invoice_id == again.invoices[0].invoice_id, "replay returns the original invoice")

    def payment():
        bank = Account(code="090")
        made = accounting.create_payment(
            tenant,
            Payment(invoice=Invoice(invoice_id=state["invoice_id"]), account=bank, amount=Decimal("120.50"), date=datetime.date.today()),
        )
        expect(made.payments[0].amount == Decimal("120.50"), "payment amount")
        paid = accounting.get_invoice(tenant, state["invoice_id"]).invoices[0]
        expect(paid.status == "PAID" and paid.amount_due == Decimal("0.00"), f"invoice is PAID ({paid.status})")

    def paid_invoice_is_frozen():
        changed = Invoice(invoice_id=state["invoice_id"], line_items=[line("999.00")])
        try:
            accounting.update_invoice(tenant, state["invoice_id"], Invoices(invoices=[changed]))
            raise AssertionError("a paid invoice's lines were changed")
        except AccountingBadRequestException as error:
            expect("payment" in str(error.error_data), "paid-invoice message")

    def not_found():
        try:
            accounting.get_invoice(tenant, "00000000-0000-4000-8000-000000000000")
            raise AssertionError("a missing invoice was found")
        except NotFoundException:
            pass

    def refresh():
        old = store["token"]["refresh_token"]
        api_client.refresh_oauth2_token()
        expect(store["token"]["refresh_token"] != old, "refresh token rotated")
        org = accounting.get_organisations(tenant).organisations[0]
        expect(getattr(org.base_currency, "value", org.base_currency) == "USD", f"API works after refresh ({org.base_currency!r})")

    check("oauth consent and code exchange", oauth)
    if not RESULTS[-1][1]:
        return finish()
    check("connections", connections)
    check("contacts (list, create, duplicate name)", contacts)
    check("invoices with summarizeErrors=false", invoices_per_element_errors)
    check("invoices with summarised errors", invoices_summarised_errors)
    check("idempotency key replay", idempotency)
    check("payment marks the invoice PAID", payment)
    check("paid invoice lines are frozen", paid_invoice_is_frozen)
    check("404 for a missing invoice", not_found)
    check("token refresh rotates", refresh)
    return finish()


def finish():
    passed = sum(1 for r in RESULTS if r[1])
    failed = len(RESULTS) - passed
    print(f"xero smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

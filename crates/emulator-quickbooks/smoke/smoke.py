#!/usr/bin/env python3
"""Smoke test of the QuickBooks Online emulator with Intuit's own OAuth client (intuit-oauth)
and the python-quickbooks library.

Usage: python smoke.py /path/to/info.json

info.json holds the one JSON line of `ledgerbridge sandbox serve --json` (or of the crate's
`serve-quickbooks` example); this script reads its "quickbooks" object. It drives: discovery,
the consent page, code exchange, refresh rotation, create / query / sparse update, requestid
replay, batch, CDC and revoke. It exits non-zero on any failure and ends with
`quickbooks smoke: N passed, M failed`.
"""

import datetime
import json
import os
import sys
import traceback
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

# python-quickbooks goes through requests-oauthlib, which refuses plain http unless told.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

import requests  # noqa: E402
from intuitlib.client import AuthClient  # noqa: E402
from intuitlib.enums import Scopes  # noqa: E402
from quickbooks import QuickBooks  # noqa: E402
from quickbooks.batch import batch_create  # noqa: E402
from quickbooks.cdc import change_data_capture  # noqa: E402
from quickbooks.exceptions import AuthorizationException, QuickbooksException  # noqa: E402
from quickbooks.objects.customer import Customer  # noqa: E402
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail  # noqa: E402
from quickbooks.objects.invoice import Invoice  # noqa: E402
from quickbooks.objects.base import Ref  # noqa: E402

RESULTS = []


def check(name):
    """Runs one step; records pass/fail and keeps going so every failure is reported."""

    def wrap(fn):
        def run(*args):
            try:
                value = fn(*args)
                RESULTS.append((name, True, ""))
                print(f"PASS {name}")
                return value
            except Exception as exc:  # report and continue
                RESULTS.append((name, False, repr(exc)))
                print(f"FAIL {name}: {exc!r}")
                traceback.print_exc(limit=3)
                return None

        return run

    return wrap


class FormParser(HTMLParser):
    """Collects the consent form's method, hidden inputs and buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self.hidden = {}
        self.buttons = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(a.get("method", "").lower())
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "button":
            self.buttons.append((a.get("name"), a.get("value")))


def load_info(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    line = next((l for l in text.splitlines() if l.strip().startswith("{")), text)
    info = json.loads(line)
    qb = info.get("quickbooks")
    if not qb:
        raise SystemExit(f"no 'quickbooks' object in {path}")
    for key in ["api_base", "authorize_url", "token_url", "revoke_url", "discovery_url",
                "client_id", "client_secret", "redirect_uri", "realm_id"]:
        if key not in qb:
            raise SystemExit(f"info object lacks {key!r}")
    return qb


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: smoke.py /path/to/info.json")
    info = load_info(sys.argv[1])
    state = {}

    @check("discovery document drives intuit-oauth")
    def discovery():
        client = AuthClient(info["client_id"], info["client_secret"], info["redirect_uri"],
                            environment=info["discovery_url"])
        assert client.token_endpoint == info["token_url"], client.token_endpoint
        assert client.auth_endpoint == info["authorize_url"], client.auth_endpoint
        assert client.revoke_endpoint == info["revoke_url"], client.revoke_endpoint
        state["auth"] = client

    @check("consent page approves and redirects with code, state and realmId")
    def consent():
        auth = state["auth"]
        url = auth.get_authorization_url([Scopes.ACCOUNTING])
        page = requests.get(url, timeout=10)
        assert page.status_code == 200, page.status_code
        form = FormParser()
        form.feed(page.text)
        assert form.forms == ["post"], form.forms
        assert ("decision", "approve") in form.buttons and ("decision", "deny") in form.buttons
        fields = dict(form.hidden, decision="approve")
        answer = requests.post(page.url, data=fields, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.status_code
        query = parse_qs(urlparse(answer.headers["Location"]).query)
        assert query["state"] == [auth.state_token], query
        assert query["realmId"] == [info["realm_id"]], query
        state["code"] = query["code"][0]

    @check("code exchange gives 3600 s tokens")
    def exchange():
        auth = state["auth"]
        auth.get_bearer_token(state["code"], realm_id=info["realm_id"])
        assert auth.access_token and auth.refresh_token
        assert int(auth.expires_in) == 3600, auth.expires_in
        assert int(auth.x_refresh_token_expires_in) > 0

    @check("refresh rotates the refresh token")
    def refresh():
        auth = state["auth"]
        before = auth.refresh_token
        auth.refresh()
        assert auth.refresh_token and auth.refresh_token != before

    @check("python-quickbooks: create, query (escaped quote) and sparse update")
    def crud():
        auth = state["auth"]
        qb = QuickBooks(auth_client=auth, refresh_token=auth.refresh_token,
                        company_id=info["realm_id"], minorversion=75)
        qb.api_url_v3 = qb.sandbox_api_url_v3 = info["api_base"].rstrip("/") + "/v3"
        state["qb"] = qb
        name = f"O'Smoke {uuid.uuid4().hex[:8]}"
        customer = Customer()
        customer.DisplayName = name
        customer = customer.save(qb=qb)  # save() returns the stored object
        assert customer.Id and customer.SyncToken == "0", (customer.Id, customer.SyncToken)
        found = Customer.filter(DisplayName=name, qb=qb)
        assert [c.Id for c in found] == [customer.Id], found
        state["customer"] = customer

        invoice = Invoice()
        line = SalesItemLine()
        line.Amount = 150.0
        line.Description = "Smoke test visit"
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = Ref()
        line.SalesItemLineDetail.ItemRef.value = "1"
        invoice.Line.append(line)
        invoice.CustomerRef = customer.to_ref()
        invoice.DocNumber = f"SMK-{uuid.uuid4().hex[:6]}"
        request_id = uuid.uuid4().hex
        invoice = invoice.save(qb=qb, request_id=request_id)
        assert float(invoice.TotalAmt) == 150.0, invoice.TotalAmt
        state["invoice"] = invoice
        state["since"] = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)

        # The same requestid returns the original invoice, not a second one.
        again = Invoice()
        again.Line = invoice.Line
        again.CustomerRef = customer.to_ref()
        again = again.save(qb=qb, request_id=request_id)
        assert again.Id == invoice.Id, (again.Id, invoice.Id)
        assert Invoice.count(f"DocNumber = '{invoice.DocNumber}'", qb=qb) == 1

        sparse = Invoice()
        sparse.Id = invoice.Id
        sparse.SyncToken = invoice.SyncToken
        sparse.sparse = True
        sparse.PrivateNote = "smoke sparse update"
        sparse.save(qb=qb)
        fresh = Invoice.get(invoice.Id, qb=qb)
        assert fresh.PrivateNote == "smoke sparse update"
        assert fresh.SyncToken == "1", fresh.SyncToken
        assert fresh.DocNumber == invoice.DocNumber

    @check("stale SyncToken is Fault 5010")
    def stale():
        qb, invoice = state["qb"], state["invoice"]
        old = Invoice()
        old.Id = invoice.Id
        old.SyncToken = "0"
        old.sparse = True
        old.PrivateNote = "late"
        try:
            old.save(qb=qb)
        except QuickbooksException as exc:
            assert exc.error_code == 5010, exc.error_code
        else:
            raise AssertionError("a stale update was accepted")

    @check("batch create of three customers")
    def batch():
        qb = state["qb"]
        customers = []
        for i in range(3):
            c = Customer()
            c.DisplayName = f"Smoke Batch {uuid.uuid4().hex[:6]} {i}"
            customers.append(c)
        result = batch_create(customers, qb=qb)
        assert len(result.successes) == 3 and not result.faults, result.faults

    @check("CDC returns the new invoice")
    def cdc():
        qb = state["qb"]
        # An explicit offset: python-quickbooks formats datetimes without one, which QuickBooks
        # reads in the company's time zone.
        since = state["since"].isoformat(timespec="seconds")
        response = change_data_capture([Invoice, Customer], since, qb=qb)
        invoices = getattr(response, "Invoice", [])
        ids = [i.Id for i in invoices]
        assert state["invoice"].Id in ids, ids

    @check("revoke disconnects the app")
    def revoke():
        auth, qb = state["auth"], state["qb"]
        assert auth.revoke(token=auth.refresh_token)
        try:
            Customer.get(state["customer"].Id, qb=qb)
        except AuthorizationException:
            return
        raise AssertionError("a revoked token still works")

    discovery()
    if "auth" in state:
        consent()
    if "code" in state:
        exchange()
        refresh()
        crud()
    if "invoice" in state:
        stale()
        batch()
        cdc()
        revoke()

    passed = sum(1 for _, ok, _ in RESULTS if ok)
    failed = len(RESULTS) - passed
    expected = 9
    if len(RESULTS) < expected:
        failed += expected - len(RESULTS)
        print(f"FAIL {expected - len(RESULTS)} steps did not run (an earlier step failed)")
    print(f"quickbooks smoke: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

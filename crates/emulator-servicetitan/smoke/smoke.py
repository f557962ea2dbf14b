#!/usr/bin/env python3
"""Smoke test of the ServiceTitan emulator with servicepytan, a public third-party client.

Usage: python smoke.py INFO_JSON

INFO_JSON is the file holding the one JSON line of `ledgerbridge sandbox serve --json` (or of
`cargo run -p ledgerbridge-emulator-servicetitan --example serve-servicetitan`); this script reads its
"servicetitan" object (keys per CONTRACTS.md). servicepytan has no setting for the hosts, so
the script points the connection dict's `auth_root`/`api_root` at the emulator, as the
library reads them at call time. servicepytan fetches a token before every call, so run the
emulator with `--limits relaxed` (or `off`).

Exits non-zero with a clear message if any check fails; the last line is
`servicetitan smoke: N passed, M failed`.
"""

import json
import sys
import traceback

import requests
import servicepytan
from servicepytan.auth import get_auth_headers, get_auth_token, servicepytan_connect


def load_info(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    line = next((l for l in text.splitlines() if l.strip().startswith("{")), "")
    if not line:
        raise SystemExit(f"servicetitan smoke: {path} holds no JSON line")
    info = json.loads(line)
    if "servicetitan" not in info:
        raise SystemExit(f"servicetitan smoke: {path} has no 'servicetitan' object (keys: {sorted(info)})")
    return info["servicetitan"]


def connect(st, tenant):
    conn = servicepytan_connect(
        api_environment="integration",
        app_key=st["app_key"],
        tenant_id=str(tenant["tenant_id"]),
        client_id=tenant["client_id"],
        client_secret=tenant["client_secret"],
        timezone="UTC",
    )
    conn["auth_root"] = st["auth_base"]
    conn["api_root"] = st["api_base"]
    return conn


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python smoke.py INFO_JSON")
    st = load_info(sys.argv[1])
    for key in ("api_base", "auth_base", "token_url", "app_key", "tenants", "tenant_id", "client_id", "client_secret"):
        if key not in st:
            raise SystemExit(f"servicetitan smoke: the servicetitan object lacks {key!r}")
    tenants = st["tenants"]
    conn = connect(st, tenants[0])
    state = {}

    def token():
        t = get_auth_token(conn)
        check(isinstance(t, str) and t.count(".") == 2, f"token is not JWT-shaped: {t!r}")
        headers = get_auth_headers(conn)
        check(headers.get("ST-App-Key") == st["app_key"], "auth headers lack the app key")
        check(st["token_url"] == st["auth_base"] + "/connect/token", "token_url is not auth_base + /connect/token")

    def bad_credentials():
        r = requests.post(
            st["token_url"],
            data={"grant_type": "client_credentials", "client_id": tenants[0]["client_id"], "client_secret": "wrong"},
            timeout=30,
        )
        check(r.status_code == 400 and r.json().get("error") == "invalid_client", f"bad secret gave {r.status_code} {r.text}")

    def customers_paged():
        rows = servicepytan.Endpoint("crm", "customers", conn).get_all({"pageSize": "40"})
        ids = [c["id"] for c in rows]
        check(len(rows) >= 100, f"only {len(rows)} customers")
        check(len(ids) == len(set(ids)), "a customer came back twice across pages")
        names = [c["name"] for c in rows]
        check(names.count("John Smith") == 2, "expected two distinct John Smith customers")
        one = servicepytan.Endpoint("crm", "customers", conn).get_one(ids[0])
        check(one["id"] == ids[0], "get_one returned another customer")
        state["customers"] = len(rows)

    def invoices_paged():
        rows = servicepytan.Endpoint("accounting", "invoices", conn).get_all({"pageSize": "150"})
        ids = [i["id"] for i in rows]
        check(len(rows) >= 400, f"only {len(rows)} invoices")
        check(len(ids) == len(set(ids)), "an invoice came back twice across pages")
        check(all(isinstance(i["total"], str) for i in rows), "invoice totals are not decimal strings")
        pinned = [i for i in rows if i["referenceNumber"] == "10007"]
        check(len(pinned) == 1 and pinned[0]["total"] == "189.00", "pinned invoice 10007 missing or wrong")
        state["invoice"] = next(i for i in rows if i["syncStatus"] == "Posted" and i["active"])

    def export_feed():
        rows = servicepytan.Endpoint("accounting", "export", conn).export_all("invoices", include_recent_changes=True)
        check(len(rows) >= 400, f"export returned {len(rows)} invoices")
        first = servicepytan.Endpoint("accounting", "export", conn).export_one("payments")
        check(set(first) == {"hasMore", "continueFrom", "data"}, f"export envelope keys: {sorted(first)}")
        check(isinstance(first["continueFrom"], str) and first["continueFrom"], "no continuation token")

    def mark_as_exported():
        inv = state["invoice"]
        result = servicepytan.Endpoint("accounting", "invoices/markasexported", conn).create(
            [{"invoiceId": inv["id"], "externalId": "SMOKE-1", "externalMessage": "smoke test"}, {"invoiceId": 1}]
        )
        check(result[0] == {"invoiceId": inv["id"], "success": True, "errorMessage": None}, f"markasexported: {result}")
        check(result[1]["success"] is False and result[1]["errorMessage"], f"unknown invoice accepted: {result}")
        after = servicepytan.Endpoint("accounting", "invoices", conn).get_many({"ids": str(inv["id"])})
        check(after["data"][0]["syncStatus"] == "Exported", "invoice not Exported after markasexported")
        check(after["data"][0]["exportId"] == "SMOKE-1", "exportId not set from externalId")

    def second_tenant():
        other = connect(st, tenants[1])
        page = servicepytan.Endpoint("crm", "customers", other).get_many({"pageSize": "5", "includeTotal": "true"})
        check(page["totalCount"] and page["data"], "second tenant has no customers")
        check(tenants[1]["target"] == "xero" and tenants[0]["target"] == "quickbooks", "tenant targets")

    checks = [token, bad_credentials, customers_paged, invoices_paged, export_feed, mark_as_exported, second_tenant]
    passed = failed = 0
    for fn in checks:
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__}")
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {fn.__name__}: {e}")
            traceback.print_exc(limit=2, file=sys.stderr)
    print(f"servicetitan smoke: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

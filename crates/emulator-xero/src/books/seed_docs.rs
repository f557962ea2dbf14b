//! The demo organisation's documents: the pre-existing invoice of `demo_world`, a handful of
//! invoices in every state (paid, part-paid, open, draft), a supplier bill and a credit note
//! partly allocated.

use chrono::{DateTime, Days, NaiveDate, Utc};
use ledgerbridge_emulator::demo_world::{PREEXISTING_INVOICES, tenant_for_target};
use ledgerbridge_emulator::{SeedOptions, seeded_rng};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::calc::finish_line;
use super::seed::{at, dec, uuid_from};
use super::{
    Allocation, Books, DocKind, Document, Line, LineAmountTypes, LineTracking, Payment,
    PaymentTarget,
};

type SeedLine<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

struct SeedDoc<'a> {
    kind: DocKind,
    type_code: &'a str,
    contact: Uuid,
    number: &'a str,
    date: NaiveDate,
    types: LineAmountTypes,
    status: &'a str,
    lines: Vec<SeedLine<'a>>,
}

fn add_doc(books: &mut Books, rng: &mut ChaCha8Rng, d: SeedDoc<'_>, now: DateTime<Utc>) -> Uuid {
    let lines = d
        .lines
        .iter()
        .map(|(desc, qty, unit, account, tax, item, unit_name)| {
            let tracking = unit_name
                .and_then(|u| {
                    books
                        .resolve_tracking(None, None, Some("Business Unit"), Some(u))
                        .ok()
                })
                .into_iter()
                .collect::<Vec<LineTracking>>();
            let rate = books.tax_rate(tax).map(|t| t.rate()).unwrap_or_default();
            let mut line = Line {
                id: uuid_from(rng),
                description: (*desc).into(),
                quantity: dec(qty),
                unit_amount: dec(unit),
                item_code: item.map(str::to_owned),
                account_code: Some((*account).into()),
                tax_type: (*tax).into(),
                tax_amount: Decimal::ZERO,
                line_amount: Decimal::ZERO,
                discount_rate: None,
                tracking,
            };
            finish_line(&mut line, d.types, rate, None);
            line
        })
        .collect();
    let id = uuid_from(rng);
    let due_days = u64::from(books.org.sales_due_days);
    let currency = books.org.base_currency.clone();
    books.docs_mut(d.kind).push(Document {
        id,
        kind: d.type_code.into(),
        contact_id: d.contact,
        number: d.number.into(),
        reference: None,
        date: d.date,
        due_date: Some(d.date + Days::new(due_days)),
        line_amount_types: d.types,
        status: d.status.into(),
        currency,
        currency_rate: Decimal::ONE,
        lines,
        sent_to_contact: d.status == "AUTHORISED",
        url: None,
        branding_theme_id: None,
        expected_payment_date: None,
        fully_paid_on: None,
        amount_paid: Decimal::ZERO,
        amount_credited: Decimal::ZERO,
        updated: at(d.date, 17, now),
    });
    id
}

fn add_payment(
    books: &mut Books,
    rng: &mut ChaCha8Rng,
    invoice: Uuid,
    amount: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) {
    let account_id = books
        .account_by_code("090")
        .expect("seeded bank account")
        .id;
    books.payments.push(Payment {
        id: uuid_from(rng),
        target: PaymentTarget::Invoice(invoice),
        account_id,
        date,
        amount: dec(amount),
        currency_rate: Decimal::ONE,
        reference: Some("Check".into()),
        is_reconciled: false,
        status: "AUTHORISED".into(),
        payment_type: "ACCRECPAYMENT".into(),
        updated: at(date, 18, now),
    });
    books.settle(DocKind::Invoice, invoice, at(date, 18, now));
}

pub(crate) fn seed_documents(books: &mut Books, opts: SeedOptions, now: DateTime<Utc>) {
    let mut rng = seeded_rng(opts.seed, "xero-documents");
    let tenant = tenant_for_target("xero")
        .expect("demo_world has a Xero tenant")
        .tenant_id;
    let start = opts.start;
    let named =
        |books: &Books, name: &str| books.contacts.iter().find(|c| c.name == name).map(|c| c.id);
    // The invoice someone keyed in by hand before the bridge ran (same number as ServiceTitan's).
    for pre in PREEXISTING_INVOICES
        .iter()
        .filter(|p| p.tenant_id == tenant)
    {
        let contact =
            named(books, pre.customer_name).expect("pre-existing invoice customer is seeded");
        let date = start + Days::new(pre.day_offset);
        let line = (
            pre.description,
            pre.quantity,
            pre.unit_price,
            "210",
            "NONE",
            None,
            None,
        );
        let doc = SeedDoc {
            kind: DocKind::Invoice,
            type_code: "ACCREC",
            contact,
            number: pre.number,
            date,
            types: LineAmountTypes::NoTax,
            status: "AUTHORISED",
            lines: vec![line],
        };
        add_doc(books, &mut rng, doc, now);
    }
    let locals: Vec<Uuid> = books
        .contacts
        .iter()
        .skip(3)
        .take(4)
        .map(|c| c.id)
        .collect();
    let day = |rng: &mut ChaCha8Rng, lo: u64, hi: u64| start + Days::new(rng.random_range(lo..hi));
    let inv =
        |books: &mut Books, rng: &mut ChaCha8Rng, contact, number, date, types, status, lines| {
            let doc = SeedDoc {
                kind: DocKind::Invoice,
                type_code: "ACCREC",
                contact,
                number,
                date,
                types,
                status,
                lines,
            };
            add_doc(books, rng, doc, now)
        };
    let d1 = day(&mut rng, 1, 6);
    let paid = inv(
        books,
        &mut rng,
        locals[0],
        "INV-0001",
        d1,
        LineAmountTypes::Exclusive,
        "AUTHORISED",
        vec![
            (
                "Diagnostic visit",
                "1",
                "89.00",
                "210",
                "NONE",
                Some("SVC-DIAG"),
                Some("Residential Service"),
            ),
            (
                "Plumbing labor",
                "1.5",
                "125.00",
                "210",
                "NONE",
                Some("SVC-HR"),
                Some("Residential Service"),
            ),
        ],
    );
    add_payment(books, &mut rng, paid, "276.50", d1 + Days::new(4), now);
    let d2 = day(&mut rng, 4, 10);
    let part = inv(
        books,
        &mut rng,
        locals[1],
        "INV-0002",
        d2,
        LineAmountTypes::Exclusive,
        "AUTHORISED",
        vec![
            (
                "50 gal water heater, installed",
                "1",
                "1189.00",
                "220",
                "TAX001",
                Some("EQ-WH50"),
                Some("Water Heaters"),
            ),
            (
                "PVC fittings",
                "12",
                "3.4750",
                "220",
                "TAX001",
                Some("MAT-PVC"),
                Some("Water Heaters"),
            ),
        ],
    );
    add_payment(books, &mut rng, part, "500.00", d2 + Days::new(2), now);
    let d3 = day(&mut rng, 8, 14);
    let open = inv(
        books,
        &mut rng,
        locals[2],
        "INV-0003",
        d3,
        LineAmountTypes::Inclusive,
        "AUTHORISED",
        vec![(
            "Main line drain clearing",
            "1",
            "175.00",
            "210",
            "TAX001",
            Some("DRAIN-CLR"),
            Some("Drain Cleaning"),
        )],
    );
    let d4 = day(&mut rng, 12, 20);
    inv(
        books,
        &mut rng,
        locals[3],
        "INV-0004",
        d4,
        LineAmountTypes::Exclusive,
        "DRAFT",
        vec![(
            "Fixture replacement estimate",
            "2",
            "125.00",
            "210",
            "NONE",
            Some("SVC-HR"),
            Some("Commercial Service"),
        )],
    );
    let cafe = named(books, "Café Olé").expect("shared customer seeded");
    let d5 = day(&mut rng, 14, 22);
    inv(
        books,
        &mut rng,
        cafe,
        "INV-0005",
        d5,
        LineAmountTypes::Exclusive,
        "AUTHORISED",
        vec![(
            "Grease trap service",
            "1",
            "240.00",
            "210",
            "NONE",
            None,
            Some("Commercial Service"),
        )],
    );
    let supplier = named(books, "Ferguson Plumbing Supply").expect("supplier seeded");
    let bill = SeedDoc {
        kind: DocKind::Invoice,
        type_code: "ACCPAY",
        contact: supplier,
        number: "FPS-88213",
        date: day(&mut rng, 2, 8),
        types: LineAmountTypes::Exclusive,
        status: "AUTHORISED",
        lines: vec![(
            "Copper pipe and fittings",
            "1",
            "412.60",
            "310",
            "NONE",
            None,
            None,
        )],
    };
    add_doc(books, &mut rng, bill, now);
    // A credit note for the open invoice's customer, partly allocated to it.
    let credit = SeedDoc {
        kind: DocKind::CreditNote,
        type_code: "ACCRECCREDIT",
        contact: locals[2],
        number: "CN-0001",
        date: d3 + Days::new(1),
        types: LineAmountTypes::NoTax,
        status: "AUTHORISED",
        lines: vec![(
            "Goodwill credit: return visit",
            "1",
            "50.00",
            "210",
            "NONE",
            None,
            Some("Drain Cleaning"),
        )],
    };
    let cn = add_doc(books, &mut rng, credit, now);
    books.allocations.push(Allocation {
        id: uuid_from(&mut rng),
        credit_note_id: cn,
        invoice_id: open,
        amount: dec("20.00"),
        date: d3 + Days::new(1),
        deleted: false,
    });
    let stamp = at(d3 + Days::new(1), 18, now);
    books.settle(DocKind::Invoice, open, stamp);
    books.settle(DocKind::CreditNote, cn, stamp);
}

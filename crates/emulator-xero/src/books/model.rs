//! The organisation's records as the emulator keeps them (amounts as `Decimal`, dates as
//! `NaiveDate`, timestamps on the sandbox clock). Rendering to Xero's JSON is in `api::render`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// The organisation (one Xero tenant).
#[derive(Clone, Debug)]
pub(crate) struct Organisation {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) legal_name: String,
    pub(crate) short_code: String,
    pub(crate) base_currency: String,
    /// Currencies the organisation may invoice in (the base currency first). Data-driven so a
    /// non-USD or multi-currency organisation is a seed change, not a code change.
    pub(crate) currencies: Vec<String>,
    pub(crate) country_code: String,
    pub(crate) version: String,
    pub(crate) timezone: String,
    pub(crate) created: DateTime<Utc>,
    /// Writes dated on or before this day are refused (advisers may bypass it in Xero; the API
    /// user of the sandbox is never an adviser).
    pub(crate) period_lock_date: Option<NaiveDate>,
    pub(crate) end_of_year_lock_date: Option<NaiveDate>,
    /// Days after the invoice date an ACCREC invoice falls due when no DueDate is sent.
    pub(crate) sales_due_days: u32,
}

impl Organisation {
    /// The last locked day, if any (the later of the two lock dates).
    pub(crate) fn lock_date(&self) -> Option<NaiveDate> {
        match (self.period_lock_date, self.end_of_year_lock_date) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name: String,
    /// BANK, CURRENT, REVENUE, ...
    pub(crate) kind: String,
    pub(crate) class: String,
    pub(crate) status: String,
    pub(crate) tax_type: String,
    pub(crate) description: Option<String>,
    pub(crate) enable_payments: bool,
    pub(crate) bank_account_number: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) system_account: Option<String>,
    pub(crate) updated: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct TaxComponent {
    pub(crate) name: String,
    pub(crate) rate: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct TaxRate {
    pub(crate) name: String,
    pub(crate) tax_type: String,
    pub(crate) report_tax_type: String,
    pub(crate) status: String,
    pub(crate) components: Vec<TaxComponent>,
    pub(crate) applies_to_revenue: bool,
    pub(crate) applies_to_expenses: bool,
}

impl TaxRate {
    /// The rate in percent (components add; the sandbox has no compound components).
    pub(crate) fn rate(&self) -> Decimal {
        self.components.iter().map(|c| c.rate).sum()
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PriceDetails {
    pub(crate) unit_price: Option<Decimal>,
    pub(crate) account_code: Option<String>,
    pub(crate) tax_type: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) id: Uuid,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) purchase_description: Option<String>,
    pub(crate) is_sold: bool,
    pub(crate) is_purchased: bool,
    pub(crate) sales: PriceDetails,
    pub(crate) purchase: PriceDetails,
    pub(crate) updated: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct TrackingOption {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) status: String,
}

#[derive(Clone, Debug)]
pub(crate) struct TrackingCategory {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) options: Vec<TrackingOption>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Phone {
    pub(crate) kind: String,
    pub(crate) number: String,
    pub(crate) area_code: String,
    pub(crate) country_code: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Address {
    pub(crate) kind: String,
    pub(crate) lines: [String; 4],
    pub(crate) city: String,
    pub(crate) region: String,
    pub(crate) postal_code: String,
    pub(crate) country: String,
    pub(crate) attention_to: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Contact {
    pub(crate) id: Uuid,
    pub(crate) number: Option<String>,
    pub(crate) account_number: Option<String>,
    /// ACTIVE | ARCHIVED | GDPRREQUEST
    pub(crate) status: String,
    pub(crate) name: String,
    pub(crate) first_name: Option<String>,
    pub(crate) last_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) tax_number: Option<String>,
    pub(crate) default_currency: Option<String>,
    pub(crate) phones: Vec<Phone>,
    pub(crate) addresses: Vec<Address>,
    pub(crate) updated: DateTime<Utc>,
}

/// One tracking assignment on a line (category and option by id, names resolved on render).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LineTracking {
    pub(crate) category_id: Uuid,
    pub(crate) option_id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) id: Uuid,
    pub(crate) description: String,
    pub(crate) quantity: Decimal,
    /// Kept at the precision it was accepted with (4 dp with `unitdp=4`, else 2 dp).
    pub(crate) unit_amount: Decimal,
    pub(crate) item_code: Option<String>,
    pub(crate) account_code: Option<String>,
    pub(crate) tax_type: String,
    pub(crate) tax_amount: Decimal,
    pub(crate) line_amount: Decimal,
    pub(crate) discount_rate: Option<Decimal>,
    pub(crate) tracking: Vec<LineTracking>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineAmountTypes {
    Exclusive,
    Inclusive,
    NoTax,
}

impl LineAmountTypes {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "exclusive" => Some(Self::Exclusive),
            "inclusive" => Some(Self::Inclusive),
            "notax" => Some(Self::NoTax),
            _ => None,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Exclusive => "Exclusive",
            Self::Inclusive => "Inclusive",
            Self::NoTax => "NoTax",
        }
    }
}

/// Fields invoices and credit notes share (Xero treats them as the same document shape).
#[derive(Clone, Debug)]
pub(crate) struct Document {
    pub(crate) id: Uuid,
    /// ACCREC | ACCPAY for invoices, ACCRECCREDIT | ACCPAYCREDIT for credit notes.
    pub(crate) kind: String,
    pub(crate) contact_id: Uuid,
    pub(crate) number: String,
    pub(crate) reference: Option<String>,
    pub(crate) date: NaiveDate,
    pub(crate) due_date: Option<NaiveDate>,
    pub(crate) line_amount_types: LineAmountTypes,
    /// DRAFT | SUBMITTED | AUTHORISED | PAID | VOIDED | DELETED
    pub(crate) status: String,
    pub(crate) currency: String,
    pub(crate) currency_rate: Decimal,
    pub(crate) lines: Vec<Line>,
    pub(crate) sent_to_contact: bool,
    pub(crate) url: Option<String>,
    pub(crate) branding_theme_id: Option<Uuid>,
    pub(crate) expected_payment_date: Option<NaiveDate>,
    pub(crate) fully_paid_on: Option<NaiveDate>,
    /// Sum of AUTHORISED payments (refunds, for a credit note).
    pub(crate) amount_paid: Decimal,
    /// Sum of live credit-note allocations (for a credit note: what it has allocated).
    pub(crate) amount_credited: Decimal,
    pub(crate) updated: DateTime<Utc>,
}

impl Document {
    pub(crate) fn sub_total(&self) -> Decimal {
        match self.line_amount_types {
            LineAmountTypes::Inclusive => self
                .lines
                .iter()
                .map(|l| l.line_amount - l.tax_amount)
                .sum(),
            _ => self.lines.iter().map(|l| l.line_amount).sum(),
        }
    }
    pub(crate) fn total_tax(&self) -> Decimal {
        self.lines.iter().map(|l| l.tax_amount).sum()
    }
    pub(crate) fn total(&self) -> Decimal {
        self.sub_total() + self.total_tax()
    }
    /// What is still owed (invoice) or still to allocate (credit note).
    pub(crate) fn amount_due(&self) -> Decimal {
        self.total() - self.amount_paid - self.amount_credited
    }
    /// A payment or credit is applied, which freezes most fields.
    pub(crate) fn has_money_applied(&self) -> bool {
        !self.amount_paid.is_zero() || !self.amount_credited.is_zero()
    }
    pub(crate) fn is_receivable(&self) -> bool {
        self.kind == "ACCREC" || self.kind == "ACCRECCREDIT"
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PaymentTarget {
    Invoice(Uuid),
    CreditNote(Uuid),
}

#[derive(Clone, Debug)]
pub(crate) struct Payment {
    pub(crate) id: Uuid,
    pub(crate) target: PaymentTarget,
    pub(crate) account_id: Uuid,
    pub(crate) date: NaiveDate,
    pub(crate) amount: Decimal,
    pub(crate) currency_rate: Decimal,
    pub(crate) reference: Option<String>,
    pub(crate) is_reconciled: bool,
    /// AUTHORISED | DELETED
    pub(crate) status: String,
    pub(crate) payment_type: String,
    pub(crate) updated: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct Allocation {
    pub(crate) id: Uuid,
    pub(crate) credit_note_id: Uuid,
    pub(crate) invoice_id: Uuid,
    pub(crate) amount: Decimal,
    pub(crate) date: NaiveDate,
    pub(crate) deleted: bool,
}

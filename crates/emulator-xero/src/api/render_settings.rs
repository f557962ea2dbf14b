//! Settings records to Xero's JSON (items, tax rates, accounts, tracking, organisation) and the
//! state dump.

use super::render::{contact, document, payment};
use crate::books::{Account, Books, Item, TaxRate, TrackingCategory};
use crate::wire::dates::{ms_date, ms_datetime};
use crate::wire::{Json, Obj};

pub(crate) fn item(i: &Item, unitdp: u32) -> Json {
    let details = |d: &crate::books::PriceDetails| {
        let mut obj = Obj::new();
        if let Some(price) = d.unit_price {
            obj = obj.n("UnitPrice", price, unitdp);
        }
        obj.opt_s("AccountCode", d.account_code.as_deref())
            .opt_s("TaxType", d.tax_type.as_deref())
            .build()
    };
    Obj::new()
        .s("ItemID", i.id.to_string())
        .s("Code", i.code.clone())
        .s("Name", i.name.clone())
        .opt_s("Description", i.description.as_deref())
        .opt_s("PurchaseDescription", i.purchase_description.as_deref())
        .s("UpdatedDateUTC", ms_datetime(i.updated))
        .j("PurchaseDetails", details(&i.purchase))
        .j("SalesDetails", details(&i.sales))
        .b("IsTrackedAsInventory", false)
        .b("IsSold", i.is_sold)
        .b("IsPurchased", i.is_purchased)
        .build()
}

pub(crate) fn tax_rate(t: &TaxRate) -> Json {
    let components = t
        .components
        .iter()
        .map(|c| {
            Obj::new()
                .s("Name", c.name.clone())
                .n("Rate", c.rate, 4)
                .b("IsCompound", false)
                .b("IsNonRecoverable", false)
                .build()
        })
        .collect();
    Obj::new()
        .s("Name", t.name.clone())
        .s("TaxType", t.tax_type.clone())
        .s("ReportTaxType", t.report_tax_type.clone())
        .b("CanApplyToAssets", true)
        .b("CanApplyToEquity", true)
        .b("CanApplyToExpenses", t.applies_to_expenses)
        .b("CanApplyToLiabilities", true)
        .b("CanApplyToRevenue", t.applies_to_revenue)
        .n("DisplayTaxRate", t.rate(), 4)
        .n("EffectiveRate", t.rate(), 4)
        .s("Status", t.status.clone())
        .arr("TaxComponents", components)
        .build()
}

pub(crate) fn account(a: &Account) -> Json {
    let mut obj = Obj::new()
        .s("AccountID", a.id.to_string())
        .s("Code", a.code.clone())
        .s("Name", a.name.clone())
        .s("Status", a.status.clone())
        .s("Type", a.kind.clone())
        .s("TaxType", a.tax_type.clone())
        .opt_s("Description", a.description.as_deref())
        .s("Class", a.class.clone())
        .b("EnablePaymentsToAccount", a.enable_payments)
        .b("ShowInExpenseClaims", false)
        .opt_s("BankAccountNumber", a.bank_account_number.as_deref())
        .opt_s("CurrencyCode", a.currency.as_deref());
    if a.kind == "BANK" {
        obj = obj.s("BankAccountType", "BANK");
    }
    obj.opt_s("SystemAccount", a.system_account.as_deref())
        .s("ReportingCode", "")
        .b("HasAttachments", false)
        .s("UpdatedDateUTC", ms_datetime(a.updated))
        .b("AddToWatchlist", false)
        .build()
}

pub(crate) fn tracking_category(t: &TrackingCategory, include_archived: bool) -> Json {
    let options = t
        .options
        .iter()
        .filter(|o| include_archived || o.status == "ACTIVE")
        .map(|o| {
            Obj::new()
                .s("TrackingOptionID", o.id.to_string())
                .s("Name", o.name.clone())
                .s("Status", o.status.clone())
                .s("TrackingCategoryID", t.id.to_string())
                .build()
        })
        .collect();
    Obj::new()
        .s("TrackingCategoryID", t.id.to_string())
        .s("Name", t.name.clone())
        .s("Status", t.status.clone())
        .arr("Options", options)
        .build()
}

pub(crate) fn organisation(books: &Books) -> Json {
    let o = &books.org;
    let mut obj = Obj::new()
        .s("OrganisationID", o.id.to_string())
        .s("APIKey", "")
        .s("Name", o.name.clone())
        .s("LegalName", o.legal_name.clone())
        .b("PaysTax", true)
        .s("Version", o.version.clone())
        .s("OrganisationType", "COMPANY")
        .s("BaseCurrency", o.base_currency.clone())
        .s("CountryCode", o.country_code.clone())
        .b("IsDemoCompany", false)
        .s("OrganisationStatus", "ACTIVE")
        .int("FinancialYearEndDay", 31)
        .int("FinancialYearEndMonth", 12)
        .s("SalesTaxBasis", "ACCRUALS")
        .s("SalesTaxPeriod", "QUARTERLY")
        .s("DefaultSalesTax", "Tax Exclusive")
        .s("DefaultPurchasesTax", "Tax Exclusive");
    if let Some(lock) = o.period_lock_date {
        obj = obj.s("PeriodLockDate", ms_date(lock));
    }
    if let Some(lock) = o.end_of_year_lock_date {
        obj = obj.s("EndOfYearLockDate", ms_date(lock));
    }
    obj.s("CreatedDateUTC", ms_datetime(o.created))
        .s("OrganisationEntityType", "COMPANY")
        .s("Timezone", o.timezone.clone())
        .s("ShortCode", o.short_code.clone())
        .s("Edition", "BUSINESS")
        .s("Class", "STANDARD")
        .arr("Addresses", Vec::new())
        .arr("Phones", Vec::new())
        .arr("ExternalLinks", Vec::new())
        .j(
            "PaymentTerms",
            Obj::new()
                .j(
                    "Sales",
                    Obj::new()
                        .int("Day", i64::from(o.sales_due_days))
                        .s("Type", "DAYSAFTERBILLDATE")
                        .build(),
                )
                .build(),
        )
        .build()
}

/// Everything, for `GET /_sandbox/state`.
pub(crate) fn dump(books: &Books) -> Json {
    Obj::new()
        .j("Organisation", organisation(books))
        .arr(
            "Contacts",
            books.contacts.iter().map(|c| contact(books, c)).collect(),
        )
        .arr(
            "Invoices",
            books
                .invoices
                .iter()
                .map(|d| document(books, d, true, 4))
                .collect(),
        )
        .arr(
            "CreditNotes",
            books
                .credit_notes
                .iter()
                .map(|d| document(books, d, true, 4))
                .collect(),
        )
        .arr(
            "Payments",
            books.payments.iter().map(|p| payment(books, p)).collect(),
        )
        .arr("Items", books.items.iter().map(|i| item(i, 4)).collect())
        .arr("Accounts", books.accounts.iter().map(account).collect())
        .arr("TaxRates", books.tax_rates.iter().map(tax_rate).collect())
        .arr(
            "TrackingCategories",
            books
                .tracking
                .iter()
                .map(|t| tracking_category(t, true))
                .collect(),
        )
        .build()
}

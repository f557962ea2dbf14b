//! The writable-property tables, per entity, with their sources.
//!
//! Sources (key -> what):
//! * **XSD**: Intuit's published v3 schema, `intuit/QuickBooks-V3-DotNET-SDK`
//!   `IPPDotNetDevKitCSV3/Tools/XsdExtension/Intuit.Ipp.XsdExtension/Schema/Finance.xsd` and
//!   `IntuitBaseTypes.xsd` (the complexType named in each table's comment; element lists as
//!   summarised with their sources in `shared/api/quickbooks.md` section 3).
//! * **PQB**: `ej2/python-quickbooks` 0.9.12 `quickbooks/objects/<file>.py` (attributes set in
//!   `__init__`, `class_dict`, `list_dict`): what that client really sends, which QuickBooks
//!   accepts (its integration tests run against the Intuit sandbox).
//!
//! Read-only properties (`Id`, `SyncToken`, `MetaData`, `Balance`, `TotalAmt`...) are declared:
//! QuickBooks accepts them in a request (clients send back what they read) and ignores them.

use super::{Prop, Ty, p};
use crate::model::Kind;

const S: Ty = Ty::Scalar;

/// XSD `ReferenceType` (`value`, attributes `name`, `type`); PQB `base.py` `Ref`.
pub(super) const REF: &[Prop] = &[p("value", S), p("name", S), p("type", S)];
const R: Ty = Ty::Obj(REF);

/// XSD `PhysicalAddress`; PQB `base.py` `Address` (adds `Note`).
const ADDRESS: &[Prop] = &[
    p("Id", S), p("Line1", S), p("Line2", S), p("Line3", S), p("Line4", S), p("Line5", S),
    p("City", S), p("Country", S), p("CountryCode", S), p("County", S),
    p("CountrySubDivisionCode", S), p("PostalCode", S), p("PostalCodeSuffix", S),
    p("Lat", S), p("Long", S), p("Tag", S), p("Note", S),
];
const ADDR: Ty = Ty::Obj(ADDRESS);

/// XSD `EmailAddress`; PQB `base.py` `EmailAddress`.
const EMAIL: Ty = Ty::Obj(&[p("Address", S), p("Default", S), p("Tag", S)]);
/// XSD `TelephoneNumber`; PQB `base.py` `PhoneNumber`.
const PHONE: Ty = Ty::Obj(&[
    p("Id", S), p("DeviceType", S), p("CountryCode", S), p("AreaCode", S),
    p("ExchangeCode", S), p("Extension", S), p("FreeFormNumber", S), p("Default", S), p("Tag", S),
]);
/// XSD `WebSiteAddress`; PQB `base.py` `WebAddress`.
const WEB: Ty = Ty::Obj(&[p("URI", S), p("Default", S), p("Tag", S)]);
/// XSD `MemoRef` (simple content `value`, attribute `id`); PQB `base.py` `CustomerMemo`.
const MEMO: Ty = Ty::Obj(&[p("value", S), p("id", S)]);
/// XSD `ModificationMetaData`; PQB `base.py` `MetaData`.
const META: Ty = Ty::Obj(&[
    p("CreatedByRef", R), p("CreateTime", S), p("LastModifiedByRef", R),
    p("LastUpdatedTime", S), p("LastChangedInQB", S), p("Synchronized", S),
]);
/// XSD `CustomField`; PQB `base.py` `CustomField`.
const CUSTOM_FIELD: Ty = Ty::Arr(&[
    p("DefinitionId", S), p("Name", S), p("Type", S), p("StringValue", S),
    p("BooleanValue", S), p("DateValue", S), p("NumberValue", S),
]);
/// XSD `LinkedTxn`; PQB `base.py` `LinkedTxn`.
const LINKED: Ty = Ty::Arr(&[p("TxnId", S), p("TxnType", S), p("TxnLineId", S)]);
/// XSD `IntuitAnyType` (the `...Ex` extension elements).
const EX: Ty = Ty::Obj(&[p("Any", Ty::ScalarArr)]);
/// XSD `AttachableRef` list (on every `IntuitEntity`).
const ATTACHABLE: Ty = Ty::Arr(&[
    p("EntityRef", R), p("LineInfo", S), p("IncludeOnSend", S), p("Inactive", S),
    p("NoRefOnly", S), p("CustomField", CUSTOM_FIELD),
]);

/// XSD `IntuitEntity`: the envelope every entity has (`domain`, `sparse`, `status` are XML
/// attributes, JSON fields).
macro_rules! entity {
    ($($prop:expr),* $(,)?) => {
        &[
            p("Id", S), p("SyncToken", S), p("MetaData", META), p("CustomField", CUSTOM_FIELD),
            p("AttachableRef", ATTACHABLE), p("domain", S), p("status", S), p("sparse", S),
            $($prop),*
        ]
    };
}

/// XSD `SalesItemLineDetail` (extends `ItemLineDetail`); PQB `detailline.py`.
const SALES_ITEM: Ty = Ty::Obj(&[
    p("ItemRef", R), p("ClassRef", R), p("UnitPrice", S), p("RatePercent", S),
    p("PriceLevelRef", R), p("MarkupInfo", Ty::Obj(&[p("PercentBased", S), p("Value", S),
        p("Percent", S), p("PriceLevelRef", R), p("MarkUpIncomeAccountRef", R)])),
    p("Qty", S), p("UOMRef", Ty::Obj(&[p("Unit", S), p("UOMSetRef", R)])),
    p("ItemAccountRef", R), p("InventorySiteRef", R), p("TaxCodeRef", R),
    p("TaxClassificationRef", R), p("ItemEx", EX), p("ServiceDate", S),
    p("TaxInclusiveAmt", S), p("DiscountRate", S), p("DiscountAmt", S),
    p("SalesItemLineDetailEx", EX),
]);
/// XSD `DiscountLineDetail`; PQB `detailline.py` `DiscountLineDetail`.
const DISCOUNT: Ty = Ty::Obj(&[
    p("DiscountRef", R), p("PercentBased", S), p("DiscountPercent", S),
    p("DiscountAccountRef", R), p("ServiceDate", S), p("ClassRef", R), p("TaxCodeRef", R),
    p("DiscountLineDetailEx", EX),
]);
/// XSD `TaxLineDetail`; PQB `tax.py` `TaxLineDetail`.
const TAX_LINE: Ty = Ty::Obj(&[
    p("TaxRateRef", R), p("PercentBased", S), p("TaxPercent", S), p("NetAmountTaxable", S),
    p("TaxInclusiveAmount", S), p("OverrideDeltaAmount", S), p("ServiceDate", S),
    p("TaxLineDetailEx", EX),
]);

/// XSD `Line` (one detail element per `DetailType`); PQB `detailline.py` `DetailLine` and
/// `payment.py` `PaymentLine` (`LineEx` appears in Intuit's payment sample gist).
pub(super) const LINE: &[Prop] = &[
    p("Id", S), p("LineNum", S), p("Description", S), p("Amount", S), p("Received", S),
    p("LinkedTxn", LINKED), p("DetailType", S), p("CustomField", CUSTOM_FIELD),
    p("ProjectRef", R), p("LineEx", EX),
    p("SalesItemLineDetail", SALES_ITEM),
    p("SubTotalLineDetail", Ty::Obj(&[p("ItemRef", R), p("ServiceDate", S)])),
    p("DiscountLineDetail", DISCOUNT),
    p("DescriptionLineDetail", Ty::Obj(&[p("ServiceDate", S), p("TaxCodeRef", R)])),
    p("GroupLineDetail", Ty::Obj(&[p("GroupItemRef", R), p("Quantity", S),
        p("UOMRef", Ty::Obj(&[p("Unit", S), p("UOMSetRef", R)])), p("Line", Ty::Lines)])),
    p("TaxLineDetail", TAX_LINE),
];

/// XSD `TxnTaxDetail`; PQB `tax.py` `TxnTaxDetail`.
const TXN_TAX: Ty = Ty::Obj(&[
    p("DefaultTaxCodeRef", R), p("TxnTaxCodeRef", R), p("TotalTax", S),
    p("TaxReviewStatus", S), p("TaxLine", Ty::Arr(&[p("Id", S), p("LineNum", S),
        p("Description", S), p("Amount", S), p("DetailType", S), p("TaxLineDetail", TAX_LINE)])),
]);
/// XSD `TransactionDeliveryInfo`; PQB `invoice.py` `DeliveryInfo`.
const DELIVERY: Ty = Ty::Obj(&[p("DeliveryType", S), p("DeliveryTime", S), p("DeliveryErrorType", S)]);
/// XSD `CheckPayment`; PQB `refundreceipt.py` `RefundReceiptCheckPayment`.
const CHECK: Ty = Ty::Obj(&[
    p("CheckNum", S), p("Status", S), p("NameOnAcct", S), p("AcctNum", S), p("BankName", S),
    p("CheckPaymentEx", EX),
]);
/// XSD `CreditCardPayment` (`CreditChargeInfo`, `CreditChargeResponse`); PQB
/// `creditcardpayment.py`.
const CARD: Ty = Ty::Obj(&[
    p("CreditChargeInfo", Ty::Obj(&[
        p("Number", S), p("Type", S), p("NameOnAcct", S), p("CcExpiryMonth", S),
        p("CcExpiryYear", S), p("BillAddrStreet", S), p("PostalCode", S),
        p("CommercialCardCode", S), p("CCTxnMode", S), p("CCTxnType", S),
        p("PrevCCTransId", S), p("CloudCCTransId", S), p("Amount", S), p("ProcessPayment", S),
    ])),
    p("CreditChargeResponse", Ty::Obj(&[
        p("Status", S), p("AuthCode", S), p("TxnAuthorizationTime", S), p("CCTransId", S),
    ])),
    p("CreditCardPaymentEx", EX),
]);

/// XSD `Transaction` elements shared by every transaction.
macro_rules! transaction {
    ($($prop:expr),* $(,)?) => {
        entity![
            p("DocNumber", S), p("TxnDate", S), p("DepartmentRef", R), p("CurrencyRef", R),
            p("ExchangeRate", S), p("PrivateNote", S), p("TxnStatus", S),
            p("LinkedTxn", LINKED), p("Line", Ty::Lines), p("TxnTaxDetail", TXN_TAX),
            p("TxnSource", S), p("TaxFormType", S), p("TaxFormNum", S),
            p("TransactionLocationType", S), p("Tag", S), p("RecurDataRef", R),
            p("ProjectRef", R), p("HomeTotalAmt", S), p("TotalAmt", S),
            $($prop),*
        ]
    };
}

/// XSD `SalesTransaction` elements (Invoice, CreditMemo, RefundReceipt) on top of
/// `Transaction`; PQB `invoice.py`, `creditmemo.py`, `refundreceipt.py` send a subset.
macro_rules! sales_transaction {
    ($($prop:expr),* $(,)?) => {
        transaction![
            p("AutoDocNumber", S), p("CustomerRef", R), p("CustomerMemo", MEMO),
            p("BillAddr", ADDR), p("ShipAddr", ADDR), p("FreeFormAddress", S),
            p("ShipFromAddr", ADDR), p("RemitToRef", R), p("ClassRef", R),
            p("SalesTermRef", R), p("DueDate", S), p("SalesRepRef", R), p("PONumber", S),
            p("FOB", S), p("ShipMethodRef", R), p("ShipDate", S), p("TrackingNum", S),
            p("GlobalTaxCalculation", S), p("ApplyTaxAfterDiscount", S), p("TemplateRef", R),
            p("PrintStatus", S), p("EmailStatus", S), p("BillEmail", EMAIL),
            p("BillEmailCc", EMAIL), p("BillEmailBcc", EMAIL), p("ARAccountRef", R),
            p("Balance", S), p("HomeBalance", S), p("FinanceCharge", S),
            p("PaymentMethodRef", R), p("PaymentRefNum", S), p("PaymentType", S),
            p("CheckPayment", CHECK), p("CreditCardPayment", CARD),
            p("DepositToAccountRef", R), p("DeliveryInfo", DELIVERY), p("DiscountRate", S),
            p("DiscountAmt", S), p("GovtTxnRefIdentifier", S), p("TaxExemptionRef", R),
            $($prop),*
        ]
    };
}

/// XSD `Invoice`; PQB `objects/invoice.py` (adds `InvoiceLink`, `EInvoiceStatus`).
const INVOICE: &[Prop] = sales_transaction![
    p("Deposit", S), p("AllowIPNPayment", S), p("AllowOnlinePayment", S),
    p("AllowOnlineCreditCardPayment", S), p("AllowOnlineACHPayment", S),
    p("AllowOnlinePayPalPayment", S), p("EInvoiceStatus", S), p("ECloudStatusTimeStamp", S),
    p("InvoiceLink", S), p("InvoiceEx", EX),
];
/// XSD `CreditMemo`; PQB `objects/creditmemo.py`.
const CREDIT_MEMO: &[Prop] = sales_transaction![
    p("RemainingCredit", S), p("InvoiceRef", R), p("CreditMemoEx", EX),
];
/// XSD `RefundReceipt`; PQB `objects/refundreceipt.py`.
const REFUND_RECEIPT: &[Prop] = sales_transaction![p("RefundReceiptEx", EX)];
/// XSD `Payment` (extends `Transaction`); PQB `objects/payment.py`.
const PAYMENT: &[Prop] = transaction![
    p("CustomerRef", R), p("RemitToRef", R), p("ARAccountRef", R),
    p("DepositToAccountRef", R), p("PaymentMethodRef", R), p("PaymentRefNum", S),
    p("PaymentType", S), p("CheckPayment", CHECK), p("CreditCardPayment", CARD),
    p("UnappliedAmt", S), p("ProcessPayment", S), p("TaxExemptionRef", R),
    p("PaymentEx", EX),
];

/// XSD `Customer` (extends `NameBase`); PQB `objects/customer.py`.
const CUSTOMER: &[Prop] = entity![
    p("Organization", S), p("Title", S), p("GivenName", S), p("MiddleName", S),
    p("FamilyName", S), p("Suffix", S), p("FullyQualifiedName", S), p("CompanyName", S),
    p("DisplayName", S), p("PrintOnCheckName", S), p("UserId", S), p("Active", S),
    p("PrimaryPhone", PHONE), p("AlternatePhone", PHONE), p("Mobile", PHONE), p("Fax", PHONE),
    p("PrimaryEmailAddr", EMAIL), p("WebAddr", WEB), p("DefaultTaxCodeRef", R),
    p("Taxable", S), p("BillAddr", ADDR), p("ShipAddr", ADDR), p("OtherAddr", Ty::Arr(ADDRESS)),
    p("ContactName", S), p("AltContactName", S), p("Notes", S), p("Job", S),
    p("BillWithParent", S), p("RootCustomerRef", R), p("ParentRef", R), p("Level", S),
    p("CustomerTypeRef", R), p("SalesTermRef", R), p("SalesRepRef", R),
    p("PaymentMethodRef", R), p("PriceLevelRef", R), p("Balance", S),
    p("OpenBalanceDate", S), p("BalanceWithJobs", S), p("CreditLimit", S), p("AcctNum", S),
    p("CurrencyRef", R), p("OverDueBalance", S), p("TotalRevenue", S), p("TotalExpense", S),
    p("PreferredDeliveryMethod", S), p("ResaleNum", S), p("TaxExemptionReasonId", S),
    p("PrimaryTaxIdentifier", S), p("SecondaryTaxIdentifier", S), p("ARAccountRef", R),
    p("GSTIN", S), p("BusinessNumber", S), p("IsProject", S), p("Source", S),
    p("CustomerEx", EX),
];
/// XSD `Item`; PQB `objects/item.py`.
const ITEM: &[Prop] = entity![
    p("Name", S), p("Sku", S), p("Description", S), p("Active", S), p("SubItem", S),
    p("ParentRef", R), p("Level", S), p("FullyQualifiedName", S), p("Taxable", S),
    p("SalesTaxIncluded", S), p("PercentBased", S), p("UnitPrice", S), p("RatePercent", S),
    p("Type", S), p("PaymentMethodRef", R), p("UOMSetRef", R), p("IncomeAccountRef", R),
    p("PurchaseDesc", S), p("PurchaseTaxIncluded", S), p("PurchaseCost", S),
    p("ExpenseAccountRef", R), p("COGSAccountRef", R), p("AssetAccountRef", R),
    p("PrefVendorRef", R), p("AvgCost", S), p("TrackQtyOnHand", S), p("QtyOnHand", S),
    p("QtyOnPurchaseOrder", S), p("QtyOnSalesOrder", S), p("ReorderPoint", S),
    p("ManPartNum", S), p("DepositToAccountRef", R), p("SalesTaxCodeRef", R),
    p("PurchaseTaxCodeRef", R), p("InvStartDate", S), p("BuildPoint", S),
    p("PrintGroupedItems", S), p("SpecialItem", S), p("SpecialItemType", S),
    p("AbatementRate", S), p("ReverseChargeRate", S), p("ServiceType", S),
    p("ItemCategoryType", S), p("TaxClassificationRef", R), p("ClassRef", R),
    p("Source", S), p("ItemEx", EX),
];
/// XSD `Account`; PQB `objects/account.py`.
const ACCOUNT: &[Prop] = entity![
    p("Name", S), p("SubAccount", S), p("ParentRef", R), p("Description", S),
    p("FullyQualifiedName", S), p("AccountAlias", S), p("TxnLocationType", S), p("Active", S),
    p("Classification", S), p("AccountType", S), p("AccountSubType", S),
    p("AccountPurposes", Ty::ScalarArr), p("AcctNum", S), p("AcctNumExtn", S),
    p("BankNum", S), p("OpeningBalance", S), p("OpeningBalanceDate", S),
    p("CurrentBalance", S), p("CurrentBalanceWithSubAccounts", S), p("CurrencyRef", R),
    p("TaxAccount", S), p("TaxCodeRef", R), p("OnlineBankingEnabled", S), p("FIName", S),
    p("JournalCodeRef", R), p("AccountEx", EX),
];
/// XSD `Class`; PQB `objects/trackingclass.py`.
const CLASS: &[Prop] = entity![
    p("Name", S), p("SubClass", S), p("ParentRef", R), p("FullyQualifiedName", S),
    p("Active", S), p("ClassEx", EX),
];
/// XSD `PaymentMethod`; PQB `objects/paymentmethod.py`.
const PAYMENT_METHOD: &[Prop] = entity![p("Name", S), p("Active", S), p("Type", S)];

/// XSD `Preferences` and its `AccountingInfoPrefs`, `SalesFormsPrefs`, `TaxPrefs`,
/// `CurrencyPrefs` sections (the ones this emulator keeps); PQB `objects/preferences.py`.
const PREFERENCES: &[Prop] = entity![
    p("AccountingInfoPrefs", Ty::Obj(&[
        p("UseAccountNumbers", S), p("TrackDepartments", S), p("DepartmentTerminology", S),
        p("ClassTrackingPerTxn", S), p("ClassTrackingPerTxnLine", S),
        p("CustomerTerminology", S), p("BookCloseDate", S), p("FirstMonthOfFiscalYear", S),
        p("TaxYearMonth", S), p("TaxForm", S),
    ])),
    p("SalesFormsPrefs", Ty::Obj(&[
        p("CustomTxnNumbers", S), p("AllowDiscount", S), p("AllowDeposit", S),
        p("AllowShipping", S), p("AllowEstimates", S), p("AllowServiceDate", S),
        p("DefaultTerms", R), p("DefaultDiscountAccount", S), p("ETransactionEnabledStatus", S),
        p("AutoApplyCredit", S), p("AutoApplyPayments", S), p("CustomField", Ty::ScalarArr),
    ])),
    p("TaxPrefs", Ty::Obj(&[
        p("UsingSalesTax", S), p("PartnerTaxEnabled", S), p("TaxGroupCodeRef", R),
    ])),
    p("CurrencyPrefs", Ty::Obj(&[p("MultiCurrencyEnabled", S), p("HomeCurrency", R)])),
];

/// XSD `TaxService` / `TaxRateDetails`; PQB `objects/taxservice.py`.
pub(super) const TAX_SERVICE: &[Prop] = &[
    p("TaxCode", S), p("TaxCodeId", S),
    p("TaxRateDetails", Ty::Arr(&[
        p("TaxRateName", S), p("TaxRateId", S), p("RateValue", S), p("TaxAgencyId", S),
        p("TaxApplicableOn", S),
    ])),
];

/// The writable-property table of `kind` (None: the entity endpoints do not write it).
pub(super) fn writable(kind: Kind) -> Option<&'static [Prop]> {
    Some(match kind {
        Kind::Invoice => INVOICE,
        Kind::CreditMemo => CREDIT_MEMO,
        Kind::RefundReceipt => REFUND_RECEIPT,
        Kind::Payment => PAYMENT,
        Kind::Customer => CUSTOMER,
        Kind::Item => ITEM,
        Kind::Account => ACCOUNT,
        Kind::Class => CLASS,
        Kind::PaymentMethod => PAYMENT_METHOD,
        Kind::Preferences => PREFERENCES,
        Kind::CompanyInfo | Kind::TaxCode | Kind::TaxRate => return None,
    })
}

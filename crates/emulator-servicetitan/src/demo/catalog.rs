//! The reference data tables of the two demo tenants (kept compact on purpose: one record a
//! line). Tax rates are fictional.

use rust_decimal::{Decimal, dec};

pub(crate) type ZoneSpec = (&'static str, &'static [(&'static str, Decimal)]);

#[rustfmt::skip]
pub(crate) const ZONES: [[ZoneSpec; 5]; 2] = [
    [
        ("Springfield City", &[("IL State Sales Tax", dec!(0.0625)), ("Sangamon County Tax", dec!(0.0100)), ("Springfield Municipal Tax", dec!(0.0250))]),
        ("Chatham", &[("Chatham Combined Sales Tax", dec!(0.0750))]),
        ("Rochester", &[("Rochester Combined Sales Tax", dec!(0.0725))]),
        ("Sherman", &[("Sherman Combined Sales Tax", dec!(0.0700))]),
        ("Tax Exempt", &[("Exempt", dec!(0))]),
    ],
    [
        ("Portland Metro", &[("Portland Service Tax", dec!(0.0400)), ("Multnomah County Tax", dec!(0.0150))]),
        ("Beaverton", &[("Beaverton Service Tax", dec!(0.0525))]),
        ("Lake Oswego", &[("Lake Oswego Service Tax", dec!(0.0475))]),
        ("Tigard", &[("Tigard Service Tax", dec!(0.0450))]),
        ("Tax Exempt", &[("Exempt", dec!(0))]),
    ],
];

/// (business unit name, job type) per tenant: service, install, maintenance.
#[rustfmt::skip]
pub(crate) const UNITS: [[(&str, &str); 3]; 2] = [
    [("HVAC - Service", "Service Call"), ("HVAC - Install", "Install"), ("HVAC - Maintenance", "Maintenance")],
    [("Plumbing - Service", "Service Call"), ("Plumbing - Drains", "Drain Cleaning"), ("Plumbing - Water Heaters", "Water Heater")],
];

/// (number, name, type, subtype, default account type, active).
pub(crate) type AccountSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    bool,
);

#[rustfmt::skip]
pub(crate) const ACCOUNTS: [AccountSpec; 13] = [
    ("1000", "Operating Checking", "Bank", "Checking", Some("CheckingAccount"), true),
    ("1100", "Accounts Receivable", "Accounts Receivable", "AccountsReceivable", Some("AccountsReceivable"), true),
    ("1200", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", Some("UndepositedFunds"), true),
    ("1300", "Inventory Asset", "Other Current Asset", "Inventory", Some("Inventory"), true),
    ("2200", "Sales Tax Payable", "Other Current Liability", "SalesTaxPayable", Some("SalesTaxPayable"), true),
    ("4000", "Service Income", "Income", "ServiceFeeIncome", Some("Revenue"), true),
    ("4010", "Service Income (retired)", "Income", "ServiceFeeIncome", None, false),
    ("4100", "Materials Income", "Income", "SalesOfProductIncome", None, true),
    ("4200", "Equipment Sales", "Income", "SalesOfProductIncome", None, true),
    ("4900", "Discounts Given", "Income", "DiscountsRefundsGiven", None, true),
    ("4950", "Refunds", "Income", "DiscountsRefundsGiven", Some("Refunds"), true),
    ("5000", "Cost of Goods Sold - Materials", "Cost of Goods Sold", "SuppliesMaterialsCogs", Some("CostOfGoodsSoldMaterials"), true),
    ("5100", "Cost of Goods Sold - Equipment", "Cost of Goods Sold", "EquipmentRentalCos", Some("CostOfGoodsSoldEquipment"), true),
];

/// (name, GL account number, active).
#[rustfmt::skip]
pub(crate) const PAYMENT_TYPES: [(&str, &str, bool); 6] = [
    ("Cash", "1200", true),
    ("Check", "1200", true),
    ("Credit Card", "1200", true),
    ("ACH/EFT", "1000", true),
    ("Financing", "1000", true),
    ("Gift Card (retired)", "1200", false),
];

/// (name, type, unit price, unit cost, taxable, GL account number).
pub(crate) type SkuSpec = (
    &'static str,
    &'static str,
    Decimal,
    Decimal,
    bool,
    &'static str,
);

#[rustfmt::skip]
pub(crate) const SKUS: [[SkuSpec; 16]; 2] = [
    [
        ("Diagnostic Fee", "Service", dec!(89.00), dec!(0), false, "4000"),
        ("AC Tune-Up", "Service", dec!(129.00), dec!(0), false, "4000"),
        ("Furnace Tune-Up", "Service", dec!(119.00), dec!(0), false, "4000"),
        ("Labor - Hourly", "Service", dec!(115.00), dec!(0), false, "4000"),
        ("Maintenance Agreement Visit", "Service", dec!(189.00), dec!(0), false, "4000"),
        ("Capacitor 45/5 MFD", "Material", dec!(38.50), dec!(9.20), true, "4100"),
        ("R-410A Refrigerant (lb)", "Material", dec!(72.25), dec!(18.00), true, "4100"),
        ("Air Filter 16x25x1", "Material", dec!(14.99), dec!(3.10), true, "4100"),
        ("Contactor 2-Pole 30A", "Material", dec!(64.00), dec!(15.75), true, "4100"),
        ("Copper Line Set (ft)", "Material", dec!(3.855), dec!(1.20), true, "4100"),
        ("3-Ton AC Condenser", "Equipment", dec!(3895.00), dec!(2150.00), true, "4200"),
        ("80k BTU Gas Furnace", "Equipment", dec!(2450.00), dec!(1320.00), true, "4200"),
        ("2.5-Ton Heat Pump", "Equipment", dec!(5200.00), dec!(2890.00), true, "4200"),
        ("Member Discount", "PriceModifier", dec!(-25.00), dec!(0), true, "4900"),
        ("Senior Discount", "PriceModifier", dec!(-15.00), dec!(0), true, "4900"),
        ("Warranty Credit", "PriceModifier", dec!(-89.00), dec!(0), false, "4900"),
    ],
    [
        ("Service Call Fee", "Service", dec!(79.00), dec!(0), false, "4000"),
        ("Drain Cleaning", "Service", dec!(189.00), dec!(0), false, "4000"),
        ("Camera Inspection", "Service", dec!(225.00), dec!(0), false, "4000"),
        ("Labor - Hourly", "Service", dec!(125.00), dec!(0), false, "4000"),
        ("Water Heater Flush", "Service", dec!(145.00), dec!(0), false, "4000"),
        ("Wax Ring", "Material", dec!(12.50), dec!(2.40), true, "4100"),
        ("PEX Pipe 1/2in (ft)", "Material", dec!(1.85), dec!(0.42), true, "4100"),
        ("Ball Valve 3/4in", "Material", dec!(24.75), dec!(7.10), true, "4100"),
        ("Faucet Cartridge", "Material", dec!(42.00), dec!(11.30), true, "4100"),
        ("Garbage Disposal 1/2 HP", "Material", dec!(229.00), dec!(96.00), true, "4100"),
        ("50-Gal Gas Water Heater", "Equipment", dec!(1895.00), dec!(940.00), true, "4200"),
        ("Tankless Water Heater", "Equipment", dec!(3400.00), dec!(1710.00), true, "4200"),
        ("Sump Pump 1/3 HP", "Equipment", dec!(640.00), dec!(265.00), true, "4200"),
        ("Member Discount", "PriceModifier", dec!(-25.00), dec!(0), true, "4900"),
        ("Senior Discount", "PriceModifier", dec!(-15.00), dec!(0), true, "4900"),
        ("Warranty Credit", "PriceModifier", dec!(-79.00), dec!(0), false, "4900"),
    ],
];

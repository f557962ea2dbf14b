//! Reference data every tenant has, in both scenarios: business units, a chart of GL accounts,
//! payment types, tax zones (one with component rates, one whose rate changed mid-month) and
//! the price book. Tax rates are fictional (Oregon has no sales tax; the plumbing firm's zones
//! exist so that both tenants exercise tax).

use rust_decimal::{Decimal, dec};

use crate::demo::SeedClock;
use crate::demo::names::CITIES;
use crate::model::{
    Address, BusinessUnit, ExternalData, GlAccount, PaymentType, Sku, TaxRate, TaxZone,
};
use crate::state::TenantData;

/// The scenario day from which the rate-change zone charges its new rate.
pub(crate) const RATE_CHANGE_DAY: i64 = 15;

/// Per tenant: the zone whose rate changed on [`RATE_CHANGE_DAY`] and its old combined rate.
pub(crate) const RATE_CHANGES: [(&str, Decimal); 2] =
    [("Chatham", dec!(0.0725)), ("Beaverton", dec!(0.0500))];

use crate::demo::catalog::{ACCOUNTS, PAYMENT_TYPES, SKUS, UNITS, ZONES};

fn office(index: usize) -> Address {
    let (city, state, zip) = CITIES[index][0];
    Address {
        street: if index == 0 {
            "2100 Stevenson Dr"
        } else {
            "1500 SE Water Ave"
        }
        .to_owned(),
        unit: None,
        city: city.to_owned(),
        state: state.to_owned(),
        zip: zip.to_owned(),
        country: "USA".to_owned(),
        latitude: None,
        longitude: None,
    }
}

pub(crate) fn seed(t: &mut TenantData, index: usize, clock: &SeedClock) {
    let long_ago = clock.at(-400, 0);
    let domain = if index == 0 {
        "frostline.example"
    } else {
        "bluewaterplumbing.example"
    };
    for (name, _) in UNITS[index] {
        let id = t.next_id();
        let stamp = t.stamp(long_ago);
        let quickbooks_class = (index == 0).then(|| name.to_owned());
        let unit = BusinessUnit {
            id,
            name: name.to_owned(),
            official_name: t.name.clone(),
            email: format!("office@{domain}"),
            phone: if index == 0 {
                "555-201-0100"
            } else {
                "555-330-0100"
            }
            .to_owned(),
            address: office(index),
            quickbooks_class,
            active: true,
            external: ExternalData::new(),
            stamp,
        };
        t.business_units.insert(id, unit);
    }
    for (number, name, kind, subtype, default, active) in ACCOUNTS {
        let id = t.next_id();
        let stamp = t.stamp(long_ago);
        let account = GlAccount {
            id,
            name: name.to_owned(),
            number: number.to_owned(),
            description: None,
            kind: kind.to_owned(),
            subtype: Some(subtype.to_owned()),
            active,
            source: "AccountingSystem".to_owned(),
            default_account_type: default.map(str::to_owned),
            stamp,
        };
        t.gl_accounts.insert(id, account);
    }
    for (name, account, active) in PAYMENT_TYPES {
        let id = t.next_id();
        let gl_account_id = gl_by_number(t, account);
        let stamp = t.stamp(long_ago);
        t.payment_types.insert(
            id,
            PaymentType {
                id,
                name: name.to_owned(),
                active,
                gl_account_id,
                stamp,
            },
        );
    }
    for (n, (name, rates)) in ZONES[index].iter().enumerate() {
        let id = t.next_id();
        let rates: Vec<TaxRate> = rates
            .iter()
            .map(|(rname, rate)| TaxRate {
                id: 0,
                name: (*rname).to_owned(),
                rate: *rate,
                base: vec!["Subtotal".to_owned()],
                sales_tax_item: (*rname).to_owned(),
            })
            .collect();
        let rates = rates
            .into_iter()
            .map(|r| TaxRate {
                id: t.next_id(),
                ..r
            })
            .collect::<Vec<_>>();
        let mut stamp = t.stamp(long_ago);
        if *name == RATE_CHANGES[index].0 {
            stamp.modified_on = clock.at(RATE_CHANGE_DAY, 0);
        }
        let zone = TaxZone {
            id,
            name: (*name).to_owned(),
            color: n as i32,
            is_tax_rate_separated: rates.len() > 1,
            is_multiple_tax_zone: false,
            rates,
            active: true,
            stamp,
        };
        t.tax_zones.insert(id, zone);
    }
    for (name, kind, price, cost, taxable, account) in SKUS[index] {
        let id = t.next_id();
        let gl_account_id = gl_by_number(t, account);
        t.skus.push(Sku {
            id,
            name: name.to_owned(),
            kind: kind.to_owned(),
            description: name.to_owned(),
            price,
            cost,
            taxable,
            gl_account_id,
        });
    }
}

pub(crate) fn gl_by_number(t: &TenantData, number: &str) -> i64 {
    t.gl_accounts
        .values()
        .find(|a| a.number == number)
        .map(|a| a.id)
        .unwrap_or_default()
}

/// The zone for a city (the zone named after it), or the first zone.
pub(crate) fn zone_for_city(t: &TenantData, city: &str) -> Option<i64> {
    let lower = city.to_lowercase();
    t.tax_zones
        .values()
        .find(|z| z.name.to_lowercase().contains(&lower))
        .or_else(|| t.tax_zones.values().next())
        .map(|z| z.id)
}

/// The combined rate of `zone` on scenario day `day` (old rate before the mid-month change).
pub(crate) fn rate_on(t: &TenantData, index: usize, zone: i64, day: i64) -> Decimal {
    let Some(z) = t.tax_zones.get(&zone) else {
        return Decimal::ZERO;
    };
    let (changed, old) = RATE_CHANGES[index];
    if z.name == changed && day < RATE_CHANGE_DAY {
        old
    } else {
        z.combined_rate()
    }
}

//! Demo customers: every `demo_world::SHARED_CUSTOMERS` entry of the tenant (as many copies
//! as `servicetitan_count`, the first one with the pinned contact details), then generated
//! residential and commercial customers up to [`CUSTOMERS_PER_TENANT`], with contacts and
//! locations in several tax zones. A few are inactive, one generated name is used twice.

use ledgerbridge_emulator::demo_world::SHARED_CUSTOMERS;
use rand::Rng;
use rand::seq::IndexedRandom;
use rust_decimal::Decimal;

use crate::demo::names::{CITIES, COMPANIES, FIRST, LAST, STREETS, slug};
use crate::demo::reference::zone_for_city;
use crate::demo::{SeedClock, rng};
use crate::model::{Address, Contact, CustomField, Customer, ExternalData, Location};
use crate::state::TenantData;

pub(crate) const CUSTOMERS_PER_TENANT: usize = 150;

struct NewCustomer {
    name: String,
    commercial: bool,
    address: Address,
    email: Option<String>,
    phone: Option<String>,
    created_day: i64,
    active: bool,
    tax_exempt: bool,
}

fn address(street: &str, city: &str, state: &str, zip: &str, rng: &mut impl Rng) -> Address {
    // Coordinates as exact decimals (degrees with 6 places), never floats.
    let lat = Decimal::new(39_000_000 + rng.random_range(0..900_000), 6);
    let lon = Decimal::new(-(89_000_000 + rng.random_range(0..900_000)), 6);
    Address {
        street: street.to_owned(),
        unit: None,
        city: city.to_owned(),
        state: state.to_owned(),
        zip: zip.to_owned(),
        country: "USA".to_owned(),
        latitude: Some(lat),
        longitude: Some(lon),
    }
}

fn is_commercial_name(name: &str) -> bool {
    ["Bakery", "Apartments", "Dental", "Café"]
        .iter()
        .any(|w| name.contains(w))
}

pub(crate) fn seed(t: &mut TenantData, index: usize, seed: u64, clock: &SeedClock) {
    let mut r = rng(seed, t, "customers");
    let mut todo: Vec<NewCustomer> = Vec::new();
    let shared: Vec<_> = SHARED_CUSTOMERS
        .iter()
        .filter(|s| s.tenant_id == t.tenant_id)
        .collect();
    for s in &shared {
        let (street, city, state, zip) = s.address;
        for copy in 0..s.servicetitan_count {
            // The first copy carries the pinned details; a namesake lives elsewhere.
            let (addr, email, phone) = if copy == 0 {
                (
                    address(street, city, state, zip, &mut r),
                    s.email.map(str::to_owned),
                    s.phone.map(str::to_owned),
                )
            } else {
                let n = 50 + u32::from(copy) * 7;
                let addr = address(&format!("{n} Walnut Street"), city, state, zip, &mut r);
                (
                    addr,
                    Some(format!("{}{n}@example.net", slug(s.name))),
                    Some(format!("555-{}-33{n}", &s.phone.unwrap_or("555-000")[4..7])),
                )
            };
            todo.push(NewCustomer {
                name: s.name.to_owned(),
                commercial: is_commercial_name(s.name),
                address: addr,
                email,
                phone,
                created_day: -200 - i64::from(copy) * 50,
                active: true,
                tax_exempt: false,
            });
        }
    }
    let reserved: Vec<&str> = shared.iter().map(|s| s.name).collect();
    while todo.len() < CUSTOMERS_PER_TENANT {
        let n = todo.len();
        let commercial = r.random_range(0..100) < 22;
        let last = *LAST.choose(&mut r).expect("names");
        let name = if n == 60 {
            // One more pair of namesakes, among generated customers.
            todo[n - 1].name.clone()
        } else if commercial {
            COMPANIES
                .choose(&mut r)
                .expect("companies")
                .replace("{}", last)
        } else {
            format!("{} {last}", FIRST.choose(&mut r).expect("names"))
        };
        if reserved.contains(&name.as_str()) {
            continue;
        }
        let commercial = if n == 60 {
            todo[n - 1].commercial
        } else {
            commercial
        };
        let (city, state, zip) = *CITIES[index].choose(&mut r).expect("cities");
        let street = format!(
            "{} {}",
            r.random_range(10..9900),
            STREETS.choose(&mut r).expect("streets")
        );
        let email = (r.random_range(0..100) < 88)
            .then(|| format!("{}{}@example.com", slug(&name), r.random_range(1..99)));
        let phone = Some(format!(
            "555-{:03}-{:04}",
            r.random_range(200..999),
            r.random_range(0..9999)
        ));
        let created_day = if r.random_range(0..100) < 10 {
            r.random_range(0..28)
        } else {
            -r.random_range(30..900)
        };
        todo.push(NewCustomer {
            tax_exempt: name.starts_with("St. ") || name.contains("Montessori"),
            address: address(&street, city, state, zip, &mut r),
            name,
            commercial,
            email,
            phone,
            created_day,
            active: n % 47 != 13,
        });
    }
    for c in todo {
        insert(t, c, clock, &mut r);
    }
}

fn insert(t: &mut TenantData, c: NewCustomer, clock: &SeedClock, r: &mut impl Rng) {
    let id = t.next_id();
    let created = clock.at(c.created_day, r.random_range(8 * 60..17 * 60));
    let mut stamp = t.stamp(created);
    if !c.active {
        stamp.modified_on = clock.at(r.random_range(1..25), 600);
    }
    let custom_fields = vec![CustomField {
        type_id: 101,
        name: "Lead Source".to_owned(),
        value: ["Google", "Referral", "Yard Sign", "Repeat"][r.random_range(0..4)].to_owned(),
    }];
    let kind = if c.commercial {
        "Commercial"
    } else {
        "Residential"
    };
    let customer = Customer {
        id,
        active: c.active,
        name: c.name.clone(),
        kind: kind.to_owned(),
        address: c.address.clone(),
        custom_fields,
        tag_type_ids: Vec::new(),
        do_not_mail: r.random_range(0..100) < 5,
        do_not_service: false,
        created_by_id: 21,
        merged_to_id: None,
        external: ExternalData::new(),
        stamp,
    };
    t.customers.insert(id, customer);
    for (kind, value) in [("Email", c.email), ("Phone", c.phone)] {
        if let Some(value) = value {
            let cid = t.next_id();
            let cstamp = t.stamp(created);
            let contact = Contact {
                id: cid,
                customer_id: id,
                kind: kind.to_owned(),
                value,
                memo: None,
                do_not_text: false,
                active: true,
                stamp: cstamp,
            };
            t.contacts.insert(cid, contact);
        }
    }
    let mut sites = vec![(c.name.clone(), c.address.clone())];
    if c.commercial && r.random_range(0..100) < 40 {
        let mut second = c.address.clone();
        second.street = format!(
            "{} {}",
            r.random_range(10..9900),
            STREETS[r.random_range(0..STREETS.len())]
        );
        sites.push((format!("{} - Annex", c.name), second));
    }
    for (name, addr) in sites {
        let lid = t.next_id();
        let tax_zone_id = if c.tax_exempt {
            t.tax_zones
                .values()
                .find(|z| z.name == "Tax Exempt")
                .map(|z| z.id)
        } else {
            zone_for_city(t, &addr.city)
        };
        let lstamp = t.stamp(created);
        let location = Location {
            id: lid,
            customer_id: id,
            active: c.active,
            name,
            address: addr,
            tax_zone_id,
            zone_id: None,
            tag_type_ids: Vec::new(),
            custom_fields: Vec::new(),
            created_by_id: 21,
            external: ExternalData::new(),
            contacts: Vec::new(),
            stamp: lstamp,
        };
        t.locations.insert(lid, location);
    }
}

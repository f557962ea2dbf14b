//! Extra invoices for volume tests (`EmulatorState::seed_bulk_invoices`), stamped "now".

use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::demo_world::TENANTS;
use ledgerbridge_emulator::seeded_rng;
use rand::Rng;

use crate::demo::invoices::{Draft, first_location, stamp_and_insert, typical_lines};
use crate::model::{Address, Customer, ExternalData, Location};
use crate::state::TenantData;

/// Adds `count` Posted invoices stamped `now` (see `EmulatorState::seed_bulk_invoices`).
pub(crate) fn bulk_invoices(
    t: &mut TenantData,
    seed: u64,
    count: usize,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, String> {
    let index = TENANTS
        .iter()
        .position(|x| x.tenant_id == t.tenant_id)
        .ok_or("unknown tenant")?;
    let mut r = seeded_rng(
        seed ^ t.invoices.len() as u64,
        &format!("servicetitan/{}/bulk", t.tenant_id),
    );
    let mut customers: Vec<i64> = t
        .customers
        .values()
        .filter(|c| c.active)
        .map(|c| c.id)
        .collect();
    customers.retain(|c| first_location(t, *c).is_some());
    if customers.is_empty() {
        customers.push(bulk_customer(t, index, now));
    }
    let first = t
        .invoices
        .values()
        .filter_map(|i| i.number.parse::<u64>().ok())
        .max()
        .unwrap_or(10_000 * (index as u64 + 1))
        + 1;
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let lines = typical_lines(t, &mut r);
        let day = r.random_range(0..30);
        let date = (now - Duration::days(30 - day))
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        let draft = Draft {
            number: (first + n as u64).to_string(),
            customer_id: customers[n % customers.len()],
            day,
            lines,
            status: "Posted",
            active: true,
            adjustment_to: None,
            summary: None,
        };
        ids.push(stamp_and_insert(
            t, index, date, now, now, day, &mut r, draft,
        ));
    }
    Ok(ids)
}

/// A customer for bulk invoices when the tenant has none (the `empty` scenario).
fn bulk_customer(t: &mut TenantData, index: usize, now: DateTime<Utc>) -> i64 {
    let (city, state, zip) = crate::demo::names::CITIES[index][0];
    let address = Address {
        street: "1 Volume Test Way".to_owned(),
        unit: None,
        city: city.to_owned(),
        state: state.to_owned(),
        zip: zip.to_owned(),
        country: "USA".to_owned(),
        latitude: None,
        longitude: None,
    };
    let id = t.next_id();
    let stamp = t.stamp(now);
    let customer = Customer {
        id,
        active: true,
        name: "Bulk Test Customer".to_owned(),
        kind: "Commercial".to_owned(),
        address: address.clone(),
        custom_fields: Vec::new(),
        tag_type_ids: Vec::new(),
        do_not_mail: false,
        do_not_service: false,
        created_by_id: 21,
        merged_to_id: None,
        external: ExternalData::new(),
        stamp,
    };
    t.customers.insert(id, customer);
    let lid = t.next_id();
    let tax_zone_id = crate::demo::reference::zone_for_city(t, city);
    let lstamp = t.stamp(now);
    let location = Location {
        id: lid,
        customer_id: id,
        active: true,
        name: "Bulk Test Customer".to_owned(),
        address,
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
    id
}

//! The scenario's ServiceTitan data: each tenant starts empty (its reference data only) and
//! gets a few customers through the API, about 30 invoices (the emulator's bulk route) and
//! payments for most of them through the API. The books keep their demo data (accounts,
//! items, tax codes, tracking categories, a few pre-existing customers and invoices), so the
//! demo mappings apply.
//!
//! A month of demo data (500 invoices, 600 customers per tenant) costs several seconds per
//! sync in a debug build; this world costs a fraction of a second, which is what lets CI run
//! 100 seeds in a few minutes.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use ledgerbridge_emulator::demo_world::SHARED_CUSTOMERS;

use crate::edits::{EditLog, new_payment, st_call};
use crate::world::{SYSTEMS, World};

/// Invoices per tenant.
pub(crate) const INVOICES: usize = 30;
/// Customers per tenant.
const CUSTOMERS: usize = 6;

const NAMES: [&str; 10] = [
    "Harbor Dental Group",
    "Maple Court Apartments",
    "Riverside Bakery",
    "Okafor Family",
    "Lindqvist Residence",
    "Summit Auto Body",
    "Patel Pharmacy",
    "Greenleaf Preschool",
    "Castillo Residence",
    "Northside Laundromat",
];

/// Empties ServiceTitan and fills both tenants.
pub(crate) async fn populate(world: &World, seed: u64, rng: &mut ChaCha8Rng) {
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    world
        .control(&base, "reset", json!({ "scenario": "empty", "seed": seed }))
        .await;
    for (index, system) in SYSTEMS.into_iter().enumerate() {
        let tenant_id = world.tenant(system).tenant;
        let state = world.sandbox_st_tenant(index);
        let cities: Vec<String> = state["tax_zones"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .filter_map(|z| z["name"].as_str())
            .filter(|n| !n.contains("Exempt"))
            .filter_map(|n| n.split_whitespace().next().map(str::to_owned))
            .collect();
        for n in 0..CUSTOMERS {
            let name = format!("{} {seed}-{n}", NAMES.choose(rng).expect("a name"));
            let city = cities
                .choose(rng)
                .cloned()
                .unwrap_or_else(|| "Springfield".into());
            let address = json!({
                "street": format!("{} Main St", rng.random_range(1..900)),
                "city": city, "state": "IL", "zip": "62704", "country": "USA",
            });
            let kind = if n % 2 == 0 {
                "Residential"
            } else {
                "Commercial"
            };
            create_customer(world, index, &name, kind, &address, Vec::new()).await;
        }
        add_shared_customers(world, index, &tenant_id).await;
        world
            .control(
                &base,
                &format!("servicetitan/{tenant_id}/bulk-invoices"),
                json!({ "count": INVOICES }),
            )
            .await;
        // Payments for about two thirds of the invoices, full or partial.
        let state = world.sandbox_st_tenant(index);
        let invoices: Vec<Value> = state["invoices"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
            .cloned()
            .collect();
        let mut scratch = EditLog::default();
        for invoice in &invoices {
            if rng.random_bool(0.66) {
                new_payment(world, index, &state, invoice, rng, &mut scratch, &tenant_id).await;
            }
        }
    }
}

/// The demo's customers that the books already hold (one of them inactive in QuickBooks),
/// created in ServiceTitan with the same name, email, phone and address: the first sync
/// matches and links them, and reactivates the inactive one before its invoices are written.
async fn add_shared_customers(world: &World, index: usize, tenant_id: &str) {
    let shared = SHARED_CUSTOMERS
        .iter()
        .filter(|c| c.tenant_id.to_string() == tenant_id && c.servicetitan_count == 1);
    for c in shared {
        let (street, city, state, zip) = c.address;
        let address = json!({
            "street": street, "city": city, "state": state, "zip": zip, "country": "USA",
        });
        let mut contacts = Vec::new();
        if let Some(email) = c.email {
            contacts.push(json!({ "type": "Email", "value": email }));
        }
        if let Some(phone) = c.phone {
            contacts.push(json!({ "type": "Phone", "value": phone }));
        }
        create_customer(world, index, c.name, "Commercial", &address, contacts).await;
    }
}

/// Creates a ServiceTitan customer with one service location at its address.
async fn create_customer(
    world: &World,
    index: usize,
    name: &str,
    kind: &str,
    address: &Value,
    contacts: Vec<Value>,
) {
    let body = json!({
        "name": name,
        "type": kind,
        "address": address,
        "contacts": contacts,
        "locations": [{ "name": "Service address", "address": address }],
    });
    let (status, answer) = st_call(
        world,
        index,
        reqwest::Method::POST,
        "crm",
        "customers",
        body,
    )
    .await;
    assert!(status < 300, "customer refused: {status} {answer}");
}

impl World {
    /// ServiceTitan's state dump of tenant `index`.
    pub(crate) fn sandbox_st_tenant(&self, index: usize) -> Value {
        use ledgerbridge_emulator::EmulatorControl;
        self.sandbox.servicetitan.state()["tenants"][index].clone()
    }
}

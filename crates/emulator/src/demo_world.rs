//! The few facts the three emulators' `demo` data must agree on, so the sandbox is one world:
//! the two ServiceTitan tenants and their targets, customers that already exist in the
//! accounting system under the same name (the "matched by name" cases), and one pre-existing
//! accounting invoice per target whose number is also a ServiceTitan invoice number.
//!
//! The ServiceTitan emulator includes every customer and invoice below in its demo data; the
//! QuickBooks and Xero emulators seed them as records someone entered by hand before the bridge
//! ever ran. Everything else each emulator generates on its own from the seed.

/// A demo contractor: one ServiceTitan tenant and the accounting system it syncs to.
#[derive(Clone, Copy, Debug)]
pub struct DemoTenant {
    pub tenant_id: u64,
    pub name: &'static str,
    /// `"quickbooks"` or `"xero"`.
    pub target: &'static str,
}

/// The HVAC firm (QuickBooks) and the plumbing firm (Xero), in that order.
pub const TENANTS: [DemoTenant; 2] = [
    DemoTenant {
        tenant_id: 1_017_823,
        name: "Frostline Heating & Air",
        target: "quickbooks",
    },
    DemoTenant {
        tenant_id: 2_046_291,
        name: "Bluewater Plumbing Co.",
        target: "xero",
    },
];

/// A customer present on both sides before the first sync.
#[derive(Clone, Copy, Debug)]
pub struct SharedCustomer {
    pub tenant_id: u64,
    pub name: &'static str,
    pub email: Option<&'static str>,
    pub phone: Option<&'static str>,
    /// Street, city, state, zip.
    pub address: (&'static str, &'static str, &'static str, &'static str),
    /// Whether the accounting copy is active (an inactive one with an active ServiceTitan twin
    /// is one of the scenarios).
    pub active_in_accounting: bool,
    /// How many distinct ServiceTitan customers carry this exact name (two "John Smith"s).
    pub servicetitan_count: u8,
}

pub const SHARED_CUSTOMERS: [SharedCustomer; 6] = [
    SharedCustomer {
        tenant_id: 1_017_823,
        name: "John Smith",
        email: Some("john.smith@example.com"),
        phone: Some("555-201-4410"),
        address: ("18 Elm Street", "Springfield", "IL", "62701"),
        active_in_accounting: true,
        servicetitan_count: 2,
    },
    SharedCustomer {
        tenant_id: 1_017_823,
        name: "O'Brien & Sons Bakery",
        email: Some("office@obriensbakery.example"),
        phone: Some("555-201-7781"),
        address: ("400 Main St", "Springfield", "IL", "62704"),
        active_in_accounting: true,
        servicetitan_count: 1,
    },
    SharedCustomer {
        tenant_id: 1_017_823,
        name: "Harbor View Apartments",
        email: Some("manager@harborview.example"),
        phone: Some("555-201-9000"),
        address: ("1200 Lakeshore Dr", "Chatham", "IL", "62629"),
        active_in_accounting: false,
        servicetitan_count: 1,
    },
    SharedCustomer {
        tenant_id: 2_046_291,
        name: "Nguyễn Family Dental",
        email: Some("frontdesk@nguyendental.example"),
        phone: Some("555-330-1200"),
        address: ("77 Harbor Rd", "Portland", "OR", "97201"),
        active_in_accounting: true,
        servicetitan_count: 1,
    },
    SharedCustomer {
        tenant_id: 2_046_291,
        name: "Café Olé",
        email: Some("hola@cafeole.example"),
        phone: Some("555-330-4545"),
        address: ("9 Pearl St", "Portland", "OR", "97209"),
        active_in_accounting: true,
        servicetitan_count: 1,
    },
    SharedCustomer {
        tenant_id: 2_046_291,
        name: "Maria Garcia",
        email: None,
        phone: Some("555-330-8812"),
        address: ("310 Oak Ave", "Beaverton", "OR", "97005"),
        active_in_accounting: true,
        servicetitan_count: 1,
    },
];

/// An invoice that exists in the accounting system before the bridge runs, with the same number,
/// customer and total as a ServiceTitan invoice (the bridge must link it, not duplicate it).
#[derive(Clone, Copy, Debug)]
pub struct PreexistingInvoice {
    pub tenant_id: u64,
    pub number: &'static str,
    /// One of [`SHARED_CUSTOMERS`] of the same tenant (the first ServiceTitan customer of that
    /// name when there are two).
    pub customer_name: &'static str,
    /// Days after the scenario's start date.
    pub day_offset: u64,
    /// One non-taxable line: description, quantity, unit price (decimal text).
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    /// The invoice total (decimal text); no tax.
    pub total: &'static str,
}

pub const PREEXISTING_INVOICES: [PreexistingInvoice; 2] = [
    PreexistingInvoice {
        tenant_id: 1_017_823,
        number: "10007",
        customer_name: "O'Brien & Sons Bakery",
        day_offset: 2,
        description: "Maintenance agreement visit",
        quantity: "1",
        unit_price: "189.00",
        total: "189.00",
    },
    PreexistingInvoice {
        tenant_id: 2_046_291,
        number: "20011",
        customer_name: "Nguyễn Family Dental",
        day_offset: 3,
        description: "Water heater flush",
        quantity: "1",
        unit_price: "145.00",
        total: "145.00",
    },
];

/// The demo tenant that syncs to `target`.
pub fn tenant_for_target(target: &str) -> Option<DemoTenant> {
    TENANTS.iter().copied().find(|t| t.target == target)
}

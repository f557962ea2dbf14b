//! Customer matching: which accounting customer, if any, is this ServiceTitan customer?
//!
//! Pure functions over canonical customers, so the rules are tested exhaustively without
//! HTTP. The order of evidence (CONTRACTS.md, SCENARIOS.md):
//!
//! 1. **The bridge's own stamp** (QuickBooks notes / Xero `ContactNumber` naming the
//!    ServiceTitan id): the customer was created by the bridge earlier; link it (a link lost
//!    to a crash is recovered here, never duplicated).
//! 2. **Email and phone**, exact after normalisation: strong evidence.
//! 3. **Normalised name and address**: supporting evidence. A name alone is never enough to
//!    link: at best it puts the pair on the review list (`ledgerbridge links suggested`).
//!
//! Contradicting evidence counts too: two "John Smith"s with different emails *and* different
//! phones are different people, so the second becomes a new customer with a readable,
//! distinct name rather than a review item. Confidence is a whole percentage (no floats).

use ledgerbridge_core::Customer;
use serde::Serialize;

use ledgerbridge_protocol::RemoteCustomer;

/// At or above: link without asking.
pub const STRONG: u8 = 80;
/// At or above (and below strong): put on the review list.
pub const WEAK: u8 = 30;

/// What matched, for the audit log: field names only, never the values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The remote carries the bridge's stamp for this ServiceTitan id.
    pub stamp: bool,
    /// Same email.
    pub email: bool,
    /// Same phone.
    pub phone: bool,
    /// Same normalised name.
    pub name: bool,
    /// Same street line and postal code.
    pub address: bool,
    /// Both have an email and they differ.
    pub email_differs: bool,
    /// Both have a phone and they differ.
    pub phone_differs: bool,
}

impl Evidence {
    /// The confidence this evidence gives, 0 to 100.
    pub fn confidence(&self) -> u8 {
        if self.stamp {
            return 100;
        }
        let mut score: u16 = 0;
        score += if self.email { 50 } else { 0 };
        score += if self.phone { 30 } else { 0 };
        score += if self.name { 30 } else { 0 };
        score += if self.address { 20 } else { 0 };
        // Contradictions: a namesake with another email and another phone is someone else.
        if self.email_differs && self.phone_differs {
            return 0;
        }
        if self.email_differs || self.phone_differs {
            score = score.saturating_sub(30);
        }
        u8::try_from(score.min(100)).unwrap_or(100)
    }
}

/// Lower-case letters and digits of a name, words separated by one space, `&` read as
/// "and": `O'Brien & Sons Bakery` and `OBrien and Sons Bakery` are the same name.
pub fn normalise_name(name: &str) -> String {
    let spaced = name.replace('&', " and ");
    let mut out = String::with_capacity(spaced.len());
    for word in spaced.split_whitespace() {
        let cleaned: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if cleaned.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&cleaned);
    }
    out
}

/// The last ten digits of a phone number (country code and punctuation ignored).
pub fn normalise_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then(|| digits[digits.len().saturating_sub(10)..].to_owned())
}

fn normalise_email(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    e.contains('@').then_some(e)
}

fn address_key(c: &Customer) -> Option<String> {
    let a = &c.billing_address;
    let line = normalise_name(a.line1.as_deref()?);
    let zip: String = a.postal_code.as_deref()?.chars().take(5).collect();
    (!line.is_empty() && !zip.is_empty()).then(|| format!("{line}|{zip}"))
}

/// Compares two customers field by field.
pub fn evidence(servicetitan_id: i64, ours: &Customer, theirs: &RemoteCustomer) -> Evidence {
    let pair = |a: Option<String>, b: Option<String>| match (a, b) {
        (Some(a), Some(b)) => (a == b, a != b),
        _ => (false, false),
    };
    let other = &theirs.customer;
    let (email, email_differs) = pair(
        ours.email.as_deref().and_then(normalise_email),
        other.email.as_deref().and_then(normalise_email),
    );
    // A number stored without its area code (Xero keeps it in a field of its own) still
    // matches on the digits it has.
    let (phone, phone_differs) = match (
        ours.phone.as_deref().and_then(normalise_phone),
        other.phone.as_deref().and_then(normalise_phone),
    ) {
        (Some(a), Some(b)) => {
            let same = a.ends_with(&b) || b.ends_with(&a);
            (same, !same)
        }
        _ => (false, false),
    };
    let name = {
        let a = normalise_name(&ours.display_name);
        !a.is_empty() && a == normalise_name(&other.display_name)
    };
    let address = matches!((address_key(ours), address_key(other)), (Some(a), Some(b)) if a == b);
    Evidence {
        stamp: theirs.servicetitan_id == Some(servicetitan_id),
        email,
        phone,
        name,
        address,
        email_differs,
        phone_differs,
    }
}

/// What to do with one ServiceTitan customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Link to this accounting customer.
    Link {
        /// Its id.
        target_id: String,
        /// How sure.
        confidence: u8,
        /// Why.
        evidence: Evidence,
    },
    /// Ask a person: put the pair on the review list, write nothing.
    Review {
        /// The candidate's id.
        target_id: String,
        /// How sure.
        confidence: u8,
        /// Why.
        evidence: Evidence,
    },
    /// No match: create a customer.
    Create,
}

/// Picks the best candidate among `candidates` (those not linked to another ServiceTitan
/// customer and not rejected by a person for this one). Ties go to the first candidate, so the
/// result does not depend on hash order.
pub fn decide(
    servicetitan_id: i64,
    ours: &Customer,
    candidates: &[&RemoteCustomer],
    strong: u8,
) -> Decision {
    let mut best: Option<(u8, &RemoteCustomer, Evidence)> = None;
    for c in candidates {
        let ev = evidence(servicetitan_id, ours, c);
        // A stamp naming another ServiceTitan customer is that customer's record.
        if c.servicetitan_id.is_some_and(|id| id != servicetitan_id) {
            continue;
        }
        let score = ev.confidence();
        if best.as_ref().is_none_or(|(b, _, _)| score > *b) {
            best = Some((score, c, ev));
        }
    }
    match best {
        Some((score, c, evidence)) if score >= strong => Decision::Link {
            target_id: c.id.clone(),
            confidence: score,
            evidence,
        },
        Some((score, c, evidence)) if score >= WEAK => Decision::Review {
            target_id: c.id.clone(),
            confidence: score,
            evidence,
        },
        _ => Decision::Create,
    }
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;

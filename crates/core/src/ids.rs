//! Systems, tenants, companies and entity kinds: the parts of every ledger key.

use serde::{Deserialize, Serialize};

mod source_ref;

pub use source_ref::{SourceRef, SourceRefError};

/// A remote system the bridge talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    ServiceTitan,
    QuickBooks,
    Xero,
}

impl System {
    /// The lower-case name used in config, the ledger and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServiceTitan => "servicetitan",
            Self::QuickBooks => "quickbooks",
            Self::Xero => "xero",
        }
    }

    /// Whether this is an accounting target (QuickBooks or Xero).
    pub fn is_accounting(self) -> bool {
        !matches!(self, Self::ServiceTitan)
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for System {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "servicetitan" => Ok(Self::ServiceTitan),
            "quickbooks" => Ok(Self::QuickBooks),
            "xero" => Ok(Self::Xero),
            other => Err(format!(
                "unknown system {other:?} (expected servicetitan, quickbooks or xero)"
            )),
        }
    }
}

/// The kinds of record the bridge syncs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Customer,
    Invoice,
    Payment,
    CreditNote,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Invoice => "invoice",
            Self::Payment => "payment",
            Self::CreditNote => "credit_note",
        }
    }
}

impl std::fmt::Display for EntityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EntityKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "customer" => Ok(Self::Customer),
            "invoice" => Ok(Self::Invoice),
            "payment" => Ok(Self::Payment),
            "credit_note" => Ok(Self::CreditNote),
            other => Err(format!("unknown entity {other:?}")),
        }
    }
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is empty, too long, or contains characters that could not round-trip through
    /// logs, paths and config files (whitespace, control characters).
    #[error("{kind} {value:?} is not a valid id (1 to 64 visible ASCII characters)")]
    Invalid { kind: &'static str, value: String },
    /// A link must point at an accounting system, never back at ServiceTitan.
    #[error("{0} is not an accounting target (expected quickbooks or xero)")]
    NotAccountingTarget(System),
}

/// Visible ASCII only, 1..=64 bytes: what ServiceTitan tenant ids, QBO realm ids and Xero tenant
/// UUIDs all are. Being strict here keeps ids safe to print in logs and to use in file names.
fn check_id(kind: &'static str, value: &str) -> Result<(), IdError> {
    let ok = (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(IdError::Invalid {
            kind,
            value: value.to_owned(),
        })
    }
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the id (1 to 64 visible ASCII characters).
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_id($kind, &value)?;
                Ok(Self(value))
            }

            /// The id as text, exactly as the remote system spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_id!(
    /// A ServiceTitan tenant id (the `{tenant}` in `/accounting/v2/tenant/{tenant}`).
    TenantId,
    "tenant id"
);
text_id!(
    /// An accounting company: a QuickBooks realm id or a Xero tenant (organisation) id.
    CompanyId,
    "company id"
);

/// The key of every link, cursor, snapshot and conflict (CONTRACTS.md, "Tenants and targets"):
/// one ServiceTitan record of one tenant, synced to one accounting company.
///
/// Constructed only through [`LinkKey::new`], so the target is always an accounting system.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawLinkKey")]
pub struct LinkKey {
    tenant: TenantId,
    entity: EntityKind,
    servicetitan_id: i64,
    target: System,
    company: CompanyId,
}

#[derive(Deserialize)]
struct RawLinkKey {
    tenant: TenantId,
    entity: EntityKind,
    servicetitan_id: i64,
    target: System,
    company: CompanyId,
}

impl TryFrom<RawLinkKey> for LinkKey {
    type Error = IdError;
    fn try_from(raw: RawLinkKey) -> Result<Self, Self::Error> {
        Self::new(
            raw.tenant,
            raw.entity,
            raw.servicetitan_id,
            raw.target,
            raw.company,
        )
    }
}

impl LinkKey {
    /// Refuses a `target` that is not an accounting system.
    pub fn new(
        tenant: TenantId,
        entity: EntityKind,
        servicetitan_id: i64,
        target: System,
        company: CompanyId,
    ) -> Result<Self, IdError> {
        if !target.is_accounting() {
            return Err(IdError::NotAccountingTarget(target));
        }
        Ok(Self {
            tenant,
            entity,
            servicetitan_id,
            target,
            company,
        })
    }

    /// The ServiceTitan tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The kind of record linked.
    pub fn entity(&self) -> EntityKind {
        self.entity
    }

    /// The record's ServiceTitan id (customer, invoice or payment id).
    pub fn servicetitan_id(&self) -> i64 {
        self.servicetitan_id
    }

    /// QuickBooks or Xero.
    pub fn target(&self) -> System {
        self.target
    }

    /// The accounting company (QBO realm / Xero tenant).
    pub fn company(&self) -> &CompanyId {
        &self.company
    }
}

/// `8450/invoice/1679->quickbooks/9130350`: ids only, so it is safe in logs.
impl std::fmt::Display for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}->{}/{}",
            self.tenant, self.entity, self.servicetitan_id, self.target, self.company
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_key_refuses_servicetitan_as_target() {
        let tenant = TenantId::new("8450").unwrap();
        let company = CompanyId::new("9130350").unwrap();
        let err = LinkKey::new(
            tenant.clone(),
            EntityKind::Invoice,
            1,
            System::ServiceTitan,
            company.clone(),
        );
        assert_eq!(err, Err(IdError::NotAccountingTarget(System::ServiceTitan)));
        let key = LinkKey::new(
            tenant,
            EntityKind::Invoice,
            1679,
            System::QuickBooks,
            company,
        )
        .unwrap();
        assert_eq!(key.to_string(), "8450/invoice/1679->quickbooks/9130350");
    }

    #[test]
    fn link_key_deserialization_revalidates() {
        let bad = r#"{"tenant":"1","entity":"invoice","servicetitan_id":1,"target":"servicetitan","company":"c"}"#;
        assert!(serde_json::from_str::<LinkKey>(bad).is_err());
        let good = bad.replace("\"servicetitan\",", "\"xero\",");
        let key: LinkKey = serde_json::from_str(&good).unwrap();
        assert_eq!(serde_json::to_string(&key).unwrap(), good);
    }

    #[test]
    fn text_ids_refuse_blank_and_whitespace() {
        assert!(TenantId::new("").is_err());
        assert!(TenantId::new("84 50").is_err());
        assert!(CompanyId::new("x".repeat(65)).is_err());
        assert!(serde_json::from_str::<CompanyId>("\"\"").is_err());
        assert_eq!(CompanyId::new("4e5f-aa").unwrap().as_str(), "4e5f-aa");
    }
}

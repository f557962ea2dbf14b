//! Systems, tenants, companies and entity kinds: the parts of every ledger key.

use serde::{Deserialize, Serialize};

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
            other => Err(format!("unknown system {other:?} (expected servicetitan, quickbooks or xero)")),
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

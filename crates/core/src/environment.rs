//! Which remote a connection talks to. One type for the vendor clients (each classifies its API
//! host) and the ledger (which records it per connection, so sandbox data never lands in
//! production books; CONTRACTS.md).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A connection's environment, as the ledger stores it and JSON shows it (`sandbox`,
/// `production`, `integration`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A vendor sandbox (QuickBooks' sandbox host) or the local emulators.
    Sandbox,
    /// Real books and real jobs; unknown hosts count as production, the safe side.
    Production,
    /// ServiceTitan's integration environment (`api-integration.servicetitan.io`).
    Integration,
}

impl Environment {
    /// Every value, in declaration order.
    pub const ALL: &'static [Self] = &[Self::Sandbox, Self::Production, Self::Integration];

    /// The text stored in the ledger and shown in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
            Self::Integration => "integration",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that names no [`Environment`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment {0:?} (expected sandbox, production or integration)")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == text)
            .ok_or_else(|| UnknownEnvironment(text.to_owned()))
    }
}

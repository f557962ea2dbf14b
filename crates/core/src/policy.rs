//! Conflict policies: who wins when both sides changed the same field.
//!
//! A [`PolicySet`] has a default, optional per-entity defaults and per-field overrides (as
//! [`PathPattern`]s, so `lines[*].description` covers every line). The most specific rule wins:
//! a matching field pattern (longest first), then the entity's policy, then the default.
//! [`PolicySet::settle`] applies the winners to a [`MergeOutcome`] and returns what is left for a
//! person.
//!
//! `newest_wins` compares the two sides' modification times of the whole record (field-level
//! times exist in neither remote). When a time is missing or both are equal it cannot decide,
//! and the conflict stays manual rather than being guessed.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fields::{ModelError, flatten, set, unflatten};
use crate::ids::EntityKind;
use crate::merge::{FieldConflict, MergeOutcome};
use crate::model::Record;
use crate::path::{FieldPath, PathPattern};

/// How a conflict on a field is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Policy {
    /// ServiceTitan's value is taken.
    #[serde(rename = "servicetitan_wins")]
    ServiceTitanWins,
    /// The accounting system's value is taken.
    #[serde(rename = "accounting_wins")]
    AccountingWins,
    /// The side whose record was modified last wins; manual when that is unknown or a tie.
    #[serde(rename = "newest_wins")]
    NewestWins,
    /// A person decides (the conflict is kept open).
    #[serde(rename = "manual")]
    Manual,
}

impl Policy {
    /// The config / JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServiceTitanWins => "servicetitan_wins",
            Self::AccountingWins => "accounting_wins",
            Self::NewestWins => "newest_wins",
            Self::Manual => "manual",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown conflict policy {0:?} (expected servicetitan_wins, accounting_wins, newest_wins or manual)"
)]
pub struct UnknownPolicy(pub String);

impl FromStr for Policy {
    type Err = UnknownPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::ServiceTitanWins,
            Self::AccountingWins,
            Self::NewestWins,
            Self::Manual,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| UnknownPolicy(s.to_owned()))
    }
}

/// One side of a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// ServiceTitan.
    ServiceTitan,
    /// QuickBooks or Xero.
    Accounting,
}

/// When each side last modified the record (ServiceTitan `modifiedOn`, QBO
/// `MetaData.LastUpdatedTime`, Xero `UpdatedDateUTC`), for `newest_wins`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SideTimes {
    /// ServiceTitan's modification time, if known.
    pub servicetitan: Option<DateTime<Utc>>,
    /// The accounting side's modification time, if known.
    pub accounting: Option<DateTime<Utc>>,
}

impl SideTimes {
    /// The side modified last, if both times are known and differ.
    pub fn newest(&self) -> Option<Side> {
        match (self.servicetitan, self.accounting) {
            (Some(s), Some(a)) if s > a => Some(Side::ServiceTitan),
            (Some(s), Some(a)) if a > s => Some(Side::Accounting),
            _ => None,
        }
    }
}

/// A conflict a policy decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The conflict as detected.
    pub conflict: FieldConflict,
    /// The rule that decided it.
    pub policy: Policy,
    /// The side whose value was taken.
    pub winner: Side,
}

/// A merge after the policies: the record to write and what still needs a person.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled<R> {
    /// The merged record with every decided conflict applied (manual ones keep the base value).
    pub merged: R,
    /// Conflicts decided by policy, for the audit log and the report.
    pub resolved: Vec<Resolved>,
    /// Conflicts left for a person.
    pub manual: Vec<FieldConflict>,
}

/// Conflict policies: a default, per-entity defaults, and per-field overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySet {
    default: Policy,
    entities: BTreeMap<EntityKind, Policy>,
    fields: Vec<(EntityKind, PathPattern, Policy)>,
}

impl Default for PolicySet {
    /// Everything manual: nobody's books change behind their back until configured otherwise.
    fn default() -> Self {
        Self::new(Policy::Manual)
    }
}

impl PolicySet {
    /// A set where every conflict gets `default`.
    pub fn new(default: Policy) -> Self {
        Self {
            default,
            entities: BTreeMap::new(),
            fields: Vec::new(),
        }
    }

    /// Sets the policy for every field of one entity kind (replacing an earlier one).
    pub fn with_entity(mut self, entity: EntityKind, policy: Policy) -> Self {
        self.entities.insert(entity, policy);
        self
    }

    /// Sets the policy for the fields `pattern` matches in one entity kind (replacing an earlier
    /// rule for the same pattern).
    pub fn with_field(mut self, entity: EntityKind, pattern: PathPattern, policy: Policy) -> Self {
        self.fields
            .retain(|(e, p, _)| !(*e == entity && *p == pattern));
        self.fields.push((entity, pattern, policy));
        self
    }

    /// The policy for one field: the most specific matching field rule, else the entity's
    /// policy, else the default.
    pub fn policy_for(&self, entity: EntityKind, path: &FieldPath) -> Policy {
        self.fields
            .iter()
            .filter(|(e, p, _)| *e == entity && p.matches(path))
            .max_by_key(|(_, p, _)| p.specificity())
            .map(|(_, _, policy)| *policy)
            .or_else(|| self.entities.get(&entity).copied())
            .unwrap_or(self.default)
    }

    /// Decides each conflict of `outcome` by policy and applies the winning values to the merged
    /// record. Fails only if a value cannot be put back (which a merge of valid records never
    /// produces).
    pub fn settle<R: Record>(
        &self,
        outcome: MergeOutcome<R>,
        times: &SideTimes,
    ) -> Result<Settled<R>, ModelError> {
        let mut flat = flatten(&outcome.merged)?;
        let mut resolved = Vec::new();
        let mut manual = Vec::new();
        for conflict in outcome.conflicts {
            let policy = self.policy_for(R::ENTITY, &conflict.path);
            let winner = match policy {
                Policy::ServiceTitanWins => Some(Side::ServiceTitan),
                Policy::AccountingWins => Some(Side::Accounting),
                Policy::NewestWins => times.newest(),
                Policy::Manual => None,
            };
            match winner {
                Some(side) => {
                    let value = match side {
                        Side::ServiceTitan => conflict.servicetitan.clone(),
                        Side::Accounting => conflict.accounting.clone(),
                    };
                    set::<R>(&mut flat, &conflict.path, value)?;
                    resolved.push(Resolved {
                        conflict,
                        policy,
                        winner: side,
                    });
                }
                None => manual.push(conflict),
            }
        }
        Ok(Settled {
            merged: unflatten(&flat)?,
            resolved,
            manual,
        })
    }
}

//! `[policies]`: how a field changed on both sides is settled.

use ledgerbridge_core::{
    Customer, EntityKind, Invoice, PathPattern, Payment, Policy, PolicySet, Record, UnknownPolicy,
};

use super::{ConfigError, PolicyEntry, Settings};

/// The entities a `[policies.ENTITY]` table may name, with the first segments their field
/// patterns may start with (the record's own fields and its collections).
fn policy_entity(name: &str) -> Option<(EntityKind, Vec<&'static str>)> {
    fn roots<R: Record>() -> Vec<&'static str> {
        std::iter::once(R::ROOT)
            .chain(R::COLLECTIONS.iter().map(|(c, _)| *c))
            .collect()
    }
    match name {
        "customer" => Some((EntityKind::Customer, roots::<Customer>())),
        "invoice" => Some((EntityKind::Invoice, roots::<Invoice>())),
        "payment" => Some((EntityKind::Payment, roots::<Payment>())),
        _ => None,
    }
}

fn policy(key: &str, text: &str) -> Result<Policy, ConfigError> {
    text.parse()
        .map_err(|e: UnknownPolicy| ConfigError::Invalid(format!("{key} = {text:?}: {e}")))
}

impl Settings {
    /// `[policies]` as the engine's [`PolicySet`]; each error names its key. The default of
    /// everything (and of a missing table) is `manual`.
    pub(crate) fn policy_set(&self) -> Result<PolicySet, ConfigError> {
        let mut set = PolicySet::new(Policy::Manual);
        if let Some(entry) = self.policies.get("default") {
            let PolicyEntry::Policy(text) = entry else {
                return Err(ConfigError::Invalid(
                    "policies.default must be a policy name, not a table".to_owned(),
                ));
            };
            set = PolicySet::new(policy("policies.default", text)?);
        }
        for (name, entry) in self.policies.iter().filter(|(k, _)| *k != "default") {
            let (entity, roots) = policy_entity(name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "policies.{name}: expected default, customer, invoice or payment"
                ))
            })?;
            let PolicyEntry::Entity(table) = entry else {
                return Err(ConfigError::Invalid(format!(
                    "policies.{name} must be a table ([policies.{name}]) of default and field \
                     patterns"
                )));
            };
            for (pattern, text) in table {
                let key = format!("policies.{name}.{pattern:?}");
                if pattern == "default" {
                    set =
                        set.with_entity(entity, policy(&format!("policies.{name}.default"), text)?);
                    continue;
                }
                let parsed = PathPattern::parse(pattern)
                    .map_err(|e| ConfigError::Invalid(format!("{key}: {e}")))?;
                let first = pattern.split(['.', '[']).next().unwrap_or_default();
                if !roots.contains(&first) {
                    return Err(ConfigError::Invalid(format!(
                        "{key}: a {name} field pattern starts with {}",
                        roots.join(", ")
                    )));
                }
                set = set.with_field(entity, parsed, policy(&key, text)?);
            }
        }
        Ok(set)
    }
}

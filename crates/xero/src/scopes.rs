//! The OAuth scopes the bridge asks Xero for: the least that lets it do its job.
//!
//! What the bridge does, and the scope each part needs (API facts §0, §1):
//!
//! | work                                                   | granular (apps from 2026-03-02) | classic (older apps)       |
//! | ------------------------------------------------------ | ------------------------------- | -------------------------- |
//! | invoices, credit notes and their allocations; items    | `accounting.invoices`           | `accounting.transactions`  |
//! | payments                                               | `accounting.payments`           | `accounting.transactions`  |
//! | contacts (customers)                                   | `accounting.contacts`           | `accounting.contacts`      |
//! | tax rates, accounts, tracking, organisation (lock date) | `accounting.settings.read`      | `accounting.settings.read` |
//! | a refresh token, so sync runs unattended               | `offline_access`                | `offline_access`           |
//!
//! Left out on purpose: `openid profile email` (the bridge needs no user identity),
//! `accounting.settings` write (it never changes the chart of accounts or tax rates),
//! bank transactions, manual journals, reports, attachments.
//!
//! Xero refuses `accounting.transactions` to apps created on or after 2 March 2026, and older
//! apps keep working with it until September 2027; the granular set is therefore asked first
//! and the classic set is the fallback when the app is refused the granular one
//! (`invalid_scope`).

use std::fmt;

/// Which family of scopes to request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScopeStyle {
    /// `accounting.invoices` + `accounting.payments` (new apps; the default).
    #[default]
    Granular,
    /// `accounting.transactions` (apps created before 2026-03-02).
    Classic,
}

const GRANULAR: &[&str] = &[
    "offline_access",
    "accounting.invoices",
    "accounting.payments",
    "accounting.contacts",
    "accounting.settings.read",
];

const CLASSIC: &[&str] = &[
    "offline_access",
    "accounting.transactions",
    "accounting.contacts",
    "accounting.settings.read",
];

impl ScopeStyle {
    /// The scopes of this style; always includes `offline_access`.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Granular => GRANULAR,
            Self::Classic => CLASSIC,
        }
    }

    /// The space-separated `scope` parameter.
    pub fn scope_param(self) -> String {
        self.scopes().join(" ")
    }

    /// The style to try when this one is refused (`invalid_scope`), if any.
    pub fn fallback(self) -> Option<Self> {
        match self {
            Self::Granular => Some(Self::Classic),
            Self::Classic => None,
        }
    }

    /// Parses `granular` / `classic` (the config value).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "granular" => Some(Self::Granular),
            "classic" => Some(Self::Classic),
            _ => None,
        }
    }

    /// Which of this style's scopes a token's granted `scope` string lacks. A broader scope
    /// satisfies its `.read` variant, and `accounting.transactions` satisfies the granular
    /// invoice and payment scopes (it is their superset).
    pub fn missing_from(self, granted: &str) -> Vec<&'static str> {
        let granted: Vec<&str> = granted.split_whitespace().collect();
        let has = |s: &str| granted.iter().any(|g| g.eq_ignore_ascii_case(s));
        self.scopes()
            .iter()
            .copied()
            .filter(|wanted| {
                let broader = wanted.strip_suffix(".read");
                let covered = has(wanted)
                    || broader.is_some_and(has)
                    || (matches!(*wanted, "accounting.invoices" | "accounting.payments")
                        && has("accounting.transactions"));
                !covered
            })
            .collect()
    }
}

impl fmt::Display for ScopeStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Granular => "granular",
            Self::Classic => "classic",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_styles_ask_for_offline_access_and_no_identity_or_settings_write() {
        for style in [ScopeStyle::Granular, ScopeStyle::Classic] {
            let scopes = style.scopes();
            assert!(scopes.contains(&"offline_access"), "{style}");
            for never in ["openid", "profile", "email", "accounting.settings"] {
                assert!(!scopes.contains(&never), "{style} asks for {never}");
            }
        }
        assert!(!ScopeStyle::Granular.scope_param().contains("transactions"));
        assert!(
            ScopeStyle::Classic
                .scope_param()
                .contains("accounting.transactions")
        );
        assert_eq!(ScopeStyle::Granular.fallback(), Some(ScopeStyle::Classic));
        assert_eq!(ScopeStyle::Classic.fallback(), None);
        assert_eq!(ScopeStyle::parse(" Classic "), Some(ScopeStyle::Classic));
        assert_eq!(ScopeStyle::parse("broad"), None);
    }

    #[test]
    fn missing_scopes_honour_broader_grants() {
        let granted =
            "offline_access accounting.transactions accounting.contacts accounting.settings";
        assert!(ScopeStyle::Granular.missing_from(granted).is_empty());
        assert!(ScopeStyle::Classic.missing_from(granted).is_empty());
        let narrow = "accounting.invoices accounting.contacts.read";
        assert_eq!(
            ScopeStyle::Granular.missing_from(narrow),
            vec![
                "offline_access",
                "accounting.payments",
                "accounting.contacts",
                "accounting.settings.read"
            ]
        );
    }
}

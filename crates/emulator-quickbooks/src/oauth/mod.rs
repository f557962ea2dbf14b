//! Intuit's OAuth 2.0: authorization codes, access tokens (3600 s), refresh tokens (100 days,
//! rolling, rotated on every refresh with the previous one honoured for 24 hours) and revoke.
//!
//! A consent creates a *grant*; every token belongs to one. Revoking any token of a grant
//! revokes the grant (the app is disconnected); a new consent makes a new grant and leaves
//! earlier ones alone (CONTRACTS.md). Refresh tokens also stop at a hard cap of 5 years after
//! the consent (Intuit's 2025 policy), reported as `x_refresh_token_hard_expires_in` when the
//! client sends `x-include-refresh-token-hard-expires-in: true`.

pub mod routes;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;

/// Access-token lifetime.
pub const ACCESS_TTL_SECS: i64 = 3600;
/// Refresh-token lifetime, renewed by every refresh.
pub const REFRESH_TTL_SECS: i64 = 100 * 24 * 3600;
/// How long a rotated-out refresh token keeps working.
pub const GRACE_SECS: i64 = 24 * 3600;
/// Authorization codes expire quickly and work once (10 minutes: a sandbox choice).
pub const CODE_TTL_SECS: i64 = 600;
/// The hard cap on any refresh token, from the consent.
pub const HARD_CAP_SECS: i64 = 5 * 365 * 24 * 3600;
/// Bearer tokens outside this length are "malformed" (the 401 detail Intuit sends).
pub const TOKEN_LEN: std::ops::RangeInclusive<usize> = 20..=4096;

#[derive(Clone, Debug)]
struct Code {
    client_id: String,
    redirect_uri: String,
    scope: String,
    expires: DateTime<Utc>,
    used: bool,
}

#[derive(Clone, Debug)]
struct Grant {
    client_id: String,
    scope: String,
    started: DateTime<Utc>,
    revoked: bool,
}

#[derive(Clone, Debug)]
struct Refresh {
    grant: u64,
    expires: DateTime<Utc>,
    /// When a newer refresh token replaced this one.
    superseded: Option<DateTime<Utc>>,
}

/// What the token endpoint returns on success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub x_refresh_token_expires_in: i64,
    pub x_refresh_token_hard_expires_in: i64,
}

/// Why a token request failed (`error` of the OAuth error body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OAuthError {
    InvalidGrant(&'static str),
    InvalidRequest(&'static str),
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Malformed,
    Expired,
    Revoked,
    Unknown,
}

impl AuthFailure {
    /// The 401 `detail`.
    pub fn detail(self) -> &'static str {
        match self {
            AuthFailure::Missing => "Authorization header is missing or not a Bearer token",
            AuthFailure::Malformed => "Malformed bearer token: too short or too long",
            AuthFailure::Expired => "Token expired",
            AuthFailure::Revoked => "Token revoked",
            AuthFailure::Unknown => "Token invalid",
        }
    }
}

/// Who an accepted access token speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorized {
    pub client_id: String,
    pub realm: String,
    pub scope: String,
}

/// All OAuth state of the emulator.
#[derive(Debug, Default)]
pub struct OAuthStore {
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, (u64, DateTime<Utc>)>,
    refresh: HashMap<String, Refresh>,
    next_grant: u64,
}

fn random(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl OAuthStore {
    /// A single-use code for an approved consent.
    pub fn issue_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        now: DateTime<Utc>,
    ) -> String {
        let code = format!("AB11{}{}", now.timestamp(), random(36));
        self.codes.insert(
            code.clone(),
            Code {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                scope: scope.to_owned(),
                expires: now + Duration::seconds(CODE_TTL_SECS),
                used: false,
            },
        );
        code
    }

    /// `grant_type=authorization_code`.
    pub fn exchange_code(
        &mut self,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, OAuthError> {
        let entry = self
            .codes
            .get_mut(code)
            .ok_or(OAuthError::InvalidGrant("Invalid authorization code"))?;
        if entry.used || entry.expires <= now {
            return Err(OAuthError::InvalidGrant(
                "Authorization code expired or already used",
            ));
        }
        if entry.client_id != client_id {
            return Err(OAuthError::InvalidGrant(
                "Authorization code was issued to another client",
            ));
        }
        if entry.redirect_uri != redirect_uri {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri does not match the authorization request",
            ));
        }
        entry.used = true;
        let scope = entry.scope.clone();
        Ok(self.new_grant(client_id, &scope, now))
    }

    /// A new grant and its first tokens (a consent, or the sandbox shortcut).
    pub fn new_grant(&mut self, client_id: &str, scope: &str, now: DateTime<Utc>) -> TokenSet {
        self.next_grant += 1;
        let id = self.next_grant;
        self.grants.insert(
            id,
            Grant {
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                started: now,
                revoked: false,
            },
        );
        self.tokens_for(id, now)
    }

    fn tokens_for(&mut self, grant: u64, now: DateTime<Utc>) -> TokenSet {
        let started = self.grants[&grant].started;
        let cap = started + Duration::seconds(HARD_CAP_SECS);
        let access_token = format!(
            "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..{}",
            random(120)
        );
        let refresh_token = format!("AB11{}{}", now.timestamp(), random(36));
        let refresh_expires = (now + Duration::seconds(REFRESH_TTL_SECS)).min(cap);
        self.access.insert(
            access_token.clone(),
            (grant, now + Duration::seconds(ACCESS_TTL_SECS)),
        );
        self.refresh.insert(
            refresh_token.clone(),
            Refresh {
                grant,
                expires: refresh_expires,
                superseded: None,
            },
        );
        TokenSet {
            access_token,
            refresh_token,
            expires_in: ACCESS_TTL_SECS,
            x_refresh_token_expires_in: (refresh_expires - now).num_seconds(),
            x_refresh_token_hard_expires_in: (cap - now).num_seconds().max(0),
        }
    }

    /// `grant_type=refresh_token`: new access and refresh tokens; the presented refresh token
    /// keeps working for 24 hours after it was first replaced.
    pub fn refresh(
        &mut self,
        client_id: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenSet, OAuthError> {
        let entry = self
            .refresh
            .get(token)
            .ok_or(OAuthError::InvalidGrant("Token invalid"))?
            .clone();
        let grant = self
            .grants
            .get(&entry.grant)
            .ok_or(OAuthError::InvalidGrant("Token invalid"))?;
        if grant.revoked {
            return Err(OAuthError::InvalidGrant("Token revoked"));
        }
        if grant.client_id != client_id {
            return Err(OAuthError::InvalidGrant(
                "Token was issued to another client",
            ));
        }
        if entry.expires <= now {
            return Err(OAuthError::InvalidGrant("Token expired"));
        }
        if entry
            .superseded
            .is_some_and(|t| now >= t + Duration::seconds(GRACE_SECS))
        {
            return Err(OAuthError::InvalidGrant(
                "Token invalid: replaced by a newer refresh token more than 24 hours ago",
            ));
        }
        if let Some(r) = self.refresh.get_mut(token) {
            r.superseded.get_or_insert(now);
        }
        Ok(self.tokens_for(entry.grant, now))
    }

    /// Revokes the grant a token (access or refresh) belongs to. Unknown tokens are ignored
    /// (RFC 7009: the endpoint answers 200 either way).
    pub fn revoke(&mut self, client_id: &str, token: &str) -> bool {
        let grant = self
            .refresh
            .get(token)
            .map(|r| r.grant)
            .or_else(|| self.access.get(token).map(|a| a.0));
        match grant.and_then(|g| self.grants.get_mut(&g)) {
            Some(g) if g.client_id == client_id => {
                g.revoked = true;
                true
            }
            _ => false,
        }
    }

    /// Checks a bearer token.
    pub fn authenticate(
        &self,
        token: &str,
        realm: &str,
        now: DateTime<Utc>,
    ) -> Result<Authorized, AuthFailure> {
        if !TOKEN_LEN.contains(&token.len()) {
            return Err(AuthFailure::Malformed);
        }
        let (grant_id, expires) = self.access.get(token).ok_or(AuthFailure::Unknown)?;
        let grant = self.grants.get(grant_id).ok_or(AuthFailure::Unknown)?;
        if grant.revoked {
            return Err(AuthFailure::Revoked);
        }
        if *expires <= now {
            return Err(AuthFailure::Expired);
        }
        Ok(Authorized {
            client_id: grant.client_id.clone(),
            realm: realm.to_owned(),
            scope: grant.scope.clone(),
        })
    }

    /// Forgets everything (reset).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Counts for the state dump (never the tokens themselves).
    pub fn summary(&self) -> serde_json::Value {
        serde_json::json!({
            "grants": self.grants.len(),
            "revoked_grants": self.grants.values().filter(|g| g.revoked).count(),
            "access_tokens": self.access.len(),
            "refresh_tokens": self.refresh.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_honours_the_previous_token_for_24_hours_only() {
        let mut store = OAuthStore::default();
        let t0 = Utc::now();
        let code = store.issue_code(
            "app",
            "http://127.0.0.1/cb",
            "com.intuit.quickbooks.accounting",
            t0,
        );
        assert!(
            store
                .exchange_code("app", &code, "http://127.0.0.1/other", t0)
                .is_err()
        );
        let first = store
            .exchange_code("app", &code, "http://127.0.0.1/cb", t0)
            .expect("exchanged");
        assert!(
            store
                .exchange_code("app", &code, "http://127.0.0.1/cb", t0)
                .is_err(),
            "codes work once"
        );
        let second = store
            .refresh("app", &first.refresh_token, t0)
            .expect("refreshed");
        assert_ne!(second.refresh_token, first.refresh_token);
        let t1 = t0 + Duration::hours(23);
        assert!(
            store.refresh("app", &first.refresh_token, t1).is_ok(),
            "inside the grace window"
        );
        let t2 = t0 + Duration::hours(24);
        assert_eq!(
            store.refresh("app", &first.refresh_token, t2).unwrap_err(),
            OAuthError::InvalidGrant(
                "Token invalid: replaced by a newer refresh token more than 24 hours ago"
            )
        );
        assert!(store.refresh("app", &second.refresh_token, t2).is_ok());
        assert_eq!(
            store
                .authenticate(&second.access_token, "r", t0 + Duration::seconds(3599))
                .map(|a| a.client_id),
            Ok("app".into())
        );
        assert_eq!(
            store.authenticate(&second.access_token, "r", t0 + Duration::seconds(3600)),
            Err(AuthFailure::Expired)
        );
        assert_eq!(
            store.authenticate("short", "r", t0),
            Err(AuthFailure::Malformed)
        );
    }
}

//! Grants, tokens and connections, as Xero's identity service keeps them:
//! access tokens live 30 minutes; every refresh rotates the refresh token, the previous one
//! stays usable for a 30-minute grace period (a client whose response was lost can retry);
//! an unused refresh token expires after 60 days; revocation ends the whole grant and removes
//! its connection.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) const ACCESS_TOKEN_SECONDS: i64 = 30 * 60;
pub(crate) const REFRESH_GRACE_SECONDS: i64 = 30 * 60;
pub(crate) const REFRESH_IDLE_DAYS: i64 = 60;
/// Not documented by Xero; a short single-use life like other OAuth servers.
pub(crate) const CODE_SECONDS: i64 = 5 * 60;

#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) grant_id: Uuid,
    pub(crate) created: DateTime<Utc>,
    pub(crate) challenge: Option<(String, String)>,
}

/// One consent: the scopes granted and the connection it made.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) auth_event_id: Uuid,
    pub(crate) revoked: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub(crate) grant_id: Uuid,
    pub(crate) expires: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct RefreshToken {
    pub(crate) grant_id: Uuid,
    pub(crate) issued: DateTime<Utc>,
    /// When it was used (and replaced) and by which token.
    pub(crate) rotated: Option<(DateTime<Utc>, String)>,
}

#[derive(Clone, Debug)]
pub(crate) struct Connection {
    pub(crate) id: Uuid,
    pub(crate) auth_event_id: Uuid,
    pub(crate) client_id: String,
    pub(crate) tenant_id: Uuid,
    pub(crate) tenant_name: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
}

/// What a valid access token lets through.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct AuthStore {
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) grants: HashMap<Uuid, Grant>,
    pub(crate) access: HashMap<String, AccessToken>,
    pub(crate) refresh: HashMap<String, RefreshToken>,
    pub(crate) connections: Vec<Connection>,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// `invalid_grant`, the error Xero answers for any unusable code or refresh token.
pub(crate) const INVALID_GRANT: &str = "invalid_grant";

impl AuthStore {
    pub(crate) fn new_code(&mut self, code: AuthCode) -> String {
        let value = random_hex(32);
        self.codes.insert(value.clone(), code);
        value
    }

    /// Records a consent: a grant, and the connection of the client to the tenant (created on
    /// first consent, refreshed on later ones; earlier grants stay valid).
    pub(crate) fn new_grant(
        &mut self,
        client_id: &str,
        scopes: Vec<String>,
        tenant: (Uuid, &str),
        now: DateTime<Utc>,
    ) -> Uuid {
        let auth_event_id = Uuid::new_v4();
        let grant_id = Uuid::new_v4();
        self.grants.insert(
            grant_id,
            Grant {
                client_id: client_id.into(),
                scopes,
                auth_event_id,
                revoked: false,
            },
        );
        match self
            .connections
            .iter_mut()
            .find(|c| c.client_id == client_id && c.tenant_id == tenant.0)
        {
            Some(c) => {
                c.auth_event_id = auth_event_id;
                c.updated = now;
            }
            None => self.connections.push(Connection {
                id: Uuid::new_v4(),
                auth_event_id,
                client_id: client_id.into(),
                tenant_id: tenant.0,
                tenant_name: tenant.1.into(),
                created: now,
                updated: now,
            }),
        }
        grant_id
    }

    /// Issues an access token (and a refresh token with `offline_access`) for a grant.
    pub(crate) fn issue(
        &mut self,
        grant_id: Uuid,
        issuer: &str,
        now: DateTime<Utc>,
        refresh: Option<String>,
    ) -> Value {
        let grant = self
            .grants
            .get(&grant_id)
            .cloned()
            .expect("grant exists when issuing");
        let claims = json!({
            "nbf": now.timestamp(),
            "exp": now.timestamp() + ACCESS_TOKEN_SECONDS,
            "iss": issuer,
            "aud": format!("{issuer}/resources"),
            "client_id": grant.client_id,
            "sub": "sandbox-user",
            "auth_time": now.timestamp(),
            "xero_userid": "00000000-0000-4000-8000-00000000a11c",
            "global_session_id": grant_id.simple().to_string(),
            "jti": Uuid::new_v4().simple().to_string(),
            "authentication_event_id": grant.auth_event_id,
            "scope": grant.scopes,
        });
        // JWT-shaped like Xero's (apps may decode the claims); the signature is random bytes,
        // which nobody is meant to verify.
        let access = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"sandbox","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(random_hex(32))
        );
        self.access.insert(
            access.clone(),
            AccessToken {
                grant_id,
                expires: now + Duration::seconds(ACCESS_TOKEN_SECONDS),
            },
        );
        let mut body = json!({
            "access_token": access,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "scope": grant.scopes.join(" "),
        });
        if grant.scopes.iter().any(|s| s == "offline_access") {
            let token = refresh.unwrap_or_else(|| {
                let token = random_hex(32);
                self.refresh.insert(
                    token.clone(),
                    RefreshToken {
                        grant_id,
                        issued: now,
                        rotated: None,
                    },
                );
                token
            });
            body["refresh_token"] = Value::String(token);
        }
        body
    }

    /// Redeems a refresh token: rotation, grace window, idle expiry, revocation. Returns the
    /// grant and the refresh token to hand out.
    pub(crate) fn redeem_refresh(
        &mut self,
        token: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(Uuid, String), String> {
        let entry = self.refresh.get(token).cloned().ok_or(INVALID_GRANT)?;
        let grant = self.grants.get(&entry.grant_id).ok_or(INVALID_GRANT)?;
        if grant.revoked || grant.client_id != client_id {
            return Err(INVALID_GRANT.into());
        }
        match entry.rotated {
            None => {
                if now - entry.issued > Duration::days(REFRESH_IDLE_DAYS) {
                    return Err(INVALID_GRANT.into());
                }
                let next = random_hex(32);
                self.refresh.insert(
                    next.clone(),
                    RefreshToken {
                        grant_id: entry.grant_id,
                        issued: now,
                        rotated: None,
                    },
                );
                if let Some(old) = self.refresh.get_mut(token) {
                    old.rotated = Some((now, next.clone()));
                }
                Ok((entry.grant_id, next))
            }
            Some((at, successor)) => {
                if now - at > Duration::seconds(REFRESH_GRACE_SECONDS) {
                    return Err(INVALID_GRANT.into());
                }
                // A retry inside the grace window: answer with the newest token of this chain,
                // so a client that lost the first response ends up with a working token.
                let mut newest = successor;
                while let Some((_, next)) =
                    self.refresh.get(&newest).and_then(|r| r.rotated.clone())
                {
                    newest = next;
                }
                Ok((entry.grant_id, newest))
            }
        }
    }

    /// The caller behind a bearer token, or the `Detail` of Xero's 401.
    pub(crate) fn caller(&self, token: &str, now: DateTime<Utc>) -> Result<Caller, String> {
        let access = self
            .access
            .get(token)
            .ok_or_else(|| "AuthorizationUnsuccessful".to_string())?;
        let grant = self
            .grants
            .get(&access.grant_id)
            .ok_or_else(|| "AuthorizationUnsuccessful".to_string())?;
        if grant.revoked {
            return Err("AuthorizationUnsuccessful".into());
        }
        if now >= access.expires {
            return Err(format!(
                "TokenExpired: token expired at {}",
                access.expires.format("%m/%d/%Y %H:%M:%S")
            ));
        }
        Ok(Caller {
            client_id: grant.client_id.clone(),
            scopes: grant.scopes.clone(),
        })
    }

    /// Revokes the grant a refresh (or access) token belongs to, and removes the connections
    /// made by that grant. Unknown tokens are ignored, as RFC 7009 asks.
    pub(crate) fn revoke(&mut self, token: &str, client_id: &str) {
        let grant_id = self
            .refresh
            .get(token)
            .map(|r| r.grant_id)
            .or_else(|| self.access.get(token).map(|a| a.grant_id));
        let Some(grant_id) = grant_id else { return };
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return;
        };
        if grant.client_id != client_id {
            return;
        }
        grant.revoked = true;
        let event = grant.auth_event_id;
        self.connections.retain(|c| c.auth_event_id != event);
    }

    pub(crate) fn is_connected(&self, client_id: &str, tenant_id: Uuid) -> bool {
        self.connections
            .iter()
            .any(|c| c.client_id == client_id && c.tenant_id == tenant_id)
    }
}

//! [`SandboxToken`]: a books access token handed out by an emulator's consent shortcut.

use std::sync::Mutex;

use ledgerbridge_connector::{AccessToken, ConnectorError, TokenProvider};
use secrecy::SecretString;

/// An access token issued straight by an emulator, fixed or renewed after a 401
/// ([`crate::Tokens`]).
pub struct SandboxToken {
    kind: Kind,
}

type Issue = Box<dyn Fn() -> String + Send + Sync>;

enum Kind {
    Fixed(AccessToken),
    Renewing {
        issue: Issue,
        current: Mutex<Option<AccessToken>>,
        generation: Mutex<u64>,
    },
}

impl SandboxToken {
    /// This token, always: a rejection does not renew it.
    pub fn fixed(token: String) -> Self {
        Self {
            kind: Kind::Fixed(AccessToken::new(SecretString::from(token), 1)),
        }
    }

    /// A token from `issue` on first use and again after each rejection (the clock moves
    /// forward in a scenario, so tokens do expire).
    pub fn renewing(issue: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self {
            kind: Kind::Renewing {
                issue: Box::new(issue),
                current: Mutex::new(None),
                generation: Mutex::new(0),
            },
        }
    }
}

impl TokenProvider for SandboxToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        match &self.kind {
            Kind::Fixed(token) => Ok(token.clone()),
            Kind::Renewing {
                issue,
                current,
                generation,
            } => {
                let mut current = current.lock().expect("token lock");
                if let Some(token) = current.as_ref() {
                    return Ok(token.clone());
                }
                let mut generation = generation.lock().expect("generation lock");
                *generation += 1;
                let token = AccessToken::new(SecretString::from(issue()), *generation);
                *current = Some(token.clone());
                Ok(token)
            }
        }
    }

    fn reject(&self, token: &AccessToken) {
        if let Kind::Renewing { current, .. } = &self.kind {
            let mut current = current.lock().expect("token lock");
            if current
                .as_ref()
                .is_some_and(|t| t.generation() == token.generation())
            {
                *current = None;
            }
        }
    }
}

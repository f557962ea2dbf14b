//! Which organisation a connection writes to: Xero's `/connections` and the choice among them.
//!
//! One consent can connect several organisations to the app. `connect xero` lists them after
//! the code exchange and takes the one named by `--xero-tenant`, or the only one; with several
//! and no flag the CLI asks (never a silent pick: the wrong books are the worst outcome).

use http::Method;
use ledgerbridge_connector::{ApiRequest, ConnectorError, HttpLayer, Idempotency, TokenProvider};
use url::Url;

use crate::config::Endpoints;
use crate::wire::reference::Connection;

/// The outcome of choosing a tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantChoice {
    /// This organisation.
    Chosen(Connection),
    /// Several are connected and none was named: ask the user (show `tenantName` and
    /// `tenantId`), then choose again with the flag.
    Ask(Vec<Connection>),
}

/// Why no tenant can be chosen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// The consent connected no organisation.
    #[error(
        "the Xero consent connected no organisation; run `ledgerbridge connect xero` again and pick one"
    )]
    NoneConnected,
    /// `--xero-tenant` names an organisation that is not connected.
    #[error("Xero organisation {wanted} is not connected to this app (connected: {})", .connected.join(", "))]
    NotConnected {
        /// The flag's value.
        wanted: String,
        /// The tenant ids that are connected.
        connected: Vec<String>,
    },
}

/// Picks the organisation: the one `flag` names (matched case-insensitively, UUIDs being
/// case-free), else the only organisation, else [`TenantChoice::Ask`]. Practices (non-
/// `ORGANISATION` tenants) have no books and are never picked.
pub fn choose_tenant(
    connections: &[Connection],
    flag: Option<&str>,
) -> Result<TenantChoice, TenantError> {
    let orgs: Vec<&Connection> = connections
        .iter()
        .filter(|c| c.tenant_type.is_empty() || c.tenant_type.eq_ignore_ascii_case("ORGANISATION"))
        .collect();
    if let Some(wanted) = flag.map(str::trim) {
        return orgs
            .iter()
            .find(|c| c.tenant_id.eq_ignore_ascii_case(wanted))
            .map(|c| TenantChoice::Chosen((*c).clone()))
            .ok_or_else(|| TenantError::NotConnected {
                wanted: wanted.to_owned(),
                connected: orgs.iter().map(|c| c.tenant_id.clone()).collect(),
            });
    }
    match orgs.as_slice() {
        [] => Err(TenantError::NoneConnected),
        [only] => Ok(TenantChoice::Chosen((*only).clone())),
        several => Ok(TenantChoice::Ask(
            several.iter().map(|c| (*c).clone()).collect(),
        )),
    }
}

fn identity_url(endpoints: &Endpoints, path: &str) -> Url {
    let base = endpoints.identity_base.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}{path}")).expect("identity_base is a URL and the rest is path text")
}

/// `GET /connections`: the organisations the token's consent connected (bearer only, no
/// tenant header).
pub async fn list_connections<P: TokenProvider>(
    http: &HttpLayer,
    auth: &P,
    endpoints: &Endpoints,
) -> Result<Vec<Connection>, ConnectorError> {
    const OP: &str = "list connections";
    let mut request = ApiRequest::get(OP, identity_url(endpoints, "/connections"), "identity");
    request.headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    http.send(auth, &request).await?.json(OP)
}

/// `DELETE /connections/{id}`: disconnects the organisation from the app (Xero's side of
/// `ledgerbridge disconnect`). An unknown id (404) counts as already disconnected.
pub async fn delete_connection<P: TokenProvider>(
    http: &HttpLayer,
    auth: &P,
    endpoints: &Endpoints,
    connection_id: &str,
) -> Result<(), ConnectorError> {
    let path = format!("/connections/{}", crate::reference::encode(connection_id));
    let request = ApiRequest {
        method: Method::DELETE,
        url: identity_url(endpoints, &path),
        headers: http::HeaderMap::new(),
        body: None,
        idempotency: Idempotency::Idempotent,
        pace_key: "identity".to_owned(),
        operation: "delete connection",
    };
    match http.send(auth, &request).await {
        Ok(_) | Err(ConnectorError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(tenant: &str, kind: &str) -> Connection {
        Connection {
            id: format!("c-{tenant}"),
            tenant_id: tenant.to_owned(),
            tenant_type: kind.to_owned(),
            tenant_name: Some(format!("Org {tenant}")),
            created_date_utc: None,
        }
    }

    #[test]
    fn the_flag_wins_one_is_taken_several_are_asked() {
        let one = [conn("A1", "ORGANISATION"), conn("P1", "PRACTICE")];
        assert_eq!(
            choose_tenant(&one, None),
            Ok(TenantChoice::Chosen(one[0].clone()))
        );
        let two = [conn("A1", "ORGANISATION"), conn("B2", "ORGANISATION")];
        assert!(matches!(choose_tenant(&two, None), Ok(TenantChoice::Ask(v)) if v.len() == 2));
        assert_eq!(
            choose_tenant(&two, Some("b2")),
            Ok(TenantChoice::Chosen(two[1].clone()))
        );
        let err = choose_tenant(&two, Some("C3")).unwrap_err();
        assert!(err.to_string().contains("A1, B2"), "{err}");
        assert_eq!(choose_tenant(&[], None), Err(TenantError::NoneConnected));
        assert!(matches!(
            choose_tenant(&one, Some("P1")),
            Err(TenantError::NotConnected { .. })
        ));
    }
}

//! What of a request may reach a log line.
//!
//! Logs carry the method, the path (ids only: tenant and record ids are not personal data),
//! the status, the remote's trace id and the duration. Query values are replaced by `*`
//! unless they are known to be harmless paging controls, because filters carry names,
//! phone numbers and emails (`?name=…`, `?phone=…`) and continuation tokens may encode
//! record data. Headers and bodies are never logged; tokens and keys live in
//! `secrecy::SecretString` and in `HeaderValue`s marked sensitive.

use url::Url;

/// Query parameters whose values are safe to log.
const SAFE_QUERY_KEYS: &[&str] = &[
    "page",
    "pageSize",
    "includeTotal",
    "includeRecentChanges",
    "sort",
    "active",
    "minorversion",
];

/// The path and query of `url` with every query value outside [`SAFE_QUERY_KEYS`] masked.
pub fn path_for_log(url: &Url) -> String {
    let mut out = url.path().to_owned();
    let mut first = true;
    for (key, value) in url.query_pairs() {
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(&key);
        out.push('=');
        if SAFE_QUERY_KEYS.contains(&key.as_ref()) {
            out.push_str(&value);
        } else {
            out.push('*');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_masked_except_paging_controls() {
        let url = Url::parse(
            "https://api.example.com/crm/v2/tenant/7/customers?name=Jane%20Roe&page=2&pageSize=500&from=tok",
        )
        .unwrap();
        assert_eq!(
            path_for_log(&url),
            "/crm/v2/tenant/7/customers?name=*&page=2&pageSize=500&from=*"
        );
        assert_eq!(path_for_log(&Url::parse("http://h/x").unwrap()), "/x");
    }
}

//! `--approve-sandbox`: submitting a sandbox consent page's form without a browser.
//!
//! The emulators' consent pages are pinned by CONTRACTS.md: plain HTML, no JavaScript, one
//! `<form method="post">` with hidden inputs and `<button name="decision" value="approve">`.
//! [`approve_sandbox`] fetches the page, reads that form ([`ConsentForm::parse`]), posts the
//! hidden fields with `decision=approve` and returns the redirect the provider answered with
//! (to the loopback listener, carrying the code). It is refused unless both the page and the
//! form's target are on a loopback host, so it can never approve a real provider's consent.

use url::Url;

use super::flow::AuthorizeError;
use super::is_loopback;

/// The consent form of a sandbox page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentForm {
    /// Where the form posts to (the page itself when it has no `action`).
    pub action: Url,
    /// The hidden inputs, in page order, HTML entities decoded.
    pub hidden: Vec<(String, String)>,
}

impl ConsentForm {
    /// Reads the first POST form of `html` (served at `page`). `None` when there is no POST
    /// form with an approve button.
    pub fn parse(html: &str, page: &Url) -> Option<Self> {
        let lower = html.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find("<form").map(|i| i + from) {
            let open_end = lower[at..].find('>')? + at;
            let close = lower[open_end..]
                .find("</form")
                .map_or(lower.len(), |i| i + open_end);
            let attrs = attributes(&html[at + 5..open_end]);
            let method = attr(&attrs, "method").unwrap_or_default();
            from = close;
            if !method.eq_ignore_ascii_case("post") {
                continue;
            }
            let body = &html[open_end + 1..close];
            let tags = tags(body);
            let approves = tags.iter().any(|(name, attrs)| {
                (name == "button" || name == "input")
                    && attr(attrs, "name").as_deref() == Some("decision")
                    && attr(attrs, "value").as_deref() == Some("approve")
            });
            if !approves {
                continue;
            }
            let hidden = tags
                .iter()
                .filter(|(name, attrs)| {
                    name == "input"
                        && attr(attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
                })
                .filter_map(|(_, attrs)| {
                    Some((
                        attr(attrs, "name")?,
                        attr(attrs, "value").unwrap_or_default(),
                    ))
                })
                .collect();
            let action = match attr(&attrs, "action").filter(|a| !a.is_empty()) {
                Some(a) => page.join(&a).ok()?,
                None => page.clone(),
            };
            return Some(Self { action, hidden });
        }
        None
    }
}

/// Approves a sandbox consent: GET `authorize_url`, post its form with `decision=approve`,
/// return the `Location` it redirects to. Refused unless every host involved is loopback.
/// `http` must not follow redirects (the connector's clients never do).
pub async fn approve_sandbox(
    http: &reqwest::Client,
    authorize_url: &Url,
) -> Result<Url, AuthorizeError> {
    if !is_loopback(authorize_url) {
        return Err(AuthorizeError::NotLoopback {
            host: authorize_url.host_str().unwrap_or_default().to_owned(),
        });
    }
    let consent = |reason: String| AuthorizeError::ConsentPage { reason };
    let page = http.get(authorize_url.clone()).send().await.map_err(|e| {
        consent(format!(
            "the consent page could not be fetched: {}",
            e.without_url()
        ))
    })?;
    if !page.status().is_success() {
        return Err(consent(format!(
            "the consent page answered {}",
            page.status()
        )));
    }
    let html = page.text().await.map_err(|e| {
        consent(format!(
            "the consent page could not be read: {}",
            e.without_url()
        ))
    })?;
    let form = ConsentForm::parse(&html, authorize_url)
        .ok_or_else(|| consent("the page has no POST form with an approve button".to_owned()))?;
    if !is_loopback(&form.action) {
        return Err(AuthorizeError::NotLoopback {
            host: form.action.host_str().unwrap_or_default().to_owned(),
        });
    }
    let mut fields = form.hidden.clone();
    fields.push(("decision".to_owned(), "approve".to_owned()));
    let answer = http
        .post(form.action.clone())
        .form(&fields)
        .send()
        .await
        .map_err(|e| {
            consent(format!(
                "the consent form could not be posted: {}",
                e.without_url()
            ))
        })?;
    if !answer.status().is_redirection() {
        return Err(consent(format!(
            "the consent form answered {} instead of a redirect",
            answer.status()
        )));
    }
    let location = answer
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| consent("the consent redirect has no Location".to_owned()))?;
    form.action
        .join(location)
        .map_err(|_| consent("the consent redirect's Location is not a URL".to_owned()))
}

/// Every tag in `html` as (lower-case name, attributes).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let Some(end) = after.find('>') else { break };
        let inner = &after[..end];
        let name_len = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_ascii_lowercase();
        if !name.is_empty() && !name.starts_with('/') && !name.starts_with('!') {
            out.push((name, attributes(&inner[name_len..])));
        }
        rest = &after[end + 1..];
    }
    out
}

/// Attributes of a tag's inside: `name="v"`, `name='v'`, `name=v` or a bare `name`.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // A self-closing `/>` ends the tag, but a slash ending an unquoted value belongs to it.
    let text = text.trim_end();
    let text = text
        .strip_suffix('/')
        .filter(|t| {
            t.is_empty() || t.ends_with(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        })
        .unwrap_or(text);
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let name = text[start..end].to_ascii_lowercase();
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().map(|&(_, c)| c) != Some('=') {
            out.push((name, String::new()));
            continue;
        }
        chars.next();
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let value = match chars.peek().copied() {
            Some((i, q)) if q == '"' || q == '\'' => {
                chars.next();
                let mut close = text.len();
                for (j, c) in chars.by_ref() {
                    if c == q {
                        close = j;
                        break;
                    }
                }
                &text[i + 1..close]
            }
            Some((i, _)) => {
                let mut close = text.len();
                while let Some(&(j, c)) = chars.peek() {
                    if c.is_whitespace() {
                        close = j;
                        break;
                    }
                    chars.next();
                }
                &text[i..close]
            }
            None => "",
        };
        out.push((name, unescape(value)));
    }
    out
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// Decodes the entities an HTML escaper writes: the five named ones and numeric references.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("http://127.0.0.1:8702/connect/oauth2?client_id=a&state=s").unwrap()
    }

    #[test]
    fn reads_the_post_form_its_hidden_inputs_and_action() {
        let html = r#"<html><body>
            <form method="get" action="/search"><input type="hidden" name="q" value="x">
              <button name="decision" value="approve">no</button></form>
            <FORM method='POST' action="/identity/connect/authorize">
              <input type="hidden" name="state" value="a&amp;b&#39;c&#x22;">
              <input type=hidden name=scope value="openid offline_access">
              <input type="text" name="visible" value="not hidden">
              <button name="decision" value="approve">Connect</button>
              <button name="decision" value="deny">Cancel</button>
            </FORM></body></html>"#;
        let form = ConsentForm::parse(html, &page()).unwrap();
        assert_eq!(
            form.action.as_str(),
            "http://127.0.0.1:8702/identity/connect/authorize"
        );
        assert_eq!(
            form.hidden,
            vec![
                ("state".to_owned(), "a&b'c\"".to_owned()),
                ("scope".to_owned(), "openid offline_access".to_owned()),
            ]
        );
    }

    #[test]
    fn a_form_without_action_posts_to_the_page_and_one_without_approve_is_ignored() {
        let html = r#"<form method="post"><input type="hidden" name="k" value="v">
            <button name="decision" value="approve">ok</button></form>"#;
        let form = ConsentForm::parse(html, &page()).unwrap();
        assert_eq!(form.action, page());
        let no_button = r#"<form method="post"><input type="hidden" name="k" value="v"></form>"#;
        assert_eq!(ConsentForm::parse(no_button, &page()), None);
    }

    #[test]
    fn unescape_keeps_unknown_entities_and_lone_ampersands() {
        assert_eq!(
            unescape("a &amp; b &nbsp; c & d &#128512;"),
            "a & b &nbsp; c & d 😀"
        );
    }

    #[tokio::test]
    async fn a_real_provider_is_never_approved() {
        let http = reqwest::Client::new();
        let url = Url::parse("https://appcenter.intuit.com/connect/oauth2?x=1").unwrap();
        let err = approve_sandbox(&http, &url).await.unwrap_err();
        assert!(
            matches!(&err, AuthorizeError::NotLoopback { host } if host == "appcenter.intuit.com"),
            "{err:?}"
        );
    }
}

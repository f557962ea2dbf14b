//! The collection's JavaScript (Postman sandbox API: `pm.*`), one line per array element.

/// ServiceTitan folder pre-request: the client-credentials token, fetched when missing and
/// again a minute before it expires.
pub(super) const SERVICETITAN_TOKEN: &[&str] = &[
    "const expiresAt = Number(pm.collectionVariables.get('st_token_expires_at') || 0);",
    "if (!pm.collectionVariables.get('st_access_token') || Date.now() > expiresAt - 60000) {",
    "  pm.sendRequest({",
    "    url: pm.environment.get('st_token_url'),",
    "    method: 'POST',",
    "    header: { 'Content-Type': 'application/x-www-form-urlencoded' },",
    "    body: { mode: 'urlencoded', urlencoded: [",
    "      { key: 'grant_type', value: 'client_credentials' },",
    "      { key: 'client_id', value: pm.environment.get('st_client_id') },",
    "      { key: 'client_secret', value: pm.environment.get('st_client_secret') } ] }",
    "  }, (err, res) => {",
    "    if (err) { throw err; }",
    "    if (res.code !== 200) { throw new Error('ServiceTitan token: ' + res.code + ' ' + res.text()); }",
    "    const body = res.json();",
    "    pm.collectionVariables.set('st_access_token', body.access_token);",
    "    pm.collectionVariables.set('st_token_expires_at', String(Date.now() + body.expires_in * 1000));",
    "  });",
    "}",
];

/// QuickBooks / Xero folder pre-request: refreshes the access token (Basic client auth,
/// `grant_type=refresh_token`) when one was issued and expires within a minute. `{p}` is the
/// variable prefix (`qbo` or `xero`).
pub(super) fn refresh(prefix: &str) -> Vec<String> {
    [
        "const p = '{p}';",
        "const refresh = pm.collectionVariables.get(p + '_refresh_token');",
        "const expiresAt = Number(pm.collectionVariables.get(p + '_expires_at') || 0);",
        "if (refresh && Date.now() > expiresAt - 60000) {",
        "  const pair = pm.environment.get(p + '_client_id') + ':' + pm.environment.get(p + '_client_secret');",
        "  const basic = CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse(pair));",
        "  pm.sendRequest({",
        "    url: pm.environment.get(p + '_token_url'),",
        "    method: 'POST',",
        "    header: { 'Authorization': 'Basic ' + basic, 'Accept': 'application/json',",
        "              'Content-Type': 'application/x-www-form-urlencoded' },",
        "    body: { mode: 'urlencoded', urlencoded: [",
        "      { key: 'grant_type', value: 'refresh_token' }, { key: 'refresh_token', value: refresh } ] }",
        "  }, (err, res) => {",
        "    if (err) { throw err; }",
        "    if (res.code !== 200) { throw new Error(p + ' refresh: ' + res.code + ' ' + res.text()); }",
        "    const body = res.json();",
        "    pm.collectionVariables.set(p + '_access_token', body.access_token);",
        "    pm.collectionVariables.set(p + '_refresh_token', body.refresh_token);",
        "    pm.collectionVariables.set(p + '_expires_at', String(Date.now() + body.expires_in * 1000));",
        "  });",
        "}",
    ]
    .iter()
    .map(|line| line.replace("{p}", prefix))
    .collect()
}

/// Test of a consent approval: a redirect to the redirect URI carrying a code, kept in `{p}_code`.
pub(super) fn consent_redirect(prefix: &str) -> Vec<String> {
    [
        // QuickBooks answers 302, Xero 303.
        "pm.test('a redirect to the redirect URI with a code', () => {",
        "  pm.expect([302, 303], 'redirect status').to.include(pm.response.code);",
        "  const location = pm.response.headers.get('Location');",
        "  pm.expect(location).to.include(pm.environment.get('{p}_redirect_uri'));",
        "  const code = /[?&]code=([^&]+)/.exec(location);",
        "  pm.expect(code, location).to.not.equal(null);",
        "  pm.collectionVariables.set('{p}_code', decodeURIComponent(code[1]));",
        "});",
    ]
    .iter()
    .map(|line| line.replace("{p}", prefix))
    .collect()
}

/// Test of a code exchange: 200 with bearer tokens, kept for the requests after it.
pub(super) fn token_answer(prefix: &str) -> Vec<String> {
    [
        "pm.test('200 with an access and a refresh token', () => {",
        "  pm.response.to.have.status(200);",
        "  const body = pm.response.json();",
        "  pm.expect(body.access_token).to.be.a('string').and.not.empty;",
        "  pm.expect(body.refresh_token).to.be.a('string').and.not.empty;",
        "  pm.expect(body.expires_in).to.be.a('number');",
        "  pm.collectionVariables.set('{p}_access_token', body.access_token);",
        "  pm.collectionVariables.set('{p}_refresh_token', body.refresh_token);",
        "  pm.collectionVariables.set('{p}_expires_at', String(Date.now() + body.expires_in * 1000));",
        "});",
    ]
    .iter()
    .map(|line| line.replace("{p}", prefix))
    .collect()
}

/// A test: status `status`, then `checks` (JavaScript statements over `body`, the parsed
/// JSON answer).
pub(super) fn expect(status: u16, what: &str, checks: &[&str]) -> Vec<String> {
    let mut lines = vec![
        format!("pm.test('{status}: {what}', () => {{"),
        format!("  pm.response.to.have.status({status});"),
        "  const body = pm.response.json();".to_owned(),
    ];
    lines.extend(checks.iter().map(|c| format!("  {c}")));
    lines.push("});".to_owned());
    lines
}

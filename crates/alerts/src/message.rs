//! What an alert says, independent of the channel that carries it.

use serde::{Deserialize, Serialize};

/// The content of an alert: stored as JSON on its ledger row and rendered per channel at each
/// attempt (Slack Block Kit with a plain-text fallback, an email body, a webhook's JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// A short headline.
    pub title: String,
    /// One or more sentences; what happened and what to do.
    pub text: String,
    /// Label and value pairs (invoice, customer, balance, ...), in order.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
    /// Label and URL pairs (open in ServiceTitan, open in the books, resolve in the UI).
    #[serde(default)]
    pub links: Vec<(String, String)>,
    /// The command that deals with it, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl Message {
    /// A message with a title and text.
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            text: text.into(),
            ..Self::default()
        }
    }

    /// Adds a field.
    pub fn field(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((label.into(), value.into()));
        self
    }

    /// Adds a link.
    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.links.push((label.into(), url.into()));
        self
    }

    /// Sets the command.
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = Some(command.into());
        self
    }

    /// The whole message as plain text: the email body and Slack's notification fallback.
    pub fn plain_text(&self) -> String {
        let mut out = format!("{}\n\n{}\n", self.title, self.text);
        if !self.fields.is_empty() {
            out.push('\n');
            for (label, value) in &self.fields {
                out.push_str(&format!("{label}: {value}\n"));
            }
        }
        if let Some(command) = &self.command {
            out.push_str(&format!("\nRun: {command}\n"));
        }
        if !self.links.is_empty() {
            out.push('\n');
            for (label, url) in &self.links {
                out.push_str(&format!("{label}: {url}\n"));
            }
        }
        out
    }

    /// Slack Block Kit blocks: a header, the text, the fields, the command and the links.
    pub fn slack_blocks(&self) -> serde_json::Value {
        let mut blocks = vec![
            serde_json::json!({"type": "header",
                "text": {"type": "plain_text", "text": truncate(&self.title, 150)}}),
            serde_json::json!({"type": "section",
                "text": {"type": "mrkdwn", "text": truncate(&escape(&self.text), 3000)}}),
        ];
        // Slack allows at most 10 fields per section.
        for chunk in self.fields.chunks(10) {
            let fields: Vec<_> = chunk
                .iter()
                .map(|(l, v)| {
                    serde_json::json!({"type": "mrkdwn",
                        "text": truncate(&format!("*{}*\n{}", escape(l), escape(v)), 2000)})
                })
                .collect();
            blocks.push(serde_json::json!({"type": "section", "fields": fields}));
        }
        if let Some(command) = &self.command {
            blocks.push(serde_json::json!({"type": "section",
                "text": {"type": "mrkdwn", "text": format!("`{}`", escape(command))}}));
        }
        if !self.links.is_empty() {
            let links: Vec<String> = self
                .links
                .iter()
                .map(|(l, u)| format!("<{}|{}>", u, escape(l)))
                .collect();
            blocks.push(serde_json::json!({"type": "context",
                "elements": [{"type": "mrkdwn", "text": links.join(" · ")}]}));
        }
        serde_json::Value::Array(blocks)
    }
}

/// Slack's mrkdwn control characters, escaped as Slack documents.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_text_carries_every_part() {
        let m = Message::new("Invoice 1042 is 31 days overdue", "Balance open.")
            .field("Customer", "Acme <Plumbing>")
            .command("ledgerbridge sync")
            .link("ServiceTitan", "https://go.servicetitan.com/#/Invoice/1042");
        let text = m.plain_text();
        for part in [
            "1042",
            "Acme <Plumbing>",
            "Run: ledgerbridge sync",
            "#/Invoice/1042",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
        let blocks = m.slack_blocks().to_string();
        assert!(blocks.contains("Acme &lt;Plumbing&gt;"), "{blocks}");
    }
}

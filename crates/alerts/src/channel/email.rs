//! Email over SMTP through `lettre` on tokio with rustls: STARTTLS (required, not
//! opportunistic), implicit TLS (`smtps://`), or no TLS on a loopback host; `AUTH` when the URL
//! carries a user.

use std::time::Duration;

use lettre::message::Body;
use lettre::message::Mailbox;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::channel::{Alert, Channel, Delivered};
use crate::{ChannelError, SmtpSettings, SmtpTls};

/// An SMTP channel.
#[derive(Clone)]
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// A channel sending from `from` to `to` through `smtp`.
    pub fn new(smtp: &SmtpSettings, from: &str, to: &[String]) -> Result<Self, ChannelError> {
        let bad =
            |what: &str, e: &dyn std::fmt::Display| ChannelError::Permanent(format!("{what}: {e}"));
        let from: Mailbox = from.parse().map_err(|e| bad("from", &e))?;
        let to = to
            .iter()
            .map(|t| t.parse::<Mailbox>().map_err(|e| bad("to", &e)))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(ChannelError::Permanent("to: no recipient".into()));
        }
        let tls = match smtp.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls | SmtpTls::Implicit => {
                let params = TlsParameters::new(smtp.host.clone()).map_err(|e| bad("TLS", &e))?;
                if smtp.tls == SmtpTls::Implicit {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)));
        if let Some((user, password)) = &smtp.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            to,
        })
    }

    fn mail(&self, alert: &Alert) -> Result<lettre::Message, ChannelError> {
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(alert.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        if let Some(id) = alert.id {
            // The same Message-ID on every attempt, so a mailbox can fold a retry.
            builder = builder.message_id(Some(format!(
                "<alert-{id}-{}@ledgerbridge>",
                alert.created_at.timestamp()
            )));
        }
        for to in &self.to {
            builder = builder.to(to.clone());
        }
        // Wrapped to 76 columns the text goes as 7bit/8bit, readable as sent; lettre falls
        // back to quoted-printable when a line (a long URL) is still too long.
        let text = wrap(&alert.message.plain_text(), 76);
        let body = Body::new_with_encoding(text.clone(), ContentTransferEncoding::EightBit)
            .unwrap_or_else(|_| Body::new(text));
        builder
            .body(body)
            .map_err(|e| ChannelError::Permanent(format!("email: {e}")))
    }
}

impl Channel for EmailChannel {
    async fn send(&self, alert: &Alert) -> Result<Delivered, ChannelError> {
        let mail = self.mail(alert)?;
        match self.transport.send(mail).await {
            Ok(response) => Ok(Delivered {
                answer: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
            }),
            Err(e) if e.is_permanent() => Err(ChannelError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(ChannelError::Transient(format!("SMTP: {e}"))),
        }
    }
}

/// Greedy word wrap of each line to `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        let mut column = 0;
        for (i, word) in line.split(' ').enumerate() {
            let len = word.chars().count();
            if i > 0 && column + 1 + len > width {
                out.push('\n');
                column = 0;
            } else if i > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_keeps_words_whole() {
        assert_eq!(super::wrap("aaa bbb ccc\nd", 7), "aaa bbb\nccc\nd\n");
    }
}

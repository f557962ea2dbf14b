//! `ledgerbridge links list|set|unset|reject|suggested`: seeing and fixing how ServiceTitan records
//! are linked to accounting records. Every change is written to the audit log with who made it.

use anyhow::Context as _;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Link, RecordKey};
use ledgerbridge_reconcile::links::{
    Suggestion, reject_suggestion, set_link, suggested, unset_link,
};

use crate::args::{GlobalArgs, LinkArgs, LinksCommand, OutputFormat};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

fn entity(text: &str) -> Result<EntityKind, UsageError> {
    text.parse()
        .map_err(|e: String| UsageError(format!("--entity: {e}")))
}

/// The OS user, for the audit log's "who".
pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The record key of a tenant's record, its target taken from the config.
fn key(ctx: &Context, args: &LinkArgs) -> anyhow::Result<RecordKey> {
    let tenant = ctx
        .settings
        .tenants
        .iter()
        .find(|t| t.servicetitan_tenant == args.tenant)
        .ok_or_else(|| {
            UsageError(format!(
                "tenant {} has no [[tenants]] block in the config",
                args.tenant
            ))
        })?;
    let system: System = tenant.target.parse().map_err(UsageError)?;
    Ok(RecordKey::new(
        &args.tenant,
        entity(&args.entity)?,
        &args.servicetitan_id,
        system,
        &tenant.company,
    ))
}

pub(crate) async fn run(global: &GlobalArgs, command: LinksCommand) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    match command {
        LinksCommand::List {
            tenant,
            entity: kind,
            format,
        } => {
            let kind = kind.as_deref().map(entity).transpose()?;
            let links = ledger.links().list(&tenant, kind).await?;
            print_listing(
                format,
                &links,
                &["entity", "servicetitan id", "target", "target id", "linked"],
                |l: &Link| {
                    vec![
                        l.key.entity.to_string(),
                        l.key.servicetitan_id.clone(),
                        format!("{} {}", l.key.target_system, l.key.target_company),
                        l.target_id.clone(),
                        l.created_at.format("%Y-%m-%d %H:%M").to_string(),
                    ]
                },
            )?;
        }
        LinksCommand::Set(args) => {
            let key = key(&ctx, &args)?;
            let target_id = args
                .target_id
                .as_deref()
                .ok_or_else(|| UsageError("links set needs --to TARGET_ID".into()))?;
            let by = args.by.clone().unwrap_or_else(os_user);
            set_link(&ledger, &key, target_id, &by)
                .await
                .context("setting the link")?;
            println!(
                "{} {} of tenant {} -> {} {target_id}",
                key.entity, key.servicetitan_id, key.tenant, key.target_system
            );
        }
        LinksCommand::Unset(args) => {
            let key = key(&ctx, &args)?;
            let by = args.by.clone().unwrap_or_else(os_user);
            if unset_link(&ledger, &key, &by).await? {
                println!(
                    "unlinked {} {} of tenant {}",
                    key.entity, key.servicetitan_id, key.tenant
                );
            } else {
                anyhow::bail!(
                    "{} {} of tenant {} has no link",
                    key.entity,
                    key.servicetitan_id,
                    key.tenant
                );
            }
        }
        LinksCommand::Reject(args) => {
            let key = key(&ctx, &args)?;
            let target_id = args
                .target_id
                .as_deref()
                .ok_or_else(|| UsageError("links reject needs --to TARGET_ID".into()))?;
            let open = suggested(&ledger, &key.tenant)
                .await?
                .into_iter()
                .any(|s| s.servicetitan_id == key.servicetitan_id && s.target_id == target_id);
            if !open {
                return Err(UsageError(format!(
                    "no open match of {} {} of tenant {} to {target_id}; see `ledgerbridge links suggested --tenant {}`",
                    key.entity, key.servicetitan_id, key.tenant, key.tenant
                ))
                .into());
            }
            let by = args.by.clone().unwrap_or_else(os_user);
            reject_suggestion(&ledger, &key.tenant, &key.servicetitan_id, target_id, &by)
                .await
                .context("recording the rejection")?;
            println!(
                "rejected the match of {} {} of tenant {} to {target_id}; the next sync creates it as new",
                key.entity, key.servicetitan_id, key.tenant
            );
        }
        LinksCommand::Suggested { tenant, format } => {
            let list = suggested(&ledger, &tenant).await?;
            print_listing(
                format,
                &list,
                &["servicetitan id", "target id", "confidence", "evidence"],
                |s: &Suggestion| {
                    vec![
                        s.servicetitan_id.clone(),
                        s.target_id.clone(),
                        format!("{}%", s.confidence),
                        s.evidence.to_string(),
                    ]
                },
            )?;
            if !list.is_empty() && format == OutputFormat::Table {
                println!(
                    "Confirm one with `ledgerbridge links set --tenant {tenant} --entity customer --servicetitan-id ID --to TARGET_ID`."
                );
            }
        }
    }
    ledger.close().await;
    Ok(Exit::Ok)
}

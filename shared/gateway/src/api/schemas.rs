//! The GraphQL schema registry: store a new version of a named SDL document (validated; only by the name's
//! owner or an admin, within the caps of `crate::schema`), list, get; delete a name with all its versions
//! (the owner or an admin), give a name to another user (an admin only: the recipient is not asked).

use serde::{Deserialize, Serialize};
use synq_core::{ApiError, ErrorCode};

use super::{Context, RateCounters, Reply, not_found};
use crate::decode::decode_json;
use crate::schema::{
    SchemaUpload, SchemaVersion, may_manage, next_version, publishing_owner, validate_owner,
};
use crate::scope::Scope;
use crate::store::{GatewayStore, StoreError};

/// `PUT schemas/{name}/owner`: give the name, with every version, to another user. Only an admin: the
/// recipient is not asked, and a name given unasked would count against their cap and show them as the
/// owner of an SDL they never published. The new owner is held to the cap on names per owner
/// (`429 LIMIT_EXCEEDED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchemaOwnerChange {
    /// The user id of the new owner (a JWT's `sub`): 1–128 characters.
    pub owner: String,
}

/// `PUT schemas/{name}/owner`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaOwnership {
    /// The schema's name.
    pub name: String,
    /// Who owns it now: only they or an admin publish new versions, delete it or give it away.
    pub owner: String,
    /// Who owned it before (the same when it was theirs already; empty if it had no owner on record).
    pub previous_owner: String,
}

/// `DELETE schemas/{name}`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeletedSchema {
    /// The name, free again: anyone may publish a new version 1 under it.
    pub name: String,
    /// Who owned it (it no longer counts against their names).
    pub owner: String,
    /// How many versions were deleted.
    pub versions: u32,
}

/// `GET schemas`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaList {
    /// The newest version of every schema, without its document.
    pub schemas: Vec<SchemaSummary>,
}

/// A version without its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaSummary {
    /// Name.
    pub name: String,
    /// Newest version.
    pub version: u32,
    /// SHA-256 of its document.
    pub hash: String,
    /// Types it defines.
    pub types: u32,
    /// Who stored it: `user:<id>` or `key:<id>`.
    pub created_by: String,
    /// The user who owns the name (empty if unknown): only they or an admin publish new versions.
    pub owner: String,
    /// When.
    pub created_at: synq_core::EpochMillis,
}

/// Stores the document as the next version, if the caller owns the name (or it is new, or they are an admin);
/// the same document as the newest version is not stored again (`200` with that version instead of `201`).
pub(super) async fn create<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let principal = cx.principal()?;
    principal.require(Scope::Write)?;
    let upload: SchemaUpload = decode_json(body)?;
    let checked = upload.validate()?;
    let latest = cx.store.latest_schema(&upload.name).await?;
    let owner = publishing_owner(principal, latest.as_ref())?;
    if let Some(latest) = latest.as_ref().filter(|l| l.hash == checked.hash) {
        return Reply::ok(latest);
    }
    let schema = SchemaVersion {
        version: next_version(latest.as_ref())?,
        owner,
        name: upload.name,
        sdl: upload.sdl,
        hash: checked.hash,
        types: checked.types,
        created_by: principal.id(),
        created_at: cx.now,
    };
    match cx.store.publish_schema(&schema).await {
        Ok(()) => Reply::created(schema),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "version {} of `{}` was stored at the same moment; send it again",
                schema.version, schema.name
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn list<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
) -> Result<Reply, ApiError> {
    cx.principal()?.require(Scope::Read)?;
    let schemas = cx.store.schemas().await?;
    Reply::ok(SchemaList {
        schemas: schemas
            .into_iter()
            .map(|s| SchemaSummary {
                name: s.name,
                version: s.version,
                hash: s.hash,
                types: s.types,
                created_by: s.created_by,
                owner: s.owner,
                created_at: s.created_at,
            })
            .collect(),
    })
}

pub(super) async fn get<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    name: &str,
    version: Option<&str>,
) -> Result<Reply, ApiError> {
    cx.principal()?.require(Scope::Read)?;
    let schema = match version {
        None => cx.store.latest_schema(name).await?,
        Some(v) => {
            let v: u32 = v.parse().map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidMessage,
                    format!("`{v}` is not a version number"),
                )
                .with_field("version")
            })?;
            cx.store.schema(name, v).await?
        }
    };
    let what = match version {
        Some(v) => format!("{name}` version `{v}"),
        None => name.to_owned(),
    };
    Reply::ok(schema.ok_or_else(|| not_found("schema", &what))?)
}

/// The newest version of `name`, for a change that only its owner or an admin may make (`what`): `404` if
/// there is no such name, `403` for anyone else.
async fn managed<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    name: &str,
    what: &str,
) -> Result<SchemaVersion, ApiError> {
    let principal = cx.principal()?;
    principal.require(Scope::Write)?;
    let latest = cx
        .store
        .latest_schema(name)
        .await?
        .ok_or_else(|| not_found("schema", name))?;
    may_manage(principal, &latest, what)?;
    Ok(latest)
}

/// What a delete or transfer answers when the name changed hands (or went) between the read and the write.
fn changed_meanwhile(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        format!("schema `{name}` was deleted or given away meanwhile; read it again"),
    )
}

/// Deletes every version of the name, if it is still the owner's that was checked.
pub(super) async fn delete<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    name: &str,
) -> Result<Reply, ApiError> {
    let latest = managed(cx, name, "delete it").await?;
    match cx.store.delete_schema(name, &latest.owner).await? {
        0 => Err(changed_meanwhile(name)),
        versions => Reply::ok(DeletedSchema {
            name: latest.name,
            owner: latest.owner,
            versions,
        }),
    }
}

/// Gives the name to another user (an admin's call), if it is still the owner's that was checked and they
/// have room for it.
pub(super) async fn transfer<S: GatewayStore, C: RateCounters>(
    cx: &Context<'_, S, C>,
    name: &str,
    body: &[u8],
) -> Result<Reply, ApiError> {
    let latest = managed(cx, name, "change its owner").await?;
    let change: SchemaOwnerChange = decode_json(body)?;
    validate_owner(&change.owner)?;
    if latest.owner != change.owner {
        if !cx.principal()?.is_admin() {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!(
                    "only an admin may give schema `{name}` to another user (the recipient is not \
                     asked); its owner may delete it"
                ),
            ));
        }
        match cx
            .store
            .transfer_schema(name, &latest.owner, &change.owner)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Changed(_)) => return Err(changed_meanwhile(name)),
            Err(e) => return Err(e.into()),
        }
    }
    Reply::ok(SchemaOwnership {
        name: latest.name,
        owner: change.owner,
        previous_owner: latest.owner,
    })
}

//! The handlers: an authenticated request in, a response (or the one error shape) out. They check input
//! and roles, page, and talk to the two ports; the documents' own rules (edits, comments, history) run
//! in the session.

use synq_core::auth::{Role, SessionClaims};
use synq_core::body::invalid_field;
use synq_core::paging::{decode_cursor, encode_cursor, page_size};
use synq_core::session::Snapshot;
use synq_core::{ApiError, EpochMillis, ErrorCode, Revision};

use crate::access::{effective_role, require_editor, require_owner};
use crate::decode;
use crate::doc::{Actor, DocCall, DocRequest, DocResponse, SessionDocs};
use crate::index::{ListPosition, MergeRecord, ParticipantRecord, SessionIndex, SessionRecord};
use crate::route::{Endpoint, NoRoute, route};
use crate::wire::{
    CheckpointList, GrantView, HistoryEntry, HistoryList, MergeView, SessionList, SessionView,
};

/// Sessions listed per page unless `limit` says otherwise, and at most.
pub const SESSIONS_PAGE: (usize, usize) = (20, 100);
/// Edits listed per history page unless `limit` says otherwise, and at most.
pub const HISTORY_PAGE: (usize, usize) = (100, 1_000);

/// A request, as the Worker read it.
#[derive(Debug, Clone, Copy)]
pub struct RestRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The URL's path (percent-encoded).
    pub path: &'a str,
    /// The URL's query parameters (decoded).
    pub query: &'a [(String, String)],
    /// The body (empty if none).
    pub body: &'a [u8],
}

/// What the caller gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body; empty for `204`.
    pub body: String,
    /// The `Allow` header, for `405`.
    pub allow: Option<&'static str>,
}

impl RestResponse {
    fn json(status: u16, body: &impl serde::Serialize) -> Self {
        match serde_json::to_string(body) {
            Ok(body) => RestResponse {
                status,
                body,
                allow: None,
            },
            Err(e) => RestResponse::error(&ApiError::new(
                ErrorCode::Internal,
                format!("response serialization: {e}"),
            )),
        }
    }

    /// The one error shape.
    pub fn error(error: &ApiError) -> Self {
        RestResponse {
            status: error.code.http_status(),
            body: error.to_http_body(),
            allow: None,
        }
    }
}

/// Everything a handler needs besides the request: who calls (verified), the time, an id for anything
/// it creates (the caller's randomness: the core has none), and the two ports.
pub struct Context<'a, I, D> {
    /// The caller's verified token claims.
    pub caller: &'a SessionClaims,
    /// Now.
    pub now: EpochMillis,
    /// A fresh, unguessable session id (used if the request creates a session or branch).
    pub new_id: &'a str,
    /// The sessions index.
    pub index: &'a I,
    /// The sessions' documents.
    pub docs: &'a D,
}

/// Serves one request under `/api/v1/collaboration/`.
pub async fn handle<I: SessionIndex, D: SessionDocs>(
    request: RestRequest<'_>,
    ctx: &Context<'_, I, D>,
) -> RestResponse {
    let endpoint = match route(request.method, request.path) {
        Ok(endpoint) => endpoint,
        Err(NoRoute::NotFound) => {
            return RestResponse::error(&ApiError::new(
                ErrorCode::NotFound,
                format!("no route for {} {}", request.method, request.path),
            ));
        }
        Err(NoRoute::BadSessionId) => {
            return RestResponse::error(&ApiError::new(
                ErrorCode::NotFound,
                "no such session: a session id is 1 to 128 characters of [A-Za-z0-9._-]",
            ));
        }
        Err(NoRoute::MethodNotAllowed(allow)) => {
            let error = ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} takes {allow}, not {}", request.path, request.method),
            );
            return RestResponse {
                allow: Some(allow),
                ..RestResponse::error(&error)
            };
        }
    };
    serve(endpoint, request, ctx)
        .await
        .unwrap_or_else(|error| RestResponse::error(&error))
}

async fn serve<I: SessionIndex, D: SessionDocs>(
    endpoint: Endpoint,
    request: RestRequest<'_>,
    ctx: &Context<'_, I, D>,
) -> Result<RestResponse, ApiError> {
    let body = request.body;
    if !matches!(
        endpoint,
        Endpoint::ListSessions | Endpoint::History(_) | Endpoint::Document(_)
    ) {
        // Only the listing and reading endpoints take parameters.
        decode::params(request.query, &[])?;
    }
    match endpoint {
        Endpoint::CreateSession => create_session(ctx, body).await,
        Endpoint::ListSessions => list_sessions(ctx, request.query).await,
        Endpoint::GetSession(id) => get_session(ctx, &id).await,
        Endpoint::UpdateSession(id) => update_session(ctx, &id, body).await,
        Endpoint::AddParticipant(id) => add_participant(ctx, &id, body).await,
        Endpoint::RemoveParticipant(id, user) => remove_participant(ctx, &id, &user).await,
        Endpoint::Presence(id) => {
            let update = decode::presence(body)?;
            let request = DocRequest::Presence {
                cursor: update.cursor,
                selection: update.selection,
                user_info: update.user_info,
            };
            document_call(ctx, &id, |_| Ok(request), 200).await
        }
        Endpoint::Edit(id) => {
            let edit = decode::edit(body)?;
            let request = DocRequest::Edit {
                operation: edit.operation,
                version: edit.version,
                operation_id: edit.operation_id,
            };
            document_call(ctx, &id, |_| Ok(request), 200).await
        }
        Endpoint::Comment(id) => {
            let comment = decode::comment(body)?;
            let request = DocRequest::Comment {
                line: comment.line,
                text: comment.text,
                operation_id: comment
                    .operation_id
                    .unwrap_or_else(|| ctx.new_id.to_owned()),
            };
            document_call(ctx, &id, |_| Ok(request), 201).await
        }
        Endpoint::History(id) => history(ctx, &id, request.query).await,
        Endpoint::Document(id) => {
            let params = decode::params(request.query, &["revision", "checkpoint"])?;
            let request = DocRequest::Document {
                revision: decode::revision_param(&params, "revision")?,
                checkpoint: params.get("checkpoint").map(|c| (*c).to_owned()),
            };
            document_call(ctx, &id, |_| Ok(request), 200).await
        }
        Endpoint::ListCheckpoints(id) => {
            let (_, role) = access(ctx, &id).await?;
            match call(ctx, &id, role, DocRequest::Checkpoints {}).await? {
                DocResponse::Checkpoints { checkpoints } => {
                    Ok(RestResponse::json(200, &CheckpointList { checkpoints }))
                }
                other => Err(unexpected(&other)),
            }
        }
        Endpoint::CreateCheckpoint(id) => {
            let checkpoint = decode::checkpoint(body)?;
            let request = DocRequest::CreateCheckpoint {
                name: checkpoint.name,
                revision: checkpoint.revision,
            };
            document_call(
                ctx,
                &id,
                |role| require_editor(role, "make checkpoints").map(|()| request),
                201,
            )
            .await
        }
        Endpoint::Branch(id) => branch(ctx, &id, body).await,
        Endpoint::Merge(id) => {
            decode::merge(body)?;
            merge(ctx, &id).await
        }
    }
}

fn no_session(id: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no session `{id}`"))
}

fn unexpected(response: &DocResponse) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("the session answered something else: {response:?}"),
    )
}

/// The session's record and the caller's effective role in it: `NOT_FOUND` if it is not indexed,
/// `FORBIDDEN` if the caller has no role.
async fn access<I: SessionIndex, D>(
    ctx: &Context<'_, I, D>,
    id: &str,
) -> Result<(SessionRecord, Role), ApiError> {
    let record = ctx.index.session(id).await?.ok_or_else(|| no_session(id))?;
    let granted = ctx
        .index
        .participant(id, &ctx.caller.sub)
        .await?
        .map(|p| p.role);
    let role = effective_role(ctx.caller.role_in(id), granted).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Forbidden,
            format!("`{}` has no role in session `{id}`", ctx.caller.sub),
        )
    })?;
    Ok((record, role))
}

async fn call<I, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    role: Role,
    request: DocRequest,
) -> Result<DocResponse, ApiError> {
    let call = DocCall {
        session_id: id.to_owned(),
        actor: Actor {
            user_id: ctx.caller.sub.clone(),
            role,
            name: ctx.caller.name.clone(),
        },
        request,
    };
    ctx.docs.call(&call).await
}

/// Checks access, builds the request for the caller's role, asks the session and answers its response
/// with `status` (the session's own answer is the body).
async fn document_call<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    request: impl FnOnce(Role) -> Result<DocRequest, ApiError>,
    status: u16,
) -> Result<RestResponse, ApiError> {
    let (_, role) = access(ctx, id).await?;
    let response = call(ctx, id, role, request(role)?).await?;
    Ok(match response {
        DocResponse::Document(document) => RestResponse::json(status, &document),
        DocResponse::Applied(applied) => RestResponse::json(status, &applied),
        DocResponse::Presence(view) => RestResponse::json(status, &view),
        DocResponse::Comment(thread) => RestResponse::json(status, &thread),
        DocResponse::Checkpoint(info) => RestResponse::json(status, &info),
        other => return Err(unexpected(&other)),
    })
}

async fn create_session<I: SessionIndex, D>(
    ctx: &Context<'_, I, D>,
    body: &[u8],
) -> Result<RestResponse, ApiError> {
    let new = decode::new_session(body)?;
    let record = SessionRecord {
        session_id: ctx.new_id.to_owned(),
        title: new.title,
        description: new.description,
        created_by: ctx.caller.sub.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
        parent_id: None,
        base_revision: None,
        merged: None,
    };
    index_new_session(ctx, record).await
}

/// Indexes a new session with the caller as its owner; `201` with its view.
async fn index_new_session<I: SessionIndex, D>(
    ctx: &Context<'_, I, D>,
    record: SessionRecord,
) -> Result<RestResponse, ApiError> {
    let owner = ParticipantRecord {
        session_id: record.session_id.clone(),
        user_id: ctx.caller.sub.clone(),
        role: Role::Owner,
        added_by: ctx.caller.sub.clone(),
        added_at: ctx.now,
    };
    ctx.index.create(&record, &owner).await?;
    let mut view = SessionView::of(record, Role::Owner);
    view.participants = Some(vec![owner.into()]);
    Ok(RestResponse::json(201, &view))
}

async fn list_sessions<I: SessionIndex, D>(
    ctx: &Context<'_, I, D>,
    query: &[(String, String)],
) -> Result<RestResponse, ApiError> {
    let params = decode::params(query, &["limit", "cursor"])?;
    let (default, max) = SESSIONS_PAGE;
    let limit = page_size(params.get("limit").copied(), default, max)?;
    let after: Option<ListPosition> = params.get("cursor").map(|c| decode_cursor(c)).transpose()?;
    let mut rows = ctx
        .index
        .sessions_of(&ctx.caller.sub, after.as_ref(), limit + 1)
        .await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(last, _)| {
            encode_cursor(&ListPosition {
                created_at: last.created_at,
                session_id: last.session_id.clone(),
            })
        })
    } else {
        None
    };
    let sessions = rows
        .into_iter()
        .map(|(record, granted)| {
            let token = ctx.caller.role_in(&record.session_id);
            let role = effective_role(token, Some(granted)).unwrap_or(granted);
            SessionView::of(record, role)
        })
        .collect();
    Ok(RestResponse::json(
        200,
        &SessionList {
            sessions,
            next_cursor,
        },
    ))
}

async fn get_session<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
) -> Result<RestResponse, ApiError> {
    let (record, role) = access(ctx, id).await?;
    let revision = match call(ctx, id, role, DocRequest::Head {}).await? {
        DocResponse::Head { revision } => revision,
        other => return Err(unexpected(&other)),
    };
    let participants = ctx.index.participants(id).await?;
    let mut view = SessionView::of(record, role);
    view.revision = Some(revision);
    view.participants = Some(participants.into_iter().map(GrantView::from).collect());
    Ok(RestResponse::json(200, &view))
}

async fn update_session<I: SessionIndex, D>(
    ctx: &Context<'_, I, D>,
    id: &str,
    body: &[u8],
) -> Result<RestResponse, ApiError> {
    let changes = decode::session_changes(body)?;
    let (mut record, role) = access(ctx, id).await?;
    require_owner(role, "change the session")?;
    if let Some(title) = changes.title {
        record.title = title;
    }
    if let Some(description) = changes.description {
        record.description = description;
    }
    record.updated_at = ctx.now;
    ctx.index.update(&record).await?;
    Ok(RestResponse::json(200, &SessionView::of(record, role)))
}

/// `CONFLICT`: the session keeps one granted owner.
fn last_owner(id: &str, user_id: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Conflict,
        format!("`{user_id}` is the only owner of `{id}`; make someone else owner first"),
    )
}

async fn add_participant<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    body: &[u8],
) -> Result<RestResponse, ApiError> {
    let grant = decode::grant(body)?;
    let (_, role) = access(ctx, id).await?;
    require_owner(role, "add participants")?;
    let before = ctx.index.participant(id, &grant.user_id).await?;
    let record = ParticipantRecord {
        session_id: id.to_owned(),
        user_id: grant.user_id,
        role: grant.role,
        added_by: ctx.caller.sub.clone(),
        added_at: ctx.now,
    };
    if !ctx.index.put_participant(&record).await? {
        return Err(last_owner(id, &record.user_id));
    }
    regrant(ctx, id, role, &record.user_id, Some(record.role)).await?;
    let status = if before.is_some() { 200 } else { 201 };
    Ok(RestResponse::json(status, &GrantView::from(record)))
}

async fn remove_participant<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    user_id: &str,
) -> Result<RestResponse, ApiError> {
    let user_id = decode::id("user_id", user_id.to_owned())?;
    let (_, role) = access(ctx, id).await?;
    if user_id != ctx.caller.sub {
        require_owner(role, "remove other participants")?;
    }
    let granted = ctx.index.participant(id, &user_id).await?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("`{user_id}` has no granted role in `{id}`"),
        )
        .with_field("user_id")
    })?;
    if !ctx.index.remove_participant(id, &user_id).await? {
        return Err(if granted.role == Role::Owner {
            last_owner(id, &user_id)
        } else {
            ApiError::new(
                ErrorCode::NotFound,
                format!("`{user_id}` has no granted role in `{id}`"),
            )
            .with_field("user_id")
        });
    }
    regrant(ctx, id, role, &user_id, None).await?;
    Ok(RestResponse {
        status: 204,
        body: String::new(),
        allow: None,
    })
}

/// Tells the session that `user_id`'s grant is now `granted`, so their open sockets take the role they
/// now have (or close when they have none) instead of keeping the one they opened with.
async fn regrant<I, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    role: Role,
    user_id: &str,
    granted: Option<Role>,
) -> Result<(), ApiError> {
    let request = DocRequest::Regrant {
        user_id: user_id.to_owned(),
        role: granted,
    };
    match call(ctx, id, role, request).await? {
        DocResponse::Head { .. } => Ok(()),
        other => Err(unexpected(&other)),
    }
}

/// The history cursor: where the next page starts and where the range ends.
type HistoryPosition = (Revision, Option<Revision>);

async fn history<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    query: &[(String, String)],
) -> Result<RestResponse, ApiError> {
    let params = decode::params(query, &["from", "to", "limit", "cursor"])?;
    let (default, max) = HISTORY_PAGE;
    let limit = page_size(params.get("limit").copied(), default, max)?;
    let (from, to) = match params.get("cursor") {
        Some(cursor) => {
            if params.contains_key("from") || params.contains_key("to") {
                return Err(invalid_field(
                    "cursor",
                    "a cursor carries its range: give `cursor` or `from`/`to`, not both",
                ));
            }
            let (from, to): HistoryPosition = decode_cursor(cursor)?;
            (Some(from), to)
        }
        None => (
            decode::revision_param(&params, "from")?,
            decode::revision_param(&params, "to")?,
        ),
    };
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(invalid_field("to", "`to` is at or after `from`"));
    }
    let (_, role) = access(ctx, id).await?;
    let request = DocRequest::History { from, to, limit };
    let (edits, next) = match call(ctx, id, role, request).await? {
        DocResponse::History { edits, next } => (edits, next),
        other => return Err(unexpected(&other)),
    };
    let list = HistoryList {
        edits: edits.into_iter().map(HistoryEntry::from).collect(),
        next_cursor: next.map(|next| encode_cursor(&(next, to))),
    };
    Ok(RestResponse::json(200, &list))
}

async fn branch<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
    body: &[u8],
) -> Result<RestResponse, ApiError> {
    let new = decode::branch(body)?;
    let (parent, role) = access(ctx, id).await?;
    require_editor(role, "branch this session")?;
    let at = DocRequest::Document {
        revision: new.revision,
        checkpoint: new.checkpoint,
    };
    let fork: Snapshot = match call(ctx, id, role, at).await? {
        DocResponse::Document(document) => document,
        other => return Err(unexpected(&other)),
    };
    let seed = DocRequest::Seed {
        revision: fork.revision,
        content: fork.content,
    };
    // The branch's document exists before its index row: a failure in between leaves an unlisted
    // session nobody can reach, never a listed one without its document.
    call(ctx, ctx.new_id, Role::Owner, seed).await?;
    let record = SessionRecord {
        session_id: ctx.new_id.to_owned(),
        title: new
            .title
            .unwrap_or_else(|| format!("{} (branch at {})", parent.title, fork.revision)),
        description: String::new(),
        created_by: ctx.caller.sub.clone(),
        created_at: ctx.now,
        updated_at: ctx.now,
        parent_id: Some(parent.session_id),
        base_revision: Some(fork.revision),
        merged: None,
    };
    index_new_session(ctx, record).await
}

async fn merge<I: SessionIndex, D: SessionDocs>(
    ctx: &Context<'_, I, D>,
    id: &str,
) -> Result<RestResponse, ApiError> {
    let (branch, branch_role) = access(ctx, id).await?;
    let (Some(parent_id), Some(base)) = (branch.parent_id.clone(), branch.base_revision) else {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("`{id}` is not a branch: only a branch merges into its parent"),
        ));
    };
    if let Some(merged) = &branch.merged {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "`{id}` was merged into `{parent_id}` already (revision {}, by {}); branch again to merge more",
                merged.revision, merged.merged_by
            ),
        ));
    }
    let (_, parent_role) = access(ctx, &parent_id).await?;
    require_editor(parent_role, "merge into this session")?;
    let edits = match call(ctx, id, branch_role, DocRequest::EditsSince { base }).await? {
        DocResponse::Edits { edits } => edits,
        other => return Err(unexpected(&other)),
    };
    let request = DocRequest::Merge {
        branch_id: id.to_owned(),
        base,
        edits,
    };
    let outcome = match call(ctx, &parent_id, parent_role, request).await? {
        DocResponse::Merged(outcome) => outcome,
        other => return Err(unexpected(&other)),
    };
    let record = MergeRecord {
        merged_by: ctx.caller.sub.clone(),
        merged_at: ctx.now,
        revision: outcome.revision,
    };
    // A concurrent merge may have recorded itself first; the parent applied the edits once either way.
    ctx.index.mark_merged(id, &record).await?;
    Ok(RestResponse::json(
        200,
        &MergeView {
            parent_id,
            merged: outcome.merged,
            first_revision: outcome.first_revision,
            revision: outcome.revision,
        },
    ))
}

//! The sessions index on D1 (binding `DB`; schema in `migrations/`): `synq_collab::SessionIndex`.

use serde::Deserialize;
use synq_collab::{
    IndexError, ListPosition, MergeRecord, ParticipantRecord, SessionIndex, SessionRecord,
};
use synq_core::auth::Role;
use synq_core::{EpochMillis, Revision};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

use crate::d1::{database, number, rows_changed, text};

const SESSION_COLUMNS: &str = "s.session_id, s.title, s.description, s.created_by, s.created_at, \
     s.updated_at, s.parent_id, s.base_revision, s.merged_by, s.merged_at, s.merged_revision";

pub(crate) struct D1Index {
    db: D1Database,
}

impl D1Index {
    pub(crate) fn new(env: &Env) -> Result<Self, IndexError> {
        database(env)
            .map(|db| D1Index { db })
            .map_err(IndexError::Backend)
    }

    fn statement(
        &self,
        query: &str,
        params: &[JsValue],
    ) -> Result<D1PreparedStatement, IndexError> {
        self.db.prepare(query).bind(params).map_err(backend)
    }
}

fn backend(e: worker::Error) -> IndexError {
    IndexError::Backend(e.to_string())
}

#[derive(Deserialize)]
struct SessionRow {
    session_id: String,
    title: String,
    description: String,
    created_by: String,
    created_at: u64,
    updated_at: u64,
    parent_id: Option<String>,
    base_revision: Option<u64>,
    merged_by: Option<String>,
    merged_at: Option<u64>,
    merged_revision: Option<u64>,
    #[serde(default)]
    granted_role: Option<Role>,
}

impl SessionRow {
    fn record(self) -> SessionRecord {
        let merged = match (self.merged_by, self.merged_at, self.merged_revision) {
            (Some(merged_by), Some(at), Some(revision)) => Some(MergeRecord {
                merged_by,
                merged_at: EpochMillis(at),
                revision: Revision(revision),
            }),
            _ => None,
        };
        SessionRecord {
            session_id: self.session_id,
            title: self.title,
            description: self.description,
            created_by: self.created_by,
            created_at: EpochMillis(self.created_at),
            updated_at: EpochMillis(self.updated_at),
            parent_id: self.parent_id,
            base_revision: self.base_revision.map(Revision),
            merged,
        }
    }
}

#[derive(Deserialize)]
struct ParticipantRow {
    session_id: String,
    user_id: String,
    role: Role,
    added_by: String,
    added_at: u64,
}

impl From<ParticipantRow> for ParticipantRecord {
    fn from(row: ParticipantRow) -> Self {
        ParticipantRecord {
            session_id: row.session_id,
            user_id: row.user_id,
            role: row.role,
            added_by: row.added_by,
            added_at: EpochMillis(row.added_at),
        }
    }
}

/// A guard (on session `?1`, user `?2`) that holds while someone other than the user is a granted owner:
/// demoting or removing an owner happens only under it, in the same statement, so the session always
/// keeps one.
const OTHER_OWNERS: &str = "EXISTS (SELECT 1 FROM participants o \
     WHERE o.session_id = ?1 AND o.role = 'owner' AND o.user_id <> ?2)";

fn participant_statement(
    index: &D1Index,
    p: &ParticipantRecord,
) -> Result<D1PreparedStatement, IndexError> {
    index.statement(
        &format!(
            "INSERT INTO participants (session_id, user_id, role, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (session_id, user_id) DO UPDATE SET role = ?3, added_by = ?4, added_at = ?5 \
             WHERE ?3 = 'owner' OR participants.role <> 'owner' OR {OTHER_OWNERS}"
        ),
        &[
            text(&p.session_id),
            text(&p.user_id),
            text(p.role.as_str()),
            text(&p.added_by),
            number(p.added_at.0),
        ],
    )
}

async fn changes(statement: D1PreparedStatement) -> Result<usize, IndexError> {
    let result = statement.run().await.map_err(backend)?;
    rows_changed(&result).map_err(backend)
}

/// The session row's insert, `ON CONFLICT` the given clause (empty: a conflict fails).
fn session_statement(
    index: &D1Index,
    session: &SessionRecord,
    on_conflict: &str,
) -> Result<D1PreparedStatement, IndexError> {
    index.statement(
        &format!(
            "INSERT INTO sessions (session_id, title, description, created_by, created_at, updated_at, \
             parent_id, base_revision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {on_conflict}"
        ),
        &[
            text(&session.session_id),
            text(&session.title),
            text(&session.description),
            text(&session.created_by),
            number(session.created_at.0),
            number(session.updated_at.0),
            session.parent_id.as_deref().map_or(JsValue::NULL, text),
            session
                .base_revision
                .map_or(JsValue::NULL, |r| number(r.0)),
        ],
    )
}

impl SessionIndex for D1Index {
    async fn create(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<(), IndexError> {
        let insert = session_statement(self, session, "")?;
        // A batch is one transaction: the session and its owner, or neither.
        self.db
            .batch(vec![insert, participant_statement(self, owner)?])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn create_if_absent(
        &self,
        session: &SessionRecord,
        owner: &ParticipantRecord,
    ) -> Result<bool, IndexError> {
        let insert = session_statement(self, session, "ON CONFLICT (session_id) DO NOTHING")?;
        // An indexed session always has a granted owner (the last one cannot be removed), so a session
        // with none is the one just inserted: an existing session's owners are never joined by another.
        let owner = self.statement(
            "INSERT INTO participants (session_id, user_id, role, added_by, added_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS \
             (SELECT 1 FROM participants WHERE session_id = ?1)",
            &[
                text(&owner.session_id),
                text(&owner.user_id),
                text(owner.role.as_str()),
                text(&owner.added_by),
                number(owner.added_at.0),
            ],
        )?;
        // One transaction, as in `create`.
        let results = self.db.batch(vec![insert, owner]).await.map_err(backend)?;
        let added = results
            .first()
            .map(rows_changed)
            .transpose()
            .map_err(backend)?;
        Ok(added.unwrap_or(0) > 0)
    }

    async fn session(&self, session_id: &str) -> Result<Option<SessionRecord>, IndexError> {
        let query = format!("SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.session_id = ?1");
        let row: Option<SessionRow> = self
            .statement(&query, &[text(session_id)])?
            .first(None)
            .await
            .map_err(backend)?;
        Ok(row.map(SessionRow::record))
    }

    async fn update(&self, session: &SessionRecord) -> Result<(), IndexError> {
        let statement = self.statement(
            "UPDATE sessions SET title = ?2, description = ?3, updated_at = ?4 WHERE session_id = ?1",
            &[
                text(&session.session_id),
                text(&session.title),
                text(&session.description),
                number(session.updated_at.0),
            ],
        )?;
        changes(statement).await.map(drop)
    }

    async fn mark_merged(&self, session_id: &str, merge: &MergeRecord) -> Result<bool, IndexError> {
        let statement = self.statement(
            "UPDATE sessions SET merged_by = ?2, merged_at = ?3, merged_revision = ?4 \
             WHERE session_id = ?1 AND merged_at IS NULL",
            &[
                text(session_id),
                text(&merge.merged_by),
                number(merge.merged_at.0),
                number(merge.revision.0),
            ],
        )?;
        Ok(changes(statement).await? > 0)
    }

    async fn participants(&self, session_id: &str) -> Result<Vec<ParticipantRecord>, IndexError> {
        let rows: Vec<ParticipantRow> = self
            .statement(
                "SELECT session_id, user_id, role, added_by, added_at FROM participants \
                 WHERE session_id = ?1 ORDER BY user_id",
                &[text(session_id)],
            )?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)?;
        Ok(rows.into_iter().map(ParticipantRecord::from).collect())
    }

    async fn participant(
        &self,
        session_id: &str,
        user_id: &str,
    ) -> Result<Option<ParticipantRecord>, IndexError> {
        let row: Option<ParticipantRow> = self
            .statement(
                "SELECT session_id, user_id, role, added_by, added_at FROM participants \
                 WHERE session_id = ?1 AND user_id = ?2",
                &[text(session_id), text(user_id)],
            )?
            .first(None)
            .await
            .map_err(backend)?;
        Ok(row.map(ParticipantRecord::from))
    }

    async fn put_participant(&self, participant: &ParticipantRecord) -> Result<bool, IndexError> {
        Ok(changes(participant_statement(self, participant)?).await? > 0)
    }

    async fn remove_participant(
        &self,
        session_id: &str,
        user_id: &str,
    ) -> Result<bool, IndexError> {
        let statement = self.statement(
            &format!(
                "DELETE FROM participants WHERE session_id = ?1 AND user_id = ?2 \
                 AND (role <> 'owner' OR {OTHER_OWNERS})"
            ),
            &[text(session_id), text(user_id)],
        )?;
        Ok(changes(statement).await? > 0)
    }

    async fn sessions_of(
        &self,
        user_id: &str,
        after: Option<&ListPosition>,
        limit: usize,
    ) -> Result<Vec<(SessionRecord, Role)>, IndexError> {
        let query = format!(
            "SELECT {SESSION_COLUMNS}, p.role AS granted_role FROM participants p \
             JOIN sessions s ON s.session_id = p.session_id \
             WHERE p.user_id = ?1 AND (?2 IS NULL OR s.created_at < ?2 \
                   OR (s.created_at = ?2 AND s.session_id < ?3)) \
             ORDER BY s.created_at DESC, s.session_id DESC LIMIT ?4"
        );
        let params = [
            text(user_id),
            after.map_or(JsValue::NULL, |a| number(a.created_at.0)),
            after.map_or(JsValue::NULL, |a| text(&a.session_id)),
            number(u64::try_from(limit).unwrap_or(u64::MAX)),
        ];
        let rows: Vec<SessionRow> = self
            .statement(&query, &params)?
            .all()
            .await
            .and_then(|r| r.results())
            .map_err(backend)?;
        rows.into_iter()
            .map(|row| {
                let role = row.granted_role.ok_or_else(|| {
                    IndexError::Corrupt(format!(
                        "session `{}` listed without a role",
                        row.session_id
                    ))
                })?;
                Ok((row.record(), role))
            })
            .collect()
    }
}

//! The session's internal route for API key changes: the API Worker, having revoked or rotated a key,
//! posts a `synq_gateway::key_sockets::KeySocketChange` to `/keys` on each session the key opened sockets
//! on. Connections opened with that key are closed (revoked: the engine lets them go first, so the others
//! are told) or get the key's new expiry, and the alarm is set for it; every other connection is
//! untouched. Answers `{"closed": n, "updated": n}`.
//!
//! The session also remembers the change, in its storage (`synq_gateway::recent_key_changes`): the
//! Worker may have noted a socket of the key, and forwarded its upgrade, just before the change; that
//! upgrade can reach the session after it. A join with a remembered key is refused (revoked) or gets the
//! grace end as its expiry (rotated) ([`Session::admit_key_join`]). If the change cannot be remembered,
//! the live sockets still get it but the answer is `INTERNAL`, so the Worker logs the failure and keeps
//! the key's notes for a retry.
//!
//! A key that simply expires is told to no session: when a socket opens with a key that has an expiry, the
//! alarm is set for it ([`watch_key_expiry`]), and the key's sockets are closed then.
//!
//! The object has one alarm, which the session engine uses too. Both only ever bring it forward
//! ([`Session::wake_by`]), and an alarm that comes early is harmless to both: the engine finds nothing
//! due and asks again, and [`Session::end_expired_key_sockets`] re-arms for the next key expiry.

use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::key_sockets::{KEY_EXPIRED_CLOSE, KeySocketChange, SocketAction, closes_at};
use synq_gateway::recent_key_changes::{admit_join, remember};
use worker::{Request, Response, Result, Storage, console_warn};

use super::{Session, WakeBy, now, storage_error};
use crate::connection::Connection;
use crate::error_response;

/// The internal path.
pub(super) const PATH: &str = "/keys";

impl Session {
    pub(super) async fn serve_key_change(&self, mut req: Request) -> Result<Response> {
        let change: KeySocketChange = match req.json().await {
            Ok(change) => change,
            Err(e) => {
                let error =
                    ApiError::new(ErrorCode::InvalidMessage, format!("not a key change: {e}"));
                return error_response(&error);
            }
        };
        // Before anything awaits: a join handled from here on finds the change.
        let remembered = self.remember_key_change(&change);
        let (mut closed, mut updated) = (0u32, 0u32);
        let mut wake = None;
        for ws in self.state.get_websockets() {
            let Ok(Some(mut connection)) = self.sockets.get(&ws) else {
                continue;
            };
            let expires_at = connection.participant.expires_at;
            match change.action(connection.key.as_deref(), expires_at) {
                None => {}
                Some(SocketAction::Close(code, reason)) => {
                    let forgotten = self.forget(&ws);
                    self.wake(forgotten).await;
                    if let Err(e) = ws.close(Some(code), Some(reason)) {
                        console_warn!("session: closing a revoked key's socket failed: {e}");
                    }
                    closed += 1;
                }
                Some(SocketAction::ExpireAt(at)) => {
                    connection.participant.expires_at = Some(at);
                    if let Err(e) = self.sockets.keep(&ws, &connection) {
                        console_warn!("session: re-dating a rotated key's socket failed: {e}");
                    }
                    updated += 1;
                    wake = Some(wake.map_or(at, |earliest: EpochMillis| earliest.min(at)));
                }
            }
        }
        if let Some(at) = wake
            && let Err(e) = self.wake_by(at).await
        {
            console_warn!("session: setting the alarm for a key's grace end failed: {e}");
        }
        if let Err(error) = remembered {
            return error_response(&error);
        }
        Response::from_json(&serde_json::json!({ "closed": closed, "updated": updated }))
    }

    fn remember_key_change(&self, change: &KeySocketChange) -> std::result::Result<(), ApiError> {
        let store = self.store()?;
        let remembered = store.told_key_changes().map_err(storage_error)?;
        let remembering = remember(&remembered, change.clone(), now());
        store
            .remember_key_change(&remembering)
            .map_err(storage_error)
    }

    /// At a socket's opening with a key: a change of the key the session was told lately applies to the
    /// join too (the Worker's check may have passed just before it). Refused (401) if the key was revoked
    /// (or its rotation's grace period is over); for a rotated key, the connection expires at the grace
    /// end. A storage failure refuses the join: the change might be there.
    pub(super) fn admit_key_join(
        &self,
        connection: &mut Connection,
    ) -> std::result::Result<(), ApiError> {
        let Some(key_id) = connection.key.as_deref() else {
            return Ok(());
        };
        let told = self
            .store()?
            .told_key_change(key_id)
            .map_err(storage_error)?;
        let participant = &mut connection.participant;
        participant.expires_at = admit_join(told.as_ref(), key_id, participant.expires_at, now())?;
        Ok(())
    }

    /// Sets the alarm for `at` unless it is already set sooner. An alarm not after now is the one running
    /// (or about to): it does not count.
    pub(super) async fn wake_by(&self, at: EpochMillis) -> Result<()> {
        wake_storage_by(&self.state.storage(), at).await
    }

    /// At an alarm: closes the connections opened with a key whose credential has ended (a key that
    /// expired, a rotated key's after its grace period, even if they stay silent), and sets the alarm for
    /// the next such end.
    pub(super) async fn end_expired_key_sockets(&self) {
        let at = now();
        let mut next: Option<EpochMillis> = None;
        for ws in self.state.get_websockets() {
            let Ok(Some(connection)) = self.sockets.get(&ws) else {
                continue;
            };
            match closes_at(connection.key.as_deref(), connection.participant.expires_at) {
                Some(end) if end <= at => {
                    let forgotten = self.forget(&ws);
                    self.wake(forgotten).await;
                    let (code, reason) = KEY_EXPIRED_CLOSE;
                    if let Err(e) = ws.close(Some(code), Some(reason)) {
                        console_warn!("session: closing an expired key's socket failed: {e}");
                    }
                }
                Some(end) => next = Some(next.map_or(end, |earliest| earliest.min(end))),
                None => {}
            }
        }
        if let Some(end) = next
            && let Err(e) = self.wake_by(end).await
        {
            console_warn!("session: setting the alarm for a key's expiry failed: {e}");
        }
    }
}

/// At a socket's opening: if it was opened with a key that expires, the alarm must come by then, so that
/// the socket is closed even if it stays silent (no one tells the session that a key expired).
pub(super) fn watch_key_expiry(connection: &Connection, wake: &mut WakeBy) {
    if let Some(end) = closes_at(connection.key.as_deref(), connection.participant.expires_at) {
        wake.by(end);
    }
}

/// [`Session::wake_by`] on a storage handle the caller owns (for a Promise that outlives the event's
/// borrow of the session).
pub(super) async fn wake_storage_by(storage: &Storage, at: EpochMillis) -> Result<()> {
    let millis = |t: EpochMillis| i64::try_from(t.0).unwrap_or(i64::MAX);
    let sooner = storage
        .get_alarm()
        .await?
        .is_some_and(|pending| pending > millis(now()) && pending <= millis(at));
    if !sooner {
        let offset_ms = i64::try_from(at.0.saturating_sub(now().0)).unwrap_or(i64::MAX);
        storage.set_alarm(offset_ms).await?;
    }
    Ok(())
}

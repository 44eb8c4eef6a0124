//! The key changes a session was told lately, remembered so that a join racing a change does not miss
//! it. The Worker notes a key's socket (refused if the key is no longer usable) and then forwards the
//! upgrade; a revocation or rotation that commits between the two reaches the session (`/keys`) before
//! the upgrade does, finds no socket of the key yet, and no one tells the session again. So the session
//! keeps every change it is told for [`REMEMBER_MS`] (in its storage, which outlives hibernation) and
//! applies it to a join with that key ([`admit_join`]):
//! - **revoked**: the join is refused (401 `UNAUTHORIZED`);
//! - **rotated**: the connection's credential expiry moves to the end of the grace period (never later
//!   than the expiry it came with), or the join is refused if that end has passed.
//!
//! One change is kept per key (the stricter of those told, [`remember`]), and at most
//! [`MAX_REMEMBERED`] per session: the most recently told, stale ones forgotten whenever another is told.

use synq_core::{ApiError, EpochMillis, ErrorCode};

use crate::key_sockets::{KeySocketChange, SocketAction};

/// How long a session remembers a change it was told: 5 minutes. What it covers is the time from the
/// Worker's note of a socket to the upgrade reaching the session — one request from the Worker to the
/// Durable Object, under a second even when a cold session must start — so a change older than this
/// cannot belong to a join still on its way, and its key's later joins are refused by the Worker itself.
pub const REMEMBER_MS: u64 = 5 * 60 * 1000;

/// The most changes a session keeps (the most recently told): a few tens of KiB of storage at most. It
/// takes this many other keys, all with sockets on the session and all changed within
/// [`REMEMBER_MS`], to push a change out before it is stale.
pub const MAX_REMEMBERED: usize = 256;

/// A change a session was told, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToldChange {
    /// The change.
    pub change: KeySocketChange,
    /// When the session was told.
    pub told_at: EpochMillis,
}

impl ToldChange {
    /// Whether it is too old to belong to a join still on its way ([`REMEMBER_MS`]).
    pub fn is_stale(&self, now: EpochMillis) -> bool {
        now.0 >= self.told_at.0.saturating_add(REMEMBER_MS)
    }
}

/// What a session stores when it is told `change` at `now`, having remembered `remembered`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembering {
    /// The key's change to keep (replacing any the key had).
    pub keep: ToldChange,
    /// The keys whose changes to forget: stale ones, and the oldest told beyond [`MAX_REMEMBERED`].
    pub forget: Vec<String>,
}

/// Remembers `change`, told at `now`, beside `remembered`. A key's change already remembered (and not
/// stale) is merged into it, the stricter winning: a revocation stays a revocation, and of two expiries
/// the sooner stays.
pub fn remember(
    remembered: &[ToldChange],
    change: KeySocketChange,
    now: EpochMillis,
) -> Remembering {
    let earlier = remembered
        .iter()
        .find(|told| told.change.key_id() == change.key_id() && !told.is_stale(now));
    let change = match (earlier.map(|told| &told.change), change) {
        (Some(revoked @ KeySocketChange::Revoked { .. }), _) => revoked.clone(),
        (
            Some(KeySocketChange::Expires { at: before, .. }),
            KeySocketChange::Expires { key_id, at },
        ) => KeySocketChange::Expires {
            key_id,
            at: at.min(*before),
        },
        (_, change) => change,
    };
    let mut others: Vec<&ToldChange> = remembered
        .iter()
        .filter(|told| told.change.key_id() != change.key_id())
        .collect();
    // Newest first: what is left past the bound (the new change takes one place) is the oldest.
    others.sort_by_key(|told| std::cmp::Reverse(told.told_at));
    let forget = others
        .iter()
        .enumerate()
        .filter(|(kept, told)| told.is_stale(now) || *kept + 1 >= MAX_REMEMBERED)
        .map(|(_, told)| told.change.key_id().to_owned())
        .collect();
    Remembering {
        keep: ToldChange {
            change,
            told_at: now,
        },
        forget,
    }
}

/// What the session does to a join at `now` with key `key_id`, whose credential expires at `expires_at`,
/// given the change it remembers for that key: the join's credential expiry, or its refusal. A stale
/// change, or one about another key, changes nothing.
pub fn admit_join(
    told: Option<&ToldChange>,
    key_id: &str,
    expires_at: Option<EpochMillis>,
    now: EpochMillis,
) -> Result<Option<EpochMillis>, ApiError> {
    let action = told
        .filter(|told| !told.is_stale(now))
        .and_then(|told| told.change.action(Some(key_id), expires_at));
    match action {
        None => Ok(expires_at),
        Some(SocketAction::Close(..)) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("API key `{key_id}` was revoked"),
        )),
        Some(SocketAction::ExpireAt(at)) if at <= now => Err(ApiError::new(
            ErrorCode::Unauthorized,
            format!("API key `{key_id}` has expired (its rotation's grace period is over)"),
        )),
        Some(SocketAction::ExpireAt(at)) => Ok(Some(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789ab";
    const NOW: EpochMillis = EpochMillis(1_000_000);

    fn revoked(key_id: &str) -> KeySocketChange {
        KeySocketChange::Revoked {
            key_id: key_id.into(),
        }
    }

    fn expires(key_id: &str, at: u64) -> KeySocketChange {
        KeySocketChange::Expires {
            key_id: key_id.into(),
            at: EpochMillis(at),
        }
    }

    fn told(change: KeySocketChange, at: u64) -> ToldChange {
        ToldChange {
            change,
            told_at: EpochMillis(at),
        }
    }

    #[test]
    fn a_revoked_keys_join_is_refused_with_401() {
        let told = told(revoked(KEY), NOW.0 - 1_000);
        let error = admit_join(Some(&told), KEY, None, NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthorized);
        assert_eq!(error.code.http_status(), 401);
        assert_eq!(error.message, "API key `0123456789ab` was revoked");
        let error = admit_join(Some(&told), KEY, Some(EpochMillis(NOW.0 + 1)), NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthorized, "whatever its expiry");
    }

    #[test]
    fn a_rotated_keys_join_expires_at_the_grace_end_never_later() {
        let end = NOW.0 + 60_000;
        let told = told(expires(KEY, end), NOW.0 - 1_000);
        assert_eq!(
            admit_join(Some(&told), KEY, None, NOW).unwrap(),
            Some(EpochMillis(end)),
            "a key without expiry gets the grace end"
        );
        let later = Some(EpochMillis(end + 1));
        assert_eq!(
            admit_join(Some(&told), KEY, later, NOW).unwrap(),
            Some(EpochMillis(end))
        );
        let sooner = Some(EpochMillis(end - 1));
        assert_eq!(
            admit_join(Some(&told), KEY, sooner, NOW).unwrap(),
            sooner,
            "an earlier expiry stays"
        );
    }

    #[test]
    fn a_rotated_keys_join_after_the_grace_end_is_refused() {
        let told = told(expires(KEY, NOW.0), NOW.0 - 1_000);
        let error = admit_join(Some(&told), KEY, None, NOW).unwrap_err();
        assert_eq!(error.code, ErrorCode::Unauthorized);
        assert!(error.message.contains("grace period"), "{}", error.message);
    }

    #[test]
    fn a_stale_or_unrelated_change_changes_nothing() {
        let expiry = Some(EpochMillis(NOW.0 + 5));
        let stale = told(revoked(KEY), NOW.0 - REMEMBER_MS);
        assert!(stale.is_stale(NOW));
        assert_eq!(admit_join(Some(&stale), KEY, expiry, NOW).unwrap(), expiry);
        let fresh = told(revoked(KEY), NOW.0 - REMEMBER_MS + 1);
        assert!(!fresh.is_stale(NOW));
        assert!(admit_join(Some(&fresh), KEY, expiry, NOW).is_err());
        let other = told(revoked("ba9876543210"), NOW.0);
        assert_eq!(admit_join(Some(&other), KEY, expiry, NOW).unwrap(), expiry);
        assert_eq!(admit_join(None, KEY, expiry, NOW).unwrap(), expiry);
    }

    #[test]
    fn a_keys_changes_merge_to_the_stricter() {
        let rotated = [told(expires(KEY, NOW.0 + 60_000), NOW.0 - 10)];
        let merged = remember(&rotated, revoked(KEY), NOW);
        assert_eq!(merged.keep, told(revoked(KEY), NOW.0));
        assert!(merged.forget.is_empty(), "the key's row is replaced");

        let revoked_before = [told(revoked(KEY), NOW.0 - 10)];
        let merged = remember(&revoked_before, expires(KEY, NOW.0 + 60_000), NOW);
        assert_eq!(merged.keep.change, revoked(KEY), "a revocation stays");

        let merged = remember(&rotated, expires(KEY, NOW.0 + 90_000), NOW);
        assert_eq!(
            merged.keep.change,
            expires(KEY, NOW.0 + 60_000),
            "the sooner end"
        );

        let stale = [told(revoked(KEY), NOW.0 - REMEMBER_MS)];
        let merged = remember(&stale, expires(KEY, NOW.0 + 60_000), NOW);
        assert_eq!(
            merged.keep.change,
            expires(KEY, NOW.0 + 60_000),
            "a stale change is not merged"
        );
    }

    #[test]
    fn stale_changes_are_forgotten_when_another_is_told() {
        let remembered = [
            told(revoked("aaaaaaaaaaaa"), NOW.0 - REMEMBER_MS),
            told(revoked("bbbbbbbbbbbb"), NOW.0 - 1),
        ];
        let remembering = remember(&remembered, revoked(KEY), NOW);
        assert_eq!(remembering.forget, vec!["aaaaaaaaaaaa".to_owned()]);
    }

    #[test]
    fn at_most_max_remembered_are_kept_the_oldest_told_go() {
        let key = |i: usize| format!("{i:012x}");
        let full: Vec<ToldChange> = (0..MAX_REMEMBERED)
            .map(|i| told(revoked(&key(i)), NOW.0 - 1_000 + i as u64))
            .collect();
        let remembering = remember(&full, revoked(KEY), NOW);
        assert_eq!(remembering.forget, vec![key(0)], "the oldest told");
        assert_eq!(remembering.keep.change.key_id(), KEY);

        // Told again about a key it remembers: nothing else goes.
        let again = remember(&full, revoked(&key(0)), NOW);
        assert!(again.forget.is_empty());

        // Whatever was stored, what is left never exceeds the bound.
        let over: Vec<ToldChange> = (0..MAX_REMEMBERED + 10)
            .map(|i| told(revoked(&key(i)), NOW.0 - 1_000 + i as u64))
            .collect();
        let remembering = remember(&over, revoked(KEY), NOW);
        assert_eq!(over.len() + 1 - remembering.forget.len(), MAX_REMEMBERED);
        assert!(remembering.forget.contains(&key(10)));
        assert!(!remembering.forget.contains(&key(11)));
    }
}

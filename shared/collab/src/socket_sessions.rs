//! Sessions opened by WebSocket alone (no REST create): the index learns of one at its owner's first
//! join, so that the REST API (get, list, grants…) finds it. Nobody gains anything in a session that is
//! indexed already.

use synq_core::EpochMillis;
use synq_core::auth::Role;

use crate::index::{IndexError, ParticipantRecord, SessionIndex, SessionRecord};

/// At a socket join of `session_id` by `user_id`, whose credentials give `token_role` there and who is
/// granted `granted`: indexes the session, titled by its id, with the user as its owner — if the token
/// says the user owns it, the credentials may write, and the session is not indexed yet. `true` if it
/// did. (Over REST whoever creates a session owns it, but the server picks its id; a socket names its
/// own, so only a token that already makes the user its owner may claim it.)
pub async fn index_on_join<I: SessionIndex>(
    index: &I,
    join: &SocketJoin<'_>,
    now: EpochMillis,
) -> Result<bool, IndexError> {
    // A grant exists only in an indexed session: nothing to do, and no write on the way in.
    if join.token_role != Some(Role::Owner) || join.read_only || join.granted.is_some() {
        return Ok(false);
    }
    let record = SessionRecord {
        session_id: join.session_id.to_owned(),
        title: join.session_id.to_owned(),
        description: String::new(),
        created_by: join.user_id.to_owned(),
        created_at: now,
        updated_at: now,
        parent_id: None,
        base_revision: None,
        merged: None,
    };
    let owner = ParticipantRecord {
        session_id: join.session_id.to_owned(),
        user_id: join.user_id.to_owned(),
        role: Role::Owner,
        added_by: join.user_id.to_owned(),
        added_at: now,
    };
    index.create_if_absent(&record, &owner).await
}

/// Who joins a session's socket, as [`index_on_join`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct SocketJoin<'a> {
    /// The session.
    pub session_id: &'a str,
    /// The user (the credentials' `sub`).
    pub user_id: &'a str,
    /// The role the credentials give in the session by themselves.
    pub token_role: Option<Role>,
    /// The role granted in the index, if any.
    pub granted: Option<Role>,
    /// The credentials may only read (an API key without `write`).
    pub read_only: bool,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::index::MemoryIndex;

    fn block_on<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the memory index never waits"),
        }
    }

    fn join<'a>(
        user_id: &'a str,
        token_role: Option<Role>,
        granted: Option<Role>,
    ) -> SocketJoin<'a> {
        SocketJoin {
            session_id: "ws-only",
            user_id,
            token_role,
            granted,
            read_only: false,
        }
    }

    #[test]
    fn the_first_owner_by_token_indexes_a_socket_session_and_nobody_gains_one_that_is_indexed() {
        let index = MemoryIndex::default();
        let now = EpochMillis(7);
        let indexes = |join: SocketJoin<'_>| block_on(index_on_join(&index, &join, now)).unwrap();
        // Not an owner by token, or read-only credentials: nothing.
        assert!(!indexes(join("ed", Some(Role::Editor), None)));
        let read_only = SocketJoin {
            read_only: true,
            ..join("olga", Some(Role::Owner), None)
        };
        assert!(!indexes(read_only));
        assert_eq!(block_on(index.session("ws-only")).unwrap(), None);

        assert!(indexes(join("olga", Some(Role::Owner), None)));
        let record = block_on(index.session("ws-only")).unwrap().unwrap();
        assert_eq!(
            (record.title.as_str(), record.created_by.as_str()),
            ("ws-only", "olga")
        );
        let listed = block_on(index.sessions_of("olga", None, 10)).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1, Role::Owner);

        // Another owner by token joining later gains no grant; the first owner's joins write nothing.
        assert!(!indexes(join("mallory", Some(Role::Owner), None)));
        assert!(!indexes(join("olga", Some(Role::Owner), Some(Role::Owner))));
        let participants = block_on(index.participants("ws-only")).unwrap();
        assert_eq!(participants.len(), 1);
        assert_eq!(participants[0].user_id, "olga");
    }
}

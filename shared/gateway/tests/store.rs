#![allow(clippy::unwrap_used)]
//! The store's conditional writes on both adapters — `MemoryStore`, and `SqlStore` over a real SQLite with
//! the Worker's D1 migrations — as two requests racing through the Worker would interleave them: each
//! reads a key (or a schema's newest version), then writes what it decided from that read (a publish, a
//! delete or a transfer of a schema name). And the migration that gave schema names their owners, over rows
//! written before it.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::types::{Value as SqliteValue, ValueRef};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use synq_core::{ApiError, EpochMillis, ErrorCode};
use synq_gateway::keys::{ApiKey, KEY_ENTROPY, KeyGrant, KeyStatus};
use synq_gateway::schema::{MAX_SCHEMAS_PER_OWNER, SchemaVersion};
use synq_gateway::sql_store::{SqlDatabase, SqlStore, SqlValue, Statement};
use synq_gateway::store::KEY_SOCKET_RETENTION_MS;
use synq_gateway::{GatewayStore, MemoryStore, Scope, Scopes, StoreError};

const NOW: EpochMillis = EpochMillis(1_800_000_000_000);
const MIGRATIONS: [&str; 3] = [
    include_str!("../../../functions/api-worker/migrations/0020_gateway.sql"),
    include_str!("../../../functions/api-worker/migrations/0021_gateway_key_sockets.sql"),
    include_str!("../../../functions/api-worker/migrations/0022_gateway_schema_owners.sql"),
];

/// Both stores answer at once, so one poll finishes every future.
fn run<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a store future was pending"),
    }
}

/// SQLite in memory as the core's `SqlDatabase`, with foreign keys on as in D1.
struct Sqlite(RefCell<rusqlite::Connection>);

impl Sqlite {
    /// A database with the first `count` migrations applied.
    fn migrated_to(count: usize) -> Sqlite {
        let connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch("PRAGMA foreign_keys = ON;")
            .unwrap();
        for migration in &MIGRATIONS[..count] {
            connection.execute_batch(migration).unwrap();
        }
        Sqlite(RefCell::new(connection))
    }

    fn migrated() -> SqlStore<Sqlite> {
        SqlStore(Sqlite::migrated_to(MIGRATIONS.len()))
    }
}

fn params(statement: &Statement) -> Vec<SqliteValue> {
    let integer = |n: u64| SqliteValue::Integer(i64::try_from(n).unwrap());
    statement
        .params
        .iter()
        .map(|p| match p {
            SqlValue::Null => SqliteValue::Null,
            SqlValue::Integer(n) => integer(*n),
            SqlValue::Text(s) => SqliteValue::Text(s.clone()),
        })
        .collect()
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqlDatabase for Sqlite {
    async fn execute(&self, statement: &Statement) -> Result<usize, StoreError> {
        let connection = self.0.borrow();
        let values = rusqlite::params_from_iter(params(statement));
        connection.execute(&statement.sql, values).map_err(backend)
    }

    async fn rows<T: DeserializeOwned>(&self, statement: &Statement) -> Result<Vec<T>, StoreError> {
        let connection = self.0.borrow();
        let mut prepared = connection.prepare(&statement.sql).map_err(backend)?;
        let names: Vec<String> = prepared
            .column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut rows = prepared
            .query(rusqlite::params_from_iter(params(statement)))
            .map_err(backend)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(backend)? {
            let mut object = Map::new();
            for (i, name) in names.iter().enumerate() {
                let value = match row.get_ref(i).map_err(backend)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => n.into(),
                    ValueRef::Real(x) => x.into(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                    ValueRef::Blob(_) => panic!("no blobs in the gateway's tables"),
                };
                object.insert(name.clone(), value);
            }
            out.push(serde_json::from_value(Value::Object(object)).unwrap());
        }
        Ok(out)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<usize>, StoreError> {
        let mut connection = self.0.borrow_mut();
        let transaction = connection.transaction().map_err(backend)?;
        let mut changed = Vec::new();
        for statement in statements {
            let values = rusqlite::params_from_iter(params(statement));
            changed.push(
                transaction
                    .execute(&statement.sql, values)
                    .map_err(backend)?,
            );
        }
        transaction.commit().map_err(backend)?;
        Ok(changed)
    }
}

fn issue(store: &impl GatewayStore, seed: u8, expires_at: Option<EpochMillis>) -> ApiKey {
    let grant = KeyGrant {
        owner: "alice".into(),
        name: "ci".into(),
        scopes: Scopes::new([Scope::Read]),
        expires_at,
    };
    let (key, _) = ApiKey::issue(grant, &[seed; KEY_ENTROPY], NOW);
    run(store.insert_key(&key)).unwrap();
    key
}

fn stored(store: &impl GatewayStore, id: &str) -> Option<ApiKey> {
    run(store.key(id)).unwrap()
}

fn a_rotation_read_before_a_revocation_loses_with_409(store: &impl GatewayStore) {
    let key = issue(store, 1, None);
    let mut read_by_rotation = stored(store, &key.id).unwrap();
    let revoked_at = EpochMillis(NOW.0 + 5);
    run(store.revoke_key(&key.id, revoked_at)).unwrap().unwrap();

    let (new, _) = read_by_rotation
        .rotate(60_000, &[2; KEY_ENTROPY], EpochMillis(NOW.0 + 6))
        .unwrap();
    let lost = run(store.rotate_key(&read_by_rotation, &new)).unwrap_err();
    assert!(matches!(lost, StoreError::Changed(_)), "{lost:?}");
    let answer = ApiError::from(lost);
    assert_eq!(
        (answer.code, answer.code.http_status()),
        (ErrorCode::Conflict, 409)
    );

    let after = stored(store, &key.id).unwrap();
    assert_eq!(after.revoked_at, Some(revoked_at), "still revoked");
    assert_eq!((after.expires_at, after.replaced_by), (None, None));
    assert_eq!(stored(store, &new.id), None, "the new key did not stay");
}

fn of_two_rotations_read_together_one_wins(store: &impl GatewayStore) {
    let key = issue(store, 1, None);
    let (mut first, mut second) = (
        stored(store, &key.id).unwrap(),
        stored(store, &key.id).unwrap(),
    );
    let (winner, _) = first.rotate(60_000, &[2; KEY_ENTROPY], NOW).unwrap();
    let (loser, _) = second.rotate(1_000, &[3; KEY_ENTROPY], NOW).unwrap();
    run(store.rotate_key(&first, &winner)).unwrap();
    let lost = run(store.rotate_key(&second, &loser)).unwrap_err();
    assert!(matches!(lost, StoreError::Changed(_)), "{lost:?}");
    let after = stored(store, &key.id).unwrap();
    assert_eq!(after.replaced_by.as_deref(), Some(winner.id.as_str()));
    assert_eq!(after.expires_at, Some(EpochMillis(NOW.0 + 60_000)));
    assert!(stored(store, &winner.id).is_some() && stored(store, &loser.id).is_none());
}

fn a_revocation_read_before_a_rotation_keeps_it(store: &impl GatewayStore) {
    let key = issue(store, 1, None);
    let mut rotating = stored(store, &key.id).unwrap();
    let (new, _) = rotating.rotate(60_000, &[2; KEY_ENTROPY], NOW).unwrap();
    run(store.rotate_key(&rotating, &new)).unwrap();
    let revoked = run(store.revoke_key(&key.id, EpochMillis(NOW.0 + 1)))
        .unwrap()
        .unwrap();
    assert_eq!(revoked.status(NOW), KeyStatus::Revoked);
    assert_eq!(revoked.replaced_by.as_deref(), Some(new.id.as_str()));
    assert_eq!(revoked.expires_at, Some(EpochMillis(NOW.0 + 60_000)));
    // Revoking again keeps the first time; an unknown key is none.
    let again = run(store.revoke_key(&key.id, EpochMillis(NOW.0 + 9))).unwrap();
    assert_eq!(again.unwrap().revoked_at, Some(EpochMillis(NOW.0 + 1)));
    assert_eq!(run(store.revoke_key("0123456789ab", NOW)).unwrap(), None);
}

fn a_taken_id_changes_nothing(store: &impl GatewayStore) {
    let key = issue(store, 1, None);
    let taken = issue(store, 2, None);
    let mut old = stored(store, &key.id).unwrap();
    let (mut clash, _) = old.rotate(60_000, &[3; KEY_ENTROPY], NOW).unwrap();
    clash.id.clone_from(&taken.id);
    old.replaced_by = Some(taken.id.clone());
    let e = run(store.rotate_key(&old, &clash)).unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    assert_eq!(stored(store, &key.id).unwrap(), key);
    assert_eq!(stored(store, &taken.id).unwrap(), taken);
}

fn key_socket_notes_go_with_their_key(store: &impl GatewayStore) {
    let lasting = issue(store, 1, None);
    let revoked = issue(store, 2, None);
    let expiring = issue(store, 3, Some(EpochMillis(NOW.0 + 1_000)));
    for key in [&lasting, &revoked, &expiring] {
        assert!(run(store.note_key_socket(&key.id, "s1", NOW)).unwrap());
    }
    assert!(run(store.note_key_socket(&lasting.id, "s2", NOW)).unwrap());
    assert_eq!(run(store.key_sockets(&lasting.id)).unwrap(), ["s1", "s2"]);

    // A revoked or expired key is noted no more (a stale cached copy cannot open a socket); its notes
    // stay for the retention (to tell the sessions again; idle sockets may linger), then go.
    let expired = EpochMillis(NOW.0 + 1_000);
    run(store.revoke_key(&revoked.id, expired)).unwrap();
    assert!(!run(store.note_key_socket(&revoked.id, "s3", expired)).unwrap());
    assert!(!run(store.note_key_socket(&expiring.id, "s3", expired)).unwrap());
    assert_eq!(run(store.key_sockets(&revoked.id)).unwrap(), ["s1"]);
    assert_eq!(run(store.key_sockets(&expiring.id)).unwrap(), ["s1"]);
    let retained = EpochMillis(expired.0 + KEY_SOCKET_RETENTION_MS);
    let before = EpochMillis(retained.0 - 1);
    assert!(run(store.note_key_socket(&lasting.id, "s3", before)).unwrap());
    assert_eq!(run(store.key_sockets(&revoked.id)).unwrap(), ["s1"]);
    assert!(run(store.note_key_socket(&lasting.id, "s4", retained)).unwrap());
    assert!(run(store.key_sockets(&revoked.id)).unwrap().is_empty());
    assert!(run(store.key_sockets(&expiring.id)).unwrap().is_empty());
    assert_eq!(
        run(store.key_sockets(&lasting.id)).unwrap(),
        ["s1", "s2", "s3", "s4"]
    );

    run(store.forget_key_sockets(&lasting.id)).unwrap();
    assert!(run(store.key_sockets(&lasting.id)).unwrap().is_empty());
}

fn version(name: &str, version: u32, owner: &str, created_by: &str) -> SchemaVersion {
    SchemaVersion {
        name: name.into(),
        version,
        sdl: format!("type Query {{ v{version}: Int }}"),
        hash: format!("{version:064x}"),
        types: 1,
        created_by: created_by.into(),
        owner: owner.into(),
        created_at: NOW,
    }
}

fn publish(store: &impl GatewayStore, schema: &SchemaVersion) -> Result<(), StoreError> {
    run(store.publish_schema(schema))
}

fn only_the_owner_adds_versions_and_only_in_order(store: &impl GatewayStore) {
    publish(store, &version("ide", 1, "alice", "user:alice")).unwrap();
    // Another user's version 2 (as a request that read no owner, or forged one, would write it) is refused
    // by the store itself, as is a gap.
    let lost = publish(store, &version("ide", 2, "bob", "user:bob")).unwrap_err();
    assert!(matches!(lost, StoreError::Changed(_)), "{lost:?}");
    assert_eq!(ApiError::from(lost).code.http_status(), 409);
    let gap = publish(store, &version("ide", 3, "alice", "user:alice")).unwrap_err();
    assert!(matches!(gap, StoreError::Changed(_)), "{gap:?}");
    // The owner's version 2 goes in, also through a key; the same version again is a conflict.
    publish(store, &version("ide", 2, "alice", "key:0123456789ab")).unwrap();
    let taken = publish(store, &version("ide", 2, "alice", "user:alice")).unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken:?}");
    let latest = run(store.latest_schema("ide")).unwrap().unwrap();
    assert_eq!(
        (
            latest.version,
            latest.owner.as_str(),
            latest.created_by.as_str()
        ),
        (2, "alice", "key:0123456789ab")
    );
    assert_eq!(run(store.schemas()).unwrap()[0].owner, "alice");
}

fn two_first_versions_read_together_leave_one_owner(store: &impl GatewayStore) {
    publish(store, &version("shared", 1, "alice", "user:alice")).unwrap();
    let lost = publish(store, &version("shared", 1, "bob", "user:bob")).unwrap_err();
    assert!(matches!(lost, StoreError::Conflict(_)), "{lost:?}");
    let stored = run(store.schema("shared", 1)).unwrap().unwrap();
    assert_eq!(stored.owner, "alice");
}

/// A refusal past a fixed cap: `LimitReached`, answered `429 LIMIT_EXCEEDED` with a message saying `needle`.
fn over_the_cap(refused: StoreError, needle: &str) {
    assert!(
        matches!(refused, StoreError::LimitReached(_)),
        "{refused:?}"
    );
    let answer = ApiError::from(refused);
    assert_eq!(
        (answer.code, answer.code.http_status()),
        (ErrorCode::LimitExceeded, 429)
    );
    assert!(answer.message.contains(needle), "{}", answer.message);
}

fn an_owner_has_at_most_the_capped_number_of_names(store: &impl GatewayStore) {
    for i in 0..MAX_SCHEMAS_PER_OWNER {
        publish(store, &version(&format!("s{i}"), 1, "alice", "user:alice")).unwrap();
    }
    // Later versions of owned names do not count as names.
    publish(store, &version("s0", 2, "alice", "user:alice")).unwrap();
    let full = publish(store, &version("one-more", 1, "alice", "user:alice")).unwrap_err();
    over_the_cap(full, "owns 50 schemas");
    assert_eq!(run(store.latest_schema("one-more")).unwrap(), None);
    publish(store, &version("one-more", 1, "bob", "user:bob")).unwrap();
}

fn owners(store: &impl GatewayStore, name: &str) -> Vec<String> {
    (1..=3)
        .filter_map(|v| run(store.schema(name, v)).unwrap())
        .map(|s| s.owner)
        .collect()
}

fn a_delete_takes_every_version_and_frees_the_name(store: &impl GatewayStore) {
    publish(store, &version("ide", 1, "alice", "user:alice")).unwrap();
    publish(store, &version("ide", 2, "alice", "user:root")).unwrap();
    publish(store, &version("other", 1, "alice", "user:alice")).unwrap();
    // Conditional on the owner the caller read: another owner deletes nothing.
    assert_eq!(run(store.delete_schema("ide", "bob")).unwrap(), 0);
    assert_eq!(owners(store, "ide"), ["alice", "alice"]);
    assert_eq!(run(store.delete_schema("ide", "alice")).unwrap(), 2);
    assert_eq!(run(store.latest_schema("ide")).unwrap(), None);
    assert_eq!(run(store.delete_schema("ide", "alice")).unwrap(), 0);
    assert!(
        run(store.latest_schema("other")).unwrap().is_some(),
        "other names stay"
    );
    // A version from a read before the delete is refused; the name is anyone's again.
    let stale = publish(store, &version("ide", 3, "alice", "user:alice")).unwrap_err();
    assert!(matches!(stale, StoreError::Changed(_)), "{stale:?}");
    publish(store, &version("ide", 1, "bob", "user:bob")).unwrap();
    assert_eq!(owners(store, "ide"), ["bob"]);
}

fn a_deleted_name_counts_no_more(store: &impl GatewayStore) {
    for i in 0..MAX_SCHEMAS_PER_OWNER {
        publish(store, &version(&format!("s{i}"), 1, "alice", "user:alice")).unwrap();
    }
    let full = publish(store, &version("one-more", 1, "alice", "user:alice")).unwrap_err();
    over_the_cap(full, "owns 50 schemas");
    assert_eq!(run(store.delete_schema("s7", "alice")).unwrap(), 1);
    publish(store, &version("one-more", 1, "alice", "user:alice")).unwrap();
}

fn a_transfer_moves_every_version(store: &impl GatewayStore) {
    publish(store, &version("ide", 1, "alice", "user:alice")).unwrap();
    publish(store, &version("ide", 2, "alice", "user:alice")).unwrap();
    run(store.transfer_schema("ide", "alice", "bob")).unwrap();
    assert_eq!(owners(store, "ide"), ["bob", "bob"]);
    // The old owner's next version (from a read before the transfer) is refused, the new owner's goes in.
    let stale = publish(store, &version("ide", 3, "alice", "user:alice")).unwrap_err();
    assert!(matches!(stale, StoreError::Changed(_)), "{stale:?}");
    publish(store, &version("ide", 3, "bob", "user:bob")).unwrap();
    // A transfer or a delete read before this one changes nothing: 409.
    let lost = run(store.transfer_schema("ide", "alice", "carol")).unwrap_err();
    assert!(matches!(lost, StoreError::Changed(_)), "{lost:?}");
    assert_eq!(ApiError::from(lost).code.http_status(), 409);
    assert_eq!(run(store.delete_schema("ide", "alice")).unwrap(), 0);
    assert_eq!(owners(store, "ide"), ["bob", "bob", "bob"]);
    let gone = run(store.transfer_schema("nothing", "alice", "bob")).unwrap_err();
    assert!(matches!(gone, StoreError::Changed(_)), "{gone:?}");
}

fn a_transfer_holds_the_new_owner_to_the_cap(store: &impl GatewayStore) {
    for i in 1..MAX_SCHEMAS_PER_OWNER {
        publish(store, &version(&format!("b{i}"), 1, "bob", "user:bob")).unwrap();
    }
    publish(store, &version("a1", 1, "alice", "user:alice")).unwrap();
    publish(store, &version("a2", 1, "alice", "user:alice")).unwrap();
    // Bob owns 49: he may take one more name, and then no other.
    run(store.transfer_schema("a1", "alice", "bob")).unwrap();
    let full = run(store.transfer_schema("a2", "alice", "bob")).unwrap_err();
    over_the_cap(full, "cannot be given to them");
    assert_eq!(owners(store, "a2"), ["alice"]);
    // Giving a name back frees its place; a name given away counts for its new owner only.
    run(store.transfer_schema("a1", "bob", "alice")).unwrap();
    run(store.transfer_schema("a2", "alice", "bob")).unwrap();
    for i in 1..MAX_SCHEMAS_PER_OWNER {
        publish(store, &version(&format!("c{i}"), 1, "alice", "user:alice")).unwrap();
    }
    let alice_full = publish(store, &version("a-more", 1, "alice", "user:alice")).unwrap_err();
    over_the_cap(alice_full, "owns 50 schemas");
}

/// A test that runs `scenario` on a fresh store of each kind.
macro_rules! on_both_stores {
    ($($test:ident: $scenario:ident;)*) => {$(
        #[test]
        fn $test() {
            $scenario(&Sqlite::migrated());
            $scenario(&MemoryStore::default());
        }
    )*};
}

on_both_stores! {
    a_rotation_from_a_stale_read_never_undoes_a_revocation: a_rotation_read_before_a_revocation_loses_with_409;
    concurrent_rotations_of_one_key_leave_one_successor: of_two_rotations_read_together_one_wins;
    a_revocation_writes_only_itself: a_revocation_read_before_a_rotation_keeps_it;
    a_rotation_onto_a_taken_id_is_a_conflict_and_changes_nothing: a_taken_id_changes_nothing;
    key_socket_notes_are_refused_for_dead_keys_and_pruned: key_socket_notes_go_with_their_key;
    schema_versions_follow_their_owner: only_the_owner_adds_versions_and_only_in_order;
    a_name_raced_for_has_one_owner: two_first_versions_read_together_leave_one_owner;
    schema_names_per_owner_are_capped: an_owner_has_at_most_the_capped_number_of_names;
    a_schema_name_is_deleted_whole_only_from_its_read_owner: a_delete_takes_every_version_and_frees_the_name;
    a_deleted_schema_name_frees_its_owners_place: a_deleted_name_counts_no_more;
    a_transferred_schema_name_follows_its_new_owner: a_transfer_moves_every_version;
    a_transfer_respects_the_new_owners_cap: a_transfer_holds_the_new_owner_to_the_cap;
}

#[test]
fn the_owner_migration_gives_old_names_their_first_publisher() {
    let db = Sqlite::migrated_to(2);
    let insert = |sql: &str| db.0.borrow().execute_batch(sql).unwrap();
    insert(
        "INSERT INTO gateway_keys (key_id, owner, name, scopes, hash, created_at) \
         VALUES ('0123456789ab', 'carol', 'ci', '[\"write\"]', 'h', 0)",
    );
    for (name, version, created_by) in [
        ("by-user", 1, "user:alice"),
        ("by-user", 2, "key:0123456789ab"),
        ("by-key", 1, "key:0123456789ab"),
        ("by-key", 2, "user:alice"),
        ("by-lost-key", 1, "key:000000000000"),
    ] {
        insert(&format!(
            "INSERT INTO gateway_schemas (name, version, sdl, hash, types, created_by, created_at) \
             VALUES ('{name}', {version}, 'type Query {{ a: Int }}', 'h', 1, '{created_by}', 0)"
        ));
    }
    db.0.borrow().execute_batch(MIGRATIONS[2]).unwrap();
    let store = SqlStore(db);
    let owner = |name: &str, v: u32| run(store.schema(name, v)).unwrap().unwrap().owner;
    // Every version carries the owner of version 1: a user as named, a key's owner for a key.
    assert_eq!(
        (owner("by-user", 1), owner("by-user", 2)),
        ("alice".into(), "alice".into())
    );
    assert_eq!(
        (owner("by-key", 1), owner("by-key", 2)),
        ("carol".into(), "carol".into())
    );
    assert_eq!(owner("by-lost-key", 1), "");
    // The backfilled owner publishes on, and nobody else; an unowned name stays unowned (only an admin
    // passes the handler's check for it).
    publish(&store, &version("by-key", 3, "carol", "user:carol")).unwrap();
    let other = publish(&store, &version("by-key", 4, "alice", "user:alice")).unwrap_err();
    assert!(matches!(other, StoreError::Changed(_)), "{other:?}");
    publish(&store, &version("by-lost-key", 2, "", "user:root")).unwrap();
}

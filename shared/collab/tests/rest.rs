//! The collaboration REST API against the in-memory index and in-memory sessions (the same `serve` the
//! Durable Object runs): every endpoint with the right role, the wrong role, bad input and a missing
//! session; paging; checkpoints, branches and merges.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use serde_json::{Value, json};
use synq_collab::{Context, MemoryDocs, MemoryIndex, RestRequest, handle};
use synq_core::EpochMillis;
use synq_core::auth::{Role, SessionClaims};
use synq_core::session::SessionConfig;

/// Runs a future that never waits (the memory ports answer at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory ports never wait"),
    }
}

struct Api {
    index: MemoryIndex,
    docs: MemoryDocs,
    ids: Cell<u32>,
    now: Cell<u64>,
}

struct Reply {
    status: u16,
    json: Value,
    allow: Option<&'static str>,
}

impl Reply {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_default()
    }

    fn field(&self) -> &str {
        self.json["error"]["field"].as_str().unwrap_or_default()
    }
}

fn user(sub: &str, roles: &[(&str, Role)]) -> SessionClaims {
    SessionClaims {
        sub: sub.to_owned(),
        name: Some(sub.to_uppercase()),
        roles: roles
            .iter()
            .map(|(s, r)| ((*s).to_owned(), *r))
            .collect::<HashMap<_, _>>(),
    }
}

const P: &str = "/api/v1/collaboration";

impl Api {
    fn new() -> Self {
        Api {
            index: MemoryIndex::default(),
            docs: MemoryDocs::new(SessionConfig {
                edits_per_minute: u32::MAX,
                ..SessionConfig::default()
            }),
            ids: Cell::new(0),
            now: Cell::new(1_000),
        }
    }

    fn call(&self, who: &SessionClaims, method: &str, path: &str, body: &str) -> Reply {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let query: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        self.ids.set(self.ids.get() + 1);
        self.now.set(self.now.get() + 1);
        self.docs.set_now(EpochMillis(self.now.get()));
        let new_id = format!("s{:03}", self.ids.get());
        let ctx = Context {
            caller: who,
            now: EpochMillis(self.now.get()),
            new_id: &new_id,
            index: &self.index,
            docs: &self.docs,
        };
        let path = format!("{P}{path}");
        let request = RestRequest {
            method,
            path: &path,
            query: &query,
            body: body.as_bytes(),
        };
        let response = block_on(handle(request, &ctx));
        let json = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&response.body).unwrap()
        };
        if response.status >= 400 {
            assert!(
                json["error"]["code"].is_string() && json["error"]["message"].is_string(),
                "{json}"
            );
        }
        Reply {
            status: response.status,
            json,
            allow: response.allow,
        }
    }

    /// A new session owned by `owner`; its id.
    fn session(&self, owner: &SessionClaims, title: &str) -> String {
        let r = self.call(
            owner,
            "POST",
            "/sessions",
            &json!({"title": title}).to_string(),
        );
        assert_eq!(r.status, 201, "{}", r.json);
        r.json["session_id"].as_str().unwrap().to_owned()
    }

    fn grant(&self, owner: &SessionClaims, id: &str, user: &str, role: &str) {
        let body = json!({"user_id": user, "role": role}).to_string();
        let r = self.call(
            owner,
            "POST",
            &format!("/sessions/{id}/participants"),
            &body,
        );
        assert!(r.status == 201 || r.status == 200, "{}", r.json);
    }

    fn insert(
        &self,
        who: &SessionClaims,
        id: &str,
        at: u32,
        text: &str,
        version: u64,
        op: &str,
    ) -> Reply {
        let body = json!({"operation": {"type": "insert", "position": at, "content": text},
                          "version": version, "operation_id": op});
        self.call(
            who,
            "POST",
            &format!("/sessions/{id}/edits"),
            &body.to_string(),
        )
    }

    fn text(&self, who: &SessionClaims, id: &str) -> String {
        let r = self.call(who, "GET", &format!("/sessions/{id}/document"), "");
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["content"].as_str().unwrap().to_owned()
    }
}

#[test]
fn sessions_create_get_update_and_list_by_page() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "Bell pair");
    let got = api.call(&olga, "GET", &format!("/sessions/{id}"), "");
    assert_eq!(got.status, 200);
    assert_eq!(
        (
            got.json["title"].as_str(),
            got.json["role"].as_str(),
            got.json["revision"].as_u64()
        ),
        (Some("Bell pair"), Some("owner"), Some(0))
    );
    assert_eq!(got.json["participants"][0]["user_id"], "olga");

    // Only an owner changes it; bad input names the field; a missing session is 404.
    let patch = |who: &SessionClaims, id: &str, body: &str| {
        api.call(who, "PATCH", &format!("/sessions/{id}"), body)
    };
    let r = patch(&olga, &id, r#"{"description": "two qubits"}"#);
    assert_eq!(
        (r.status, r.json["description"].as_str()),
        (200, Some("two qubits"))
    );
    let ed = user("ed", &[(&id, Role::Editor)]);
    assert_eq!(patch(&ed, &id, r#"{"title": "x"}"#).code(), "FORBIDDEN");
    let r = patch(&olga, &id, r#"{"title": ""}"#);
    assert_eq!((r.status, r.field()), (400, "title"));
    assert_eq!(patch(&olga, "nope", r#"{"title": "x"}"#).status, 404);
    let r = api.call(&olga, "POST", "/sessions", r#"{"titel": "x"}"#);
    assert_eq!((r.status, r.field()), (400, "titel"));
    assert_eq!(
        api.call(&olga, "POST", "/sessions", "{").code(),
        "MALFORMED_MESSAGE"
    );
    // A user with no role at all.
    assert_eq!(
        api.call(&user("mallory", &[]), "GET", &format!("/sessions/{id}"), "")
            .status,
        403
    );

    // The caller's sessions, newest first, in pages.
    let mut made = vec![id];
    for i in 0..24 {
        made.push(api.session(&olga, &format!("s{i}")));
    }
    api.session(&user("other", &[]), "not olga's");
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/sessions?limit=10&cursor={c}"),
            None => "/sessions?limit=10".to_owned(),
        };
        let page = api.call(&olga, "GET", &path, "");
        assert_eq!(page.status, 200, "{}", page.json);
        let sessions = page.json["sessions"].as_array().unwrap();
        assert!(sessions.len() <= 10);
        listed.extend(
            sessions
                .iter()
                .map(|s| s["session_id"].as_str().unwrap().to_owned()),
        );
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(listed, made);
    assert_eq!(
        api.call(&olga, "GET", "/sessions?limit=101", "").field(),
        "limit"
    );
    assert_eq!(
        api.call(&olga, "GET", "/sessions?cursor=zzz", "").field(),
        "cursor"
    );
    assert_eq!(
        api.call(&olga, "GET", "/sessions?sort=new", "").field(),
        "sort"
    );
    let r = api.call(&olga, "DELETE", "/sessions", "");
    assert_eq!((r.status, r.allow), (405, Some("GET, POST")));
    assert_eq!(api.call(&olga, "GET", "/nothing", "").status, 404);
}

#[test]
fn owners_grant_and_take_roles_and_a_session_keeps_an_owner() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "t");
    let path = format!("/sessions/{id}/participants");
    let r = api.call(
        &olga,
        "POST",
        &path,
        r#"{"user_id": "ed", "role": "editor"}"#,
    );
    assert_eq!((r.status, r.json["role"].as_str()), (201, Some("editor")));
    let r = api.call(
        &olga,
        "POST",
        &path,
        r#"{"user_id": "ed", "role": "viewer"}"#,
    );
    assert_eq!(r.status, 200, "a changed role");
    let ed = user("ed", &[]);
    // The grant is what gives ed a role here: the viewer may read and comment, not edit or grant.
    assert_eq!(
        api.call(&ed, "GET", &format!("/sessions/{id}"), "").json["role"],
        "viewer"
    );
    assert_eq!(api.insert(&ed, &id, 0, "x", 0, "e1").code(), "FORBIDDEN");
    let r = api.call(&ed, "POST", &path, r#"{"user_id": "mal", "role": "owner"}"#);
    assert_eq!(r.status, 403);
    // A token's role and a grant: the stronger wins.
    let ed_token_editor = user("ed", &[("*", Role::Editor)]);
    assert_eq!(
        api.insert(&ed_token_editor, &id, 0, "x", 0, "e2").status,
        200
    );
    for (body, field) in [
        (r#"{"user_id": "ed", "role": "boss"}"#, "role"),
        (r#"{"user_id": "", "role": "guest"}"#, "user_id"),
        (r#"{"role": "guest"}"#, "user_id"),
    ] {
        let r = api.call(&olga, "POST", &path, body);
        assert_eq!((r.status, r.field()), (400, field), "{body}");
    }
    assert_eq!(
        api.call(
            &olga,
            "POST",
            "/sessions/missing/participants",
            r#"{"user_id": "ed", "role": "guest"}"#
        )
        .status,
        404
    );
    // The only owner can neither leave nor be demoted; with a second owner, both work.
    let me = format!("{path}/olga");
    assert_eq!(api.call(&olga, "DELETE", &me, "").code(), "CONFLICT");
    assert_eq!(
        api.call(
            &olga,
            "POST",
            &path,
            r#"{"user_id": "olga", "role": "editor"}"#
        )
        .code(),
        "CONFLICT"
    );
    api.grant(&olga, &id, "pia", "owner");
    // A viewer may leave on their own, not remove others.
    assert_eq!(
        api.call(&ed, "DELETE", &format!("{path}/pia"), "").status,
        403
    );
    assert_eq!(
        api.call(&ed, "DELETE", &format!("{path}/ed"), "").status,
        204
    );
    assert_eq!(
        api.call(&ed, "GET", &format!("/sessions/{id}"), "").status,
        403
    );
    assert_eq!(
        api.call(&olga, "DELETE", &format!("{path}/ed"), "").status,
        404
    );
    assert_eq!(api.call(&olga, "DELETE", &me, "").status, 204);
    let r = api.call(&olga, "PUT", &path, "");
    assert_eq!((r.status, r.allow), (405, Some("POST")));
}

#[test]
fn edits_follow_the_websocket_rules_and_reach_the_sockets() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "t");
    let r = api.insert(&olga, &id, 0, "h q[0];", 0, "o1");
    assert_eq!(
        (
            r.status,
            r.json["revision"].as_u64(),
            r.json["duplicate"].as_bool()
        ),
        (200, Some(1), Some(false))
    );
    // A resend applies once.
    let r = api.insert(&olga, &id, 0, "h q[0];", 0, "o1");
    assert_eq!(
        (r.json["revision"].as_u64(), r.json["duplicate"].as_bool()),
        (Some(1), Some(true))
    );
    // A late edit is transformed like one from a socket: the edit applied first wins the tie.
    let r = api.insert(&olga, &id, 0, "// ", 0, "o2");
    assert_eq!(r.json["revision"], 2);
    assert_eq!(api.text(&olga, &id), "h q[0];// ");
    let (_, edit) = api.docs.broadcasts().last().cloned().unwrap();
    let edit: Value = serde_json::from_str(&edit).unwrap();
    assert_eq!(
        (
            edit["type"].as_str(),
            edit["user_id"].as_str(),
            edit["version"].as_u64()
        ),
        (Some("edit"), Some("olga"), Some(2))
    );

    let guest = user("gus", &[(&id, Role::Guest)]);
    assert_eq!(api.insert(&guest, &id, 0, "x", 2, "g1").status, 403);
    assert_eq!(
        api.insert(&olga, &id, 0, "x", 9, "o3").code(),
        "INVALID_REVISION"
    );
    assert_eq!(
        api.insert(&olga, &id, 99, "x", 2, "o4").code(),
        "OUT_OF_RANGE"
    );
    assert_eq!(api.insert(&olga, "missing", 0, "x", 0, "o5").status, 404);
    let path = format!("/sessions/{id}/edits");
    for (body, field) in [
        (
            json!({"operation": {"type": "insert", "position": 0}, "version": 2, "operation_id": "a"}),
            "operation",
        ),
        (
            json!({"operation": {"type": "undo"}, "version": 2, "operation_id": "a"}),
            "operation",
        ),
        (
            json!({"operation": {"type": "delete", "position": 0, "length": 1}, "version": -1, "operation_id": "a"}),
            "version",
        ),
        (
            json!({"operation": {"type": "delete", "position": 0, "length": 1}, "version": 2}),
            "operation_id",
        ),
        (
            json!({"operation": {"type": "delete", "position": 0, "length": 1}, "version": 2, "operation_id": "a", "x": 1}),
            "x",
        ),
    ] {
        let r = api.call(&olga, "POST", &path, &body.to_string());
        assert_eq!((r.status, r.field()), (400, field), "{body}");
    }
    assert_eq!(api.text(&olga, &id), "h q[0];// ");
}

#[test]
fn presence_and_comments_over_rest() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "t");
    api.insert(&olga, &id, 0, "h q[0];\ncx q[0],q[1];", 0, "o1");
    let viewer = user("vi", &[(&id, Role::Viewer)]);
    let guest = user("gus", &[(&id, Role::Guest)]);

    let presence = format!("/sessions/{id}/presence");
    let r = api.call(
        &guest,
        "PUT",
        &presence,
        r#"{"cursor": {"line": 1, "column": 99}, "user_info": {"name": "Gus", "color": "green"}}"#,
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        r.json["cursor"],
        json!({"line": 1, "column": 13}),
        "clamped into the text"
    );
    assert_eq!(r.json["connection_id"], "rest:gus");
    let relayed: Vec<Value> = api
        .docs
        .broadcasts()
        .iter()
        .map(|(_, m)| serde_json::from_str(m).unwrap())
        .filter(|m: &Value| m["type"] == "presence")
        .collect();
    assert_eq!(relayed.len(), 2);
    assert_eq!(relayed[0]["data"]["metadata"]["connection_id"], "rest:gus");
    assert_eq!(api.call(&guest, "PUT", &presence, "{}").field(), "cursor");
    assert_eq!(
        api.call(&guest, "PUT", &presence, r#"{"cursor": {"line": "x"}}"#)
            .field(),
        "cursor"
    );
    assert_eq!(
        api.call(
            &user("mal", &[]),
            "PUT",
            &presence,
            r#"{"cursor": {"line": 0, "column": 0}}"#
        )
        .status,
        403
    );
    assert_eq!(
        api.call(
            &olga,
            "PUT",
            "/sessions/nope/presence",
            r#"{"cursor": {"line": 0, "column": 0}}"#
        )
        .status,
        404
    );

    let comments = format!("/sessions/{id}/comments");
    let r = api.call(
        &viewer,
        "POST",
        &comments,
        r#"{"line": 1, "text": "why cx?", "operation_id": "c1"}"#,
    );
    assert_eq!(
        (r.status, r.json["line"].as_u64(), r.json["author"].as_str()),
        (201, Some(1), Some("vi"))
    );
    let again = api.call(
        &viewer,
        "POST",
        &comments,
        r#"{"line": 1, "text": "why cx?", "operation_id": "c1"}"#,
    );
    assert_eq!(
        again.json["comment_id"], r.json["comment_id"],
        "a resend adds it once"
    );
    assert_eq!(
        api.call(&guest, "POST", &comments, r#"{"line": 0, "text": "hi"}"#)
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        api.call(&viewer, "POST", &comments, r#"{"line": 7, "text": "hi"}"#)
            .code(),
        "OUT_OF_RANGE"
    );
    assert_eq!(
        api.call(&viewer, "POST", &comments, r#"{"line": 0}"#)
            .field(),
        "text"
    );
    assert_eq!(
        api.call(&viewer, "POST", &comments, r#"{"line": 0, "text": " "}"#)
            .code(),
        "INVALID_MESSAGE"
    );
    assert_eq!(
        api.call(
            &viewer,
            "POST",
            "/sessions/nope/comments",
            r#"{"line": 0, "text": "x"}"#
        )
        .status,
        404
    );
}

#[test]
fn history_pages_by_revision_range() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "t");
    for i in 0..25u64 {
        let r = api.insert(&olga, &id, i as u32, "x", i, &format!("o{i}"));
        assert_eq!(r.status, 200);
    }
    let guest = user("gus", &[(&id, Role::Guest)]);
    let mut seen = Vec::new();
    let mut path = format!("/sessions/{id}/history?from=3&to=22&limit=7");
    loop {
        let page = api.call(&guest, "GET", &path, "");
        assert_eq!(page.status, 200, "{}", page.json);
        for e in page.json["edits"].as_array().unwrap() {
            seen.push(e["revision"].as_u64().unwrap());
            assert_eq!(
                (e["user_id"].as_str(), e["kind"]["type"].as_str()),
                (Some("olga"), Some("edit"))
            );
            assert_eq!(e["operation"]["type"], "insert");
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => path = format!("/sessions/{id}/history?cursor={c}&limit=7"),
            None => break,
        }
    }
    assert_eq!(seen, (3..=22).collect::<Vec<_>>());
    let all = api.call(&guest, "GET", &format!("/sessions/{id}/history"), "");
    assert_eq!(all.json["edits"].as_array().unwrap().len(), 25);
    for (query, field) in [
        ("from=5&to=2", "to"),
        ("from=x", "from"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("cursor=abc", "cursor"),
        ("cursor=WzEsbnVsbF0&from=1", "cursor"),
        ("from=0", "from"),
    ] {
        let r = api.call(
            &guest,
            "GET",
            &format!("/sessions/{id}/history?{query}"),
            "",
        );
        assert_eq!((r.status, r.field()), (400, field), "{query}");
    }
    assert_eq!(
        api.call(
            &user("mal", &[]),
            "GET",
            &format!("/sessions/{id}/history"),
            ""
        )
        .status,
        403
    );
    assert_eq!(
        api.call(&olga, "GET", "/sessions/nope/history", "").status,
        404
    );
}

#[test]
fn checkpoints_branches_and_a_merge_with_both_sides_work() {
    let api = Api::new();
    let olga = user("olga", &[]);
    let id = api.session(&olga, "Bell");
    api.insert(&olga, &id, 0, "h q[0];\n", 0, "o1");
    api.grant(&olga, &id, "ed", "editor");
    api.grant(&olga, &id, "vi", "viewer");
    let (ed, vi) = (user("ed", &[]), user("vi", &[]));

    // Checkpoints: editors make them, anyone reads them; names are unique.
    let cps = format!("/sessions/{id}/checkpoints");
    let r = api.call(&ed, "POST", &cps, r#"{"name": "v1"}"#);
    assert_eq!((r.status, r.json["revision"].as_u64()), (201, Some(1)));
    assert_eq!(
        api.call(&ed, "POST", &cps, r#"{"name": "v1"}"#).code(),
        "CONFLICT"
    );
    assert_eq!(
        api.call(&vi, "POST", &cps, r#"{"name": "v2"}"#).code(),
        "FORBIDDEN"
    );
    assert_eq!(
        api.call(&ed, "POST", &cps, r#"{"name": ""}"#).field(),
        "name"
    );
    assert_eq!(
        api.call(&ed, "POST", &cps, r#"{"name": "future", "revision": 9}"#)
            .code(),
        "INVALID_REVISION"
    );
    let list = api.call(&vi, "GET", &cps, "");
    assert_eq!(list.json["checkpoints"][0]["name"], "v1");
    assert_eq!(
        api.call(&vi, "GET", "/sessions/nope/checkpoints", "")
            .status,
        404
    );

    // The main line moves on; the checkpoint's document stays reachable.
    api.insert(&olga, &id, 0, "// main\n", 1, "o2");
    let r = api.call(
        &vi,
        "GET",
        &format!("/sessions/{id}/document?checkpoint=v1"),
        "",
    );
    assert_eq!(
        (r.json["revision"].as_u64(), r.json["content"].as_str()),
        (Some(1), Some("h q[0];\n"))
    );
    let r = api.call(
        &vi,
        "GET",
        &format!("/sessions/{id}/document?revision=1"),
        "",
    );
    assert_eq!(r.json["content"], "h q[0];\n");
    assert_eq!(
        api.call(
            &vi,
            "GET",
            &format!("/sessions/{id}/document?checkpoint=nope"),
            ""
        )
        .status,
        404
    );
    assert_eq!(
        api.call(
            &vi,
            "GET",
            &format!("/sessions/{id}/document?revision=99"),
            ""
        )
        .code(),
        "INVALID_REVISION"
    );

    // A branch from the checkpoint: a new session owned by its maker, knowing its parent.
    let branches = format!("/sessions/{id}/branches");
    assert_eq!(
        api.call(&vi, "POST", &branches, r#"{"checkpoint": "v1"}"#)
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        api.call(&ed, "POST", &branches, r#"{"checkpoint": "v9"}"#)
            .status,
        404
    );
    let r = api.call(
        &ed,
        "POST",
        &branches,
        r#"{"checkpoint": "v1", "title": "try cx"}"#,
    );
    assert_eq!(r.status, 201, "{}", r.json);
    let branch = r.json["session_id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["parent"], json!({"session_id": id, "revision": 1}));
    assert_eq!(r.json["role"], "owner");
    assert_eq!(api.text(&ed, &branch), "h q[0];\n");

    // Both sides edit; the branch's revisions continue the parent's.
    let r = api.insert(&ed, &branch, 8, "cx q[0],q[1];\n", 1, "e1");
    assert_eq!(r.json["revision"], 2);
    api.insert(&olga, &id, 16, "measure q;\n", 2, "o3");

    // Only a branch merges, only an editor of the parent merges it, and only once.
    assert_eq!(
        api.call(&olga, "POST", &format!("/sessions/{id}/merge"), "")
            .code(),
        "CONFLICT"
    );
    api.grant(&ed, &branch, "vi", "owner");
    assert_eq!(
        api.call(&vi, "POST", &format!("/sessions/{branch}/merge"), "")
            .code(),
        "FORBIDDEN"
    );
    assert_eq!(
        api.call(
            &ed,
            "POST",
            &format!("/sessions/{branch}/merge"),
            r#"{"x": 1}"#
        )
        .field(),
        "x"
    );
    let r = api.call(&ed, "POST", &format!("/sessions/{branch}/merge"), "");
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        (
            r.json["merged"].as_u64(),
            r.json["first_revision"].as_u64(),
            r.json["revision"].as_u64()
        ),
        (Some(1), Some(4), Some(4))
    );
    // Both appended at the fork's end: the main line's text comes first.
    assert_eq!(
        api.text(&olga, &id),
        "// main\nh q[0];\nmeasure q;\ncx q[0],q[1];\n"
    );
    assert_eq!(
        api.call(&ed, "POST", &format!("/sessions/{branch}/merge"), "")
            .code(),
        "CONFLICT"
    );
    let merged = api.call(&ed, "GET", &format!("/sessions/{branch}"), "");
    assert_eq!(merged.json["merged"]["revision"], 4);
    let history = api.call(&vi, "GET", &format!("/sessions/{id}/history?from=4"), "");
    let entry = &history.json["edits"][0];
    assert_eq!(
        (
            entry["user_id"].as_str(),
            entry["kind"]["type"].as_str(),
            entry["kind"]["of"].as_u64()
        ),
        (Some("ed"), Some("merged"), Some(2))
    );
    assert_eq!(
        api.call(&ed, "POST", "/sessions/nope/merge", "").status,
        404
    );
    assert_eq!(
        api.call(&ed, "POST", "/sessions/nope/branches", "{}")
            .status,
        404
    );
}

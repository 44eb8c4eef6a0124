//! Which endpoint a method and path name, under `/api/v1/collaboration/`.

use synq_core::session::is_valid_session_id;

/// The path every collaboration endpoint starts with.
pub const PREFIX: &str = "/api/v1/collaboration/";

/// A collaboration endpoint, with the ids from its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /sessions`
    CreateSession,
    /// `GET /sessions`
    ListSessions,
    /// `GET /sessions/{id}`
    GetSession(String),
    /// `PATCH /sessions/{id}`
    UpdateSession(String),
    /// `POST /sessions/{id}/participants`
    AddParticipant(String),
    /// `DELETE /sessions/{id}/participants/{user_id}`
    RemoveParticipant(String, String),
    /// `PUT /sessions/{id}/presence`
    Presence(String),
    /// `POST /sessions/{id}/edits`
    Edit(String),
    /// `GET /sessions/{id}/history`
    History(String),
    /// `POST /sessions/{id}/comments`
    Comment(String),
    /// `GET /sessions/{id}/document`
    Document(String),
    /// `GET /sessions/{id}/checkpoints`
    ListCheckpoints(String),
    /// `POST /sessions/{id}/checkpoints`
    CreateCheckpoint(String),
    /// `POST /sessions/{id}/branches`
    Branch(String),
    /// `POST /sessions/{id}/merge`
    Merge(String),
}

impl Endpoint {
    /// Its name in the gateway's analytics (`collaboration.sessions.create`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Endpoint::CreateSession => "collaboration.sessions.create",
            Endpoint::ListSessions => "collaboration.sessions.list",
            Endpoint::GetSession(_) => "collaboration.sessions.get",
            Endpoint::UpdateSession(_) => "collaboration.sessions.update",
            Endpoint::AddParticipant(_) => "collaboration.participants.add",
            Endpoint::RemoveParticipant(..) => "collaboration.participants.remove",
            Endpoint::Presence(_) => "collaboration.presence",
            Endpoint::Edit(_) => "collaboration.edits",
            Endpoint::History(_) => "collaboration.history",
            Endpoint::Comment(_) => "collaboration.comments",
            Endpoint::Document(_) => "collaboration.document",
            Endpoint::ListCheckpoints(_) => "collaboration.checkpoints.list",
            Endpoint::CreateCheckpoint(_) => "collaboration.checkpoints.create",
            Endpoint::Branch(_) => "collaboration.branches",
            Endpoint::Merge(_) => "collaboration.merge",
        }
    }
}

/// Why a request has no endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoRoute {
    /// No such path.
    NotFound,
    /// The path exists for other methods (the `Allow` header).
    MethodNotAllowed(&'static str),
    /// A session id that cannot exist.
    BadSessionId,
}

/// Routes `method path` (the path as the URL has it, percent-encoded).
pub fn route(method: &str, path: &str) -> Result<Endpoint, NoRoute> {
    let rest = path.strip_prefix(PREFIX).ok_or(NoRoute::NotFound)?;
    let segments: Vec<&str> = rest.split('/').collect();
    let (id, tail) = match segments.as_slice() {
        ["sessions"] => {
            return match method {
                "GET" => Ok(Endpoint::ListSessions),
                "POST" => Ok(Endpoint::CreateSession),
                _ => Err(NoRoute::MethodNotAllowed("GET, POST")),
            };
        }
        ["sessions", id, tail @ ..] => (*id, tail),
        _ => return Err(NoRoute::NotFound),
    };
    let id_owned = || id.to_owned();
    let (allow, endpoint): (&'static str, Option<Endpoint>) = match (tail, method) {
        ([], "GET") => ("", Some(Endpoint::GetSession(id_owned()))),
        ([], "PATCH") => ("", Some(Endpoint::UpdateSession(id_owned()))),
        ([], _) => ("GET, PATCH", None),
        (["participants"], "POST") => ("", Some(Endpoint::AddParticipant(id_owned()))),
        (["participants"], _) => ("POST", None),
        (["participants", user], "DELETE") => {
            let user = percent_decode(user).ok_or(NoRoute::NotFound)?;
            ("", Some(Endpoint::RemoveParticipant(id_owned(), user)))
        }
        (["participants", _], _) => ("DELETE", None),
        (["presence"], "PUT") => ("", Some(Endpoint::Presence(id_owned()))),
        (["presence"], _) => ("PUT", None),
        (["edits"], "POST") => ("", Some(Endpoint::Edit(id_owned()))),
        (["edits"], _) => ("POST", None),
        (["history"], "GET") => ("", Some(Endpoint::History(id_owned()))),
        (["history"], _) => ("GET", None),
        (["comments"], "POST") => ("", Some(Endpoint::Comment(id_owned()))),
        (["comments"], _) => ("POST", None),
        (["document"], "GET") => ("", Some(Endpoint::Document(id_owned()))),
        (["document"], _) => ("GET", None),
        (["checkpoints"], "GET") => ("", Some(Endpoint::ListCheckpoints(id_owned()))),
        (["checkpoints"], "POST") => ("", Some(Endpoint::CreateCheckpoint(id_owned()))),
        (["checkpoints"], _) => ("GET, POST", None),
        (["branches"], "POST") => ("", Some(Endpoint::Branch(id_owned()))),
        (["branches"], _) => ("POST", None),
        (["merge"], "POST") => ("", Some(Endpoint::Merge(id_owned()))),
        (["merge"], _) => ("POST", None),
        _ => return Err(NoRoute::NotFound),
    };
    if !is_valid_session_id(id) {
        return Err(NoRoute::BadSessionId);
    }
    endpoint.ok_or(NoRoute::MethodNotAllowed(allow))
}

/// `%XX` escapes decoded (user ids may hold `|`, `@`, …); `None` if they do not make UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/api/v1/collaboration";

    #[test]
    fn routes_every_endpoint() {
        let s = || "s1".to_owned();
        for (method, path, endpoint) in [
            ("POST", "/sessions", Endpoint::CreateSession),
            ("GET", "/sessions", Endpoint::ListSessions),
            ("GET", "/sessions/s1", Endpoint::GetSession(s())),
            ("PATCH", "/sessions/s1", Endpoint::UpdateSession(s())),
            (
                "POST",
                "/sessions/s1/participants",
                Endpoint::AddParticipant(s()),
            ),
            (
                "DELETE",
                "/sessions/s1/participants/auth0%7Cbo",
                Endpoint::RemoveParticipant(s(), "auth0|bo".into()),
            ),
            ("PUT", "/sessions/s1/presence", Endpoint::Presence(s())),
            ("POST", "/sessions/s1/edits", Endpoint::Edit(s())),
            ("GET", "/sessions/s1/history", Endpoint::History(s())),
            ("POST", "/sessions/s1/comments", Endpoint::Comment(s())),
            ("GET", "/sessions/s1/document", Endpoint::Document(s())),
            (
                "GET",
                "/sessions/s1/checkpoints",
                Endpoint::ListCheckpoints(s()),
            ),
            (
                "POST",
                "/sessions/s1/checkpoints",
                Endpoint::CreateCheckpoint(s()),
            ),
            ("POST", "/sessions/s1/branches", Endpoint::Branch(s())),
            ("POST", "/sessions/s1/merge", Endpoint::Merge(s())),
        ] {
            assert_eq!(
                route(method, &format!("{P}{path}")),
                Ok(endpoint),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn wrong_methods_unknown_paths_and_bad_ids() {
        assert_eq!(
            route("DELETE", &format!("{P}/sessions")),
            Err(NoRoute::MethodNotAllowed("GET, POST"))
        );
        assert_eq!(
            route("GET", &format!("{P}/sessions/s1/edits")),
            Err(NoRoute::MethodNotAllowed("POST"))
        );
        assert_eq!(
            route("PUT", &format!("{P}/sessions/s1")),
            Err(NoRoute::MethodNotAllowed("GET, PATCH"))
        );
        for path in ["/session", "/sessions/s1/nope", "/sessions/s1/edits/x", ""] {
            assert_eq!(
                route("GET", &format!("{P}{path}")),
                Err(NoRoute::NotFound),
                "{path}"
            );
        }
        assert_eq!(
            route("GET", "/api/v1/circuits/analyze"),
            Err(NoRoute::NotFound)
        );
        assert_eq!(
            route("GET", &format!("{P}/sessions/%20x")),
            Err(NoRoute::BadSessionId)
        );
        assert_eq!(
            route("DELETE", &format!("{P}/sessions/s1/participants/%ff")),
            Err(NoRoute::NotFound)
        );
    }
}

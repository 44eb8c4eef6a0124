//! What each collaboration endpoint reads and answers, for the OpenAPI document (`synq-openapi`): an
//! exhaustive match, so an endpoint cannot be added without saying it. The request schemas are those of
//! the types `decode` reads the bodies into.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use synq_core::openapi::{EndpointDoc, by_ref, with_dependencies};
use synq_core::protocol::{CommentView, ParticipantView};
use synq_core::session::{Applied, CheckpointInfo, Snapshot};

use crate::decode::{
    EditRequest, Grant, NewBranch, NewCheckpoint, NewComment, NewSession, PresenceUpdate,
    SessionChanges,
};
use crate::route::Endpoint;
use crate::wire::{CheckpointList, GrantView, HistoryList, MergeView, SessionList, SessionView};

/// What `endpoint` reads and answers.
pub fn describe(endpoint: &Endpoint) -> EndpointDoc {
    let doc = EndpointDoc::new;
    match endpoint {
        Endpoint::CreateSession => doc(
            Some(by_ref::<NewSession>()),
            vec![(201, Some(by_ref::<SessionView>()))],
        ),
        Endpoint::ListSessions => {
            doc(None, vec![(200, Some(by_ref::<SessionList>()))]).with_query(&["limit", "cursor"])
        }
        Endpoint::GetSession(_) => doc(None, vec![(200, Some(by_ref::<SessionView>()))]),
        Endpoint::UpdateSession(_) => doc(
            Some(by_ref::<SessionChanges>()),
            vec![(200, Some(by_ref::<SessionView>()))],
        ),
        Endpoint::AddParticipant(_) => doc(
            Some(by_ref::<Grant>()),
            vec![
                (200, Some(by_ref::<GrantView>())),
                (201, Some(by_ref::<GrantView>())),
            ],
        ),
        Endpoint::RemoveParticipant(..) => doc(None, vec![(204, None)]),
        Endpoint::Presence(_) => doc(
            Some(by_ref::<PresenceUpdate>()),
            vec![(200, Some(by_ref::<ParticipantView>()))],
        ),
        Endpoint::Edit(_) => doc(
            Some(by_ref::<EditRequest>()),
            vec![(200, Some(by_ref::<Applied>()))],
        ),
        Endpoint::History(_) => doc(None, vec![(200, Some(by_ref::<HistoryList>()))])
            .with_query(&["from", "to", "limit", "cursor"]),
        Endpoint::Comment(_) => doc(
            Some(by_ref::<NewComment>()),
            vec![(201, Some(by_ref::<CommentView>()))],
        ),
        Endpoint::Document(_) => doc(None, vec![(200, Some(by_ref::<Snapshot>()))])
            .with_query(&["revision", "checkpoint"]),
        Endpoint::ListCheckpoints(_) => doc(None, vec![(200, Some(by_ref::<CheckpointList>()))]),
        Endpoint::CreateCheckpoint(_) => doc(
            Some(by_ref::<NewCheckpoint>()),
            vec![(201, Some(by_ref::<CheckpointInfo>()))],
        ),
        Endpoint::Branch(_) => doc(
            Some(by_ref::<NewBranch>()),
            vec![(201, Some(by_ref::<SessionView>()))],
        ),
        Endpoint::Merge(_) => doc(None, vec![(200, Some(by_ref::<MergeView>()))]).body_optional(),
    }
}

/// Every schema [`describe`] refers to, by name.
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut schemas = Vec::new();
    with_dependencies::<NewSession>(&mut schemas);
    with_dependencies::<SessionChanges>(&mut schemas);
    with_dependencies::<Grant>(&mut schemas);
    with_dependencies::<PresenceUpdate>(&mut schemas);
    with_dependencies::<EditRequest>(&mut schemas);
    with_dependencies::<NewComment>(&mut schemas);
    with_dependencies::<NewCheckpoint>(&mut schemas);
    with_dependencies::<NewBranch>(&mut schemas);
    with_dependencies::<SessionView>(&mut schemas);
    with_dependencies::<SessionList>(&mut schemas);
    with_dependencies::<GrantView>(&mut schemas);
    with_dependencies::<ParticipantView>(&mut schemas);
    with_dependencies::<Applied>(&mut schemas);
    with_dependencies::<HistoryList>(&mut schemas);
    with_dependencies::<CommentView>(&mut schemas);
    with_dependencies::<Snapshot>(&mut schemas);
    with_dependencies::<CheckpointList>(&mut schemas);
    with_dependencies::<CheckpointInfo>(&mut schemas);
    with_dependencies::<MergeView>(&mut schemas);
    schemas
}

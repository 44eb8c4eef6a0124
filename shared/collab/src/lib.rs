//! SynQ's collaboration REST API — `/api/v1/collaboration/…`: sessions (create, list the caller's, get,
//! update), participants and their roles, presence, edits, comments, history, the document at a
//! revision, checkpoints, branches and merges — as async handlers over two ports: the sessions index
//! ([`SessionIndex`], D1 on Cloudflare) and the sessions' documents ([`SessionDocs`], the Session Durable
//! Objects, which answer with [`serve`]). Routing, validation, roles and paging live here, tested
//! natively against [`MemoryIndex`] and [`MemoryDocs`]; the Worker only reads the request, verifies the
//! token and writes the response. It does no I/O of its own and reads no clock. A session opened by
//! WebSocket alone is indexed at its owner's first join ([`index_on_join`]).

mod access;
mod decode;
mod doc;
mod handle;
mod index;
#[cfg(feature = "openapi")]
pub mod openapi;
mod route;
mod socket_sessions;
mod wire;

pub use access::effective_role;
pub use decode::{MAX_DESCRIPTION_CHARS, MAX_ID_CHARS, MAX_TITLE_CHARS};
pub use doc::{Actor, DocCall, DocRequest, DocResponse, MemoryDocs, SessionDocs, serve};
pub use handle::{Context, HISTORY_PAGE, RestRequest, RestResponse, SESSIONS_PAGE, handle};
pub use index::{
    IndexError, ListPosition, MemoryIndex, MergeRecord, ParticipantRecord, SessionIndex,
    SessionRecord,
};
pub use route::{Endpoint, NoRoute, PREFIX, route};
pub use socket_sessions::{SocketJoin, index_on_join};
pub use wire::{
    CheckpointList, GrantView, HistoryEntry, HistoryList, MergeView, ParentView, SessionList,
    SessionView,
};

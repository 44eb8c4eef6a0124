//! Yjs interoperability: the session text as a Yjs document (`Y.Text` named `content`, UTF-16 offsets),
//! its deltas as OT steps, the y-websocket wire format, and awareness ⇄ presence. The session engine keeps
//! this document in lockstep with its OT text (`session::engine`'s `yjs` handlers).

mod awareness;
pub mod budget;
mod changes;
mod delta;
mod scope;
mod text;
pub mod wire;

pub use awareness::{
    AwarenessSlot, AwarenessView, Identity, MAX_KEPT_STATE_BYTES, read_state, synthetic_client_id,
    with_identity, write_state,
};
pub use delta::{EMBED_PLACEHOLDER, delta_to_steps};
pub use scope::{OutsideText, StringBlock, Strings, text_only};
pub use text::{Applied, Gap, SharedText, TEXT_NAME, Trimmed, YjsError, decode_update};

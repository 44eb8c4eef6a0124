//! The y-websocket wire format (y-protocols' sync, awareness and auth messages, lib0 v1 encoding): frames
//! in, messages out, and the frames the server sends. One message per frame, as y-websocket reads them.

use yrs::StateVector;
use yrs::encoding::read::Cursor;
use yrs::sync::{AwarenessUpdate, Message, MessageReader, SyncMessage};
use yrs::updates::decoder::DecoderV1;
use yrs::updates::encoder::Encode;

use crate::error::{ApiError, ErrorCode};

/// Every message in a frame (y-websocket sends one; the format allows several back to back).
pub fn decode_frame(frame: &[u8]) -> Result<Vec<Message>, ApiError> {
    let mut decoder = DecoderV1::new(Cursor::new(frame));
    MessageReader::new(&mut decoder)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ApiError::new(
                ErrorCode::MalformedMessage,
                format!("not a y-websocket message: {e}"),
            )
        })
}

/// Sync step 1: what the server has seen, so the client answers with what the server lacks.
pub fn sync_step1(seen: StateVector) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep1(seen)).encode_v1()
}

/// Sync step 2: what the client lacks, answering its step 1.
pub fn sync_step2(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep2(update)).encode_v1()
}

/// A document update.
pub fn update(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// Awareness states.
pub fn awareness(update: AwarenessUpdate) -> Vec<u8> {
    Message::Awareness(update).encode_v1()
}

/// y-protocols' "permission denied" auth message: y-websocket hands its reason to
/// `permissionDeniedHandler` (a console warning) and keeps the connection. The reason reads
/// `CODE: message`, the codes of the one error shape.
pub fn refusal(error: &ApiError) -> Vec<u8> {
    let code = serde_json::to_value(error.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Message::Auth(Some(format!("{code}: {}", error.message))).encode_v1()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_refused() {
        let frames = [
            sync_step1(StateVector::default()),
            sync_step2(vec![0, 0]),
            update(vec![0, 0]),
            refusal(&ApiError::new(ErrorCode::Forbidden, "a viewer cannot edit")),
        ];
        let decoded: Vec<Message> = frames
            .iter()
            .flat_map(|f| decode_frame(f).unwrap())
            .collect();
        assert_eq!(decoded.len(), 4);
        assert_eq!(
            decoded[3],
            Message::Auth(Some("FORBIDDEN: a viewer cannot edit".to_owned()))
        );
        // Two messages in one frame.
        let both = [frames[0].clone(), frames[2].clone()].concat();
        assert_eq!(decode_frame(&both).unwrap().len(), 2);
        let error = decode_frame(&[0, 9, 9]).unwrap_err();
        assert_eq!(error.code, ErrorCode::MalformedMessage);
    }
}

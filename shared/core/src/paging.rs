//! Paging of the REST lists: page sizes with a maximum, and opaque cursors (base64url JSON of where the
//! next page starts).

use crate::body::invalid_field;
use crate::error::ApiError;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The cursor for the page after this position.
pub fn encode_cursor(position: &impl Serialize) -> String {
    // Serializing plain data into a string cannot fail.
    let json = serde_json::to_vec(position).unwrap_or_default();
    Base64UrlUnpadded::encode_string(&json)
}

/// Where a cursor says the page starts; `INVALID_MESSAGE` on `cursor` if it is not one of ours.
pub fn decode_cursor<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    let bad = || invalid_field("cursor", "`cursor` is not a cursor this API returned");
    let json = Base64UrlUnpadded::decode_vec(cursor).map_err(|_| bad())?;
    serde_json::from_slice(&json).map_err(|_| bad())
}

/// A page size from the `limit` parameter: `default` when absent, 1 to `max`.
pub fn page_size(limit: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(limit) = limit else {
        return Ok(default);
    };
    limit
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            invalid_field(
                "limit",
                format!("`limit` is a whole number from 1 to {max}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let cursor = encode_cursor(&(7u64, "s-1"));
        assert_eq!(
            decode_cursor::<(u64, String)>(&cursor).unwrap(),
            (7, "s-1".into())
        );
        for bad in ["", "!!", "bm90IGpzb24"] {
            let e = decode_cursor::<(u64, String)>(bad).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("cursor"), "{bad}");
        }
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None, 20, 100).unwrap(), 20);
        assert_eq!(page_size(Some("100"), 20, 100).unwrap(), 100);
        for bad in ["0", "101", "-1", "x", "1.5"] {
            assert_eq!(
                page_size(Some(bad), 20, 100).unwrap_err().field.as_deref(),
                Some("limit")
            );
        }
    }
}

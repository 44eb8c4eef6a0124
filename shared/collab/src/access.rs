//! Who may do what. A user's role in a session is the stronger of what their token's `roles` claim
//! grants for it (its id, or `*`) and what the session's owners granted them in the index
//! ([`effective_role`], the core's rule: the session engine applies it to open sockets too).

use synq_core::auth::Role;
pub use synq_core::auth::effective_role;
use synq_core::{ApiError, ErrorCode};

/// `FORBIDDEN` unless `role` is an owner's.
pub(crate) fn require_owner(role: Role, what: &str) -> Result<(), ApiError> {
    if role == Role::Owner {
        Ok(())
    } else {
        Err(refused(role, what))
    }
}

/// `FORBIDDEN` unless `role` may change the document (owners and editors).
pub(crate) fn require_editor(role: Role, what: &str) -> Result<(), ApiError> {
    if role.can_edit() {
        Ok(())
    } else {
        Err(refused(role, what))
    }
}

fn refused(role: Role, what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::Forbidden,
        format!("a {} cannot {what}", role.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stronger_role_wins() {
        use Role::*;
        assert_eq!(effective_role(None, None), None);
        assert_eq!(effective_role(Some(Guest), None), Some(Guest));
        assert_eq!(effective_role(None, Some(Viewer)), Some(Viewer));
        assert_eq!(effective_role(Some(Editor), Some(Owner)), Some(Owner));
        assert_eq!(effective_role(Some(Owner), Some(Guest)), Some(Owner));
        assert_eq!(effective_role(Some(Viewer), Some(Editor)), Some(Editor));
    }
}

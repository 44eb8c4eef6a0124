//! Authentication and roles: JWT verification (HS256, and EdDSA when a public key is configured) with the
//! time passed in, and the four session roles.

mod jwt;
mod role;

pub use jwt::{AuthError, Authenticated, Hs256Secret, SessionClaims, TokenVerifier, issue_hs256};
pub use role::{Role, effective_role};

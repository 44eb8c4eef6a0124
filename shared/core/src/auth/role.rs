use serde::{Deserialize, Serialize};

/// What a participant may do in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including managing the session.
    Owner,
    /// Edit the document.
    Editor,
    /// Read and comment, no edits.
    Viewer,
    /// Read only.
    Guest,
}

impl Role {
    /// May change the document.
    pub fn can_edit(self) -> bool {
        matches!(self, Role::Owner | Role::Editor)
    }

    /// May add comments.
    pub fn can_comment(self) -> bool {
        !matches!(self, Role::Guest)
    }
}

impl Role {
    /// The role's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::Guest => "guest",
        }
    }
}

fn strength(role: Role) -> u8 {
    match role {
        Role::Owner => 3,
        Role::Editor => 2,
        Role::Viewer => 1,
        Role::Guest => 0,
    }
}

/// A user's role in a session: the stronger of what their token's `roles` claim grants for it and what
/// the session's owners granted them; `None` if neither gives one. Tokens speak for the identity
/// provider, grants for the session's owners, and neither takes away the other's.
pub fn effective_role(token: Option<Role>, granted: Option<Role>) -> Option<Role> {
    token
        .into_iter()
        .chain(granted)
        .max_by_key(|r| strength(*r))
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Role::Owner, Role::Editor, Role::Viewer, Role::Guest]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

//! The GraphQL schema registry's rules: an SDL document is checked (syntax by `apollo-parser`, then the
//! type-system rules below) before it is stored as the next version of its name.
//!
//! Checked: syntax; no operations or fragments; no type defined twice, none named `__…` or after a built-in
//! scalar; every type referenced is defined, and of the right kind (outputs are not input objects, inputs
//! are scalars, enums or input objects, union members are object types, `implements` names interfaces);
//! no field, argument or enum value twice; a query root (a `schema { query: … }` or a type `Query`) that is
//! an object type. Not checked: directive arguments and interface field compatibility.

use std::collections::{BTreeMap, BTreeSet};

use apollo_parser::Parser;
use apollo_parser::cst::{self, CstNode, Definition};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use synq_core::{ApiError, EpochMillis, ErrorCode};

use crate::keys::hex;
use crate::principal::Principal;

/// The largest SDL document accepted.
pub const MAX_SDL_BYTES: usize = 256 * 1024;
/// The most versions one schema name keeps; after that, publish under a new name.
pub const MAX_SCHEMA_VERSIONS: u32 = 100;
/// The most schema names one user owns.
pub const MAX_SCHEMAS_PER_OWNER: u32 = 50;
/// The longest user id a name can be given to, in characters.
pub const MAX_OWNER_CHARS: usize = 128;
const BUILT_IN_SCALARS: [&str; 5] = ["Int", "Float", "String", "Boolean", "ID"];

/// `POST …/gateway/schemas`. The user who publishes a name's version 1 owns the name (also through an API
/// key) until it is given to another user; only the owner or an admin publishes further versions (else
/// `403 FORBIDDEN`). A name keeps at most 100 versions and a user owns at most 50 names
/// (`429 LIMIT_EXCEEDED` past either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SchemaUpload {
    /// The schema's name: 1–64 characters of `[A-Za-z0-9._-]`.
    pub name: String,
    /// The SDL document.
    pub sdl: String,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaVersion {
    /// The schema's name.
    pub name: String,
    /// 1, 2, … per name.
    pub version: u32,
    /// The document.
    pub sdl: String,
    /// SHA-256 of the document, hex.
    pub hash: String,
    /// How many types it defines.
    pub types: u32,
    /// Who stored it: `user:<id>` or `key:<id>`.
    pub created_by: String,
    /// The user who owns the name (who published version 1, or was given the name since; empty for an old
    /// name whose publisher is unknown): only they or an admin publish further versions, delete the name or
    /// give it away.
    pub owner: String,
    /// When.
    pub created_at: EpochMillis,
}

/// What the checks found out about a valid document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSdl {
    /// Types it defines.
    pub types: u32,
    /// SHA-256, hex.
    pub hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    Input,
}

impl SchemaUpload {
    /// Checks the name and the document.
    pub fn validate(&self) -> Result<CheckedSdl, ApiError> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !name_ok {
            return Err(ApiError::new(
                ErrorCode::InvalidMessage,
                "a schema name is 1 to 64 characters of [A-Za-z0-9._-]",
            )
            .with_field("name"));
        }
        validate_sdl(&self.sdl)
    }
}

/// The owner of the next version of a schema whose newest version is `latest`, if `principal` may publish
/// it: a new name becomes the caller's user's, an existing one keeps its owner and takes versions only from
/// the owner or an admin (`403 FORBIDDEN`).
pub fn publishing_owner(
    principal: &Principal,
    latest: Option<&SchemaVersion>,
) -> Result<String, ApiError> {
    let Some(latest) = latest else {
        return Ok(principal.user.clone());
    };
    may_manage(
        principal,
        latest,
        "publish new versions; publish under another name",
    )?;
    Ok(latest.owner.clone())
}

/// Refuses with `403 FORBIDDEN` unless `principal` owns the name of `latest` (its newest version) or is an
/// admin; `what` says what only they may do.
pub fn may_manage(
    principal: &Principal,
    latest: &SchemaVersion,
    what: &str,
) -> Result<(), ApiError> {
    if latest.owner == principal.user || principal.is_admin() {
        return Ok(());
    }
    let owner = if latest.owner.is_empty() {
        "has no owner on record".to_owned()
    } else {
        format!("is owned by `{}`", latest.owner)
    };
    Err(ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "schema `{}` {owner}: only its owner, or an admin, may {what}",
            latest.name
        ),
    ))
}

/// Checks the user id a name is given to: 1 to [`MAX_OWNER_CHARS`] characters, not blank, no spaces around
/// it, no control characters (a JWT's `sub`, as the gateway sees users).
pub fn validate_owner(owner: &str) -> Result<(), ApiError> {
    if owner.trim().is_empty()
        || owner.trim() != owner
        || owner.chars().count() > MAX_OWNER_CHARS
        || owner.chars().any(char::is_control)
    {
        return Err(ApiError::new(
            ErrorCode::InvalidMessage,
            format!(
                "`owner` is a user id: 1 to {MAX_OWNER_CHARS} characters, not blank, no spaces around it, without control characters"
            ),
        )
        .with_field("owner"));
    }
    Ok(())
}

/// The version after `latest`, unless its name has [`MAX_SCHEMA_VERSIONS`] already (`429 LIMIT_EXCEEDED`).
pub fn next_version(latest: Option<&SchemaVersion>) -> Result<u32, ApiError> {
    match latest {
        None => Ok(1),
        Some(l) if l.version < MAX_SCHEMA_VERSIONS => Ok(l.version + 1),
        Some(l) => Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!(
                "schema `{}` has {} versions, the most a schema keeps ({MAX_SCHEMA_VERSIONS}); publish under a new name",
                l.name, l.version
            ),
        )),
    }
}

/// Why a store refuses a new name of `owner`'s: they own [`MAX_SCHEMAS_PER_OWNER`] already.
pub(crate) fn too_many_names(owner: &str) -> String {
    format!(
        "user `{owner}` owns {MAX_SCHEMAS_PER_OWNER} schemas, the most allowed; publish new versions of those instead"
    )
}

/// Why a store refuses to give `name` to `owner`: they own [`MAX_SCHEMAS_PER_OWNER`] other names already.
pub(crate) fn cannot_receive(name: &str, owner: &str) -> String {
    format!(
        "user `{owner}` owns {MAX_SCHEMAS_PER_OWNER} schemas, the most allowed, so schema `{name}` cannot be given to them"
    )
}

/// Checks an SDL document; an error names the field `sdl` and the line and column (1-based) at fault.
pub fn validate_sdl(sdl: &str) -> Result<CheckedSdl, ApiError> {
    if sdl.len() > MAX_SDL_BYTES {
        return Err(ApiError::new(
            ErrorCode::MessageTooLarge,
            format!("an SDL document is at most {MAX_SDL_BYTES} bytes"),
        )
        .with_field("sdl"));
    }
    let tree = Parser::new(sdl)
        .recursion_limit(64)
        .token_limit(100_000)
        .parse();
    if let Some(error) = tree.errors().next() {
        return Err(sdl_error(sdl, error.index(), error.message().to_owned()));
    }
    let mut checker = Checker::new(sdl);
    let document = tree.document();
    checker.collect(&document)?;
    checker.check(&document)?;
    Ok(CheckedSdl {
        types: u32::try_from(checker.types.len() - BUILT_IN_SCALARS.len()).unwrap_or(u32::MAX),
        hash: hex(&Sha256::digest(sdl.as_bytes())),
    })
}

fn sdl_error(sdl: &str, offset: usize, message: String) -> ApiError {
    let before = sdl.get(..offset.min(sdl.len())).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let (line, column) = (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    );
    ApiError::new(
        ErrorCode::InvalidMessage,
        format!("{line}:{column}: {message}"),
    )
    .with_field("sdl")
    .with_position(line, column)
}

struct Checker<'a> {
    sdl: &'a str,
    types: BTreeMap<String, Kind>,
}

fn name_of(name: Option<cst::Name>) -> String {
    name.map(|n| n.text().to_string()).unwrap_or_default()
}

fn named(ty: Option<cst::Type>) -> Option<cst::NamedType> {
    match ty? {
        cst::Type::NamedType(n) => Some(n),
        cst::Type::ListType(l) => named(l.ty()),
        cst::Type::NonNullType(n) => n
            .named_type()
            .or_else(|| n.list_type().and_then(|l| named(l.ty()))),
    }
}

impl<'a> Checker<'a> {
    fn new(sdl: &'a str) -> Self {
        let types = BUILT_IN_SCALARS
            .iter()
            .map(|s| ((*s).to_owned(), Kind::Scalar))
            .collect();
        Checker { sdl, types }
    }

    fn error(&self, node: &impl CstNode, message: String) -> ApiError {
        let offset = u32::from(node.syntax().text_range().start()) as usize;
        sdl_error(self.sdl, offset, message)
    }

    /// Every type definition, once each.
    fn collect(&mut self, document: &cst::Document) -> Result<(), ApiError> {
        for definition in document.definitions() {
            let (name, kind) = match &definition {
                Definition::OperationDefinition(_) | Definition::FragmentDefinition(_) => {
                    return Err(self.error(
                        &definition,
                        "an SDL document defines types; operations and fragments belong in queries"
                            .to_owned(),
                    ));
                }
                Definition::ScalarTypeDefinition(d) => (d.name(), Kind::Scalar),
                Definition::ObjectTypeDefinition(d) => (d.name(), Kind::Object),
                Definition::InterfaceTypeDefinition(d) => (d.name(), Kind::Interface),
                Definition::UnionTypeDefinition(d) => (d.name(), Kind::Union),
                Definition::EnumTypeDefinition(d) => (d.name(), Kind::Enum),
                Definition::InputObjectTypeDefinition(d) => (d.name(), Kind::Input),
                _ => continue,
            };
            let name = name_of(name);
            if name.starts_with("__") {
                return Err(self.error(
                    &definition,
                    format!("`{name}`: names starting with `__` are reserved"),
                ));
            }
            if BUILT_IN_SCALARS.contains(&name.as_str()) {
                return Err(self.error(&definition, format!("`{name}` is a built-in scalar")));
            }
            if self.types.insert(name.clone(), kind).is_some() {
                return Err(self.error(&definition, format!("type `{name}` is defined twice")));
            }
        }
        Ok(())
    }

    fn check(&self, document: &cst::Document) -> Result<(), ApiError> {
        let mut has_schema = false;
        for definition in document.definitions() {
            match &definition {
                Definition::SchemaDefinition(d) => {
                    has_schema = true;
                    self.roots(&definition, d.root_operation_type_definitions())?;
                }
                Definition::SchemaExtension(d) => {
                    self.roots(&definition, d.root_operation_type_definitions())?;
                }
                Definition::ObjectTypeDefinition(d) => {
                    self.interfaces(d.implements_interfaces())?;
                    self.fields(d.fields_definition())?;
                }
                Definition::ObjectTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Object)?;
                    self.interfaces(d.implements_interfaces())?;
                    self.fields(d.fields_definition())?;
                }
                Definition::InterfaceTypeDefinition(d) => {
                    self.interfaces(d.implements_interfaces())?;
                    self.fields(d.fields_definition())?;
                }
                Definition::InterfaceTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Interface)?;
                    self.interfaces(d.implements_interfaces())?;
                    self.fields(d.fields_definition())?;
                }
                Definition::UnionTypeDefinition(d) => self.members(d.union_member_types())?,
                Definition::UnionTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Union)?;
                    self.members(d.union_member_types())?;
                }
                Definition::EnumTypeDefinition(d) => {
                    self.enum_values(d.enum_values_definition())?
                }
                Definition::EnumTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Enum)?;
                    self.enum_values(d.enum_values_definition())?;
                }
                Definition::InputObjectTypeDefinition(d) => {
                    self.inputs(
                        d.input_fields_definition()
                            .map(|f| f.input_value_definitions()),
                    )?;
                }
                Definition::InputObjectTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Input)?;
                    self.inputs(
                        d.input_fields_definition()
                            .map(|f| f.input_value_definitions()),
                    )?;
                }
                Definition::ScalarTypeExtension(d) => {
                    self.extends(&definition, d.name(), Kind::Scalar)?;
                }
                Definition::DirectiveDefinition(d) => {
                    self.inputs(
                        d.arguments_definition()
                            .map(|a| a.input_value_definitions()),
                    )?;
                }
                Definition::ScalarTypeDefinition(_)
                | Definition::OperationDefinition(_)
                | Definition::FragmentDefinition(_) => {}
            }
        }
        if !has_schema && self.types.get("Query") != Some(&Kind::Object) {
            return Err(sdl_error(
                self.sdl,
                0,
                "a schema needs a query root: an object type `Query`, or `schema { query: … }`"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    fn kind_of(&self, ty: &cst::NamedType) -> Result<Kind, ApiError> {
        let name = name_of(ty.name());
        self.types
            .get(&name)
            .copied()
            .ok_or_else(|| self.error(ty, format!("type `{name}` is not defined")))
    }

    fn expect(&self, ty: &cst::NamedType, allowed: &[Kind], what: &str) -> Result<(), ApiError> {
        if allowed.contains(&self.kind_of(ty)?) {
            Ok(())
        } else {
            Err(self.error(ty, format!("`{}` is not {what}", name_of(ty.name()))))
        }
    }

    fn extends(
        &self,
        at: &impl CstNode,
        name: Option<cst::Name>,
        kind: Kind,
    ) -> Result<(), ApiError> {
        let name = name_of(name);
        match self.types.get(&name) {
            Some(k) if *k == kind => Ok(()),
            Some(_) => Err(self.error(at, format!("`{name}` is extended as another kind of type"))),
            None => Err(self.error(at, format!("extension of undefined type `{name}`"))),
        }
    }

    fn roots(
        &self,
        at: &impl CstNode,
        roots: cst::CstChildren<cst::RootOperationTypeDefinition>,
    ) -> Result<(), ApiError> {
        let mut seen = BTreeSet::new();
        for root in roots {
            let operation = match root.operation_type() {
                Some(o) if o.mutation_token().is_some() => "mutation",
                Some(o) if o.subscription_token().is_some() => "subscription",
                _ => "query",
            };
            if !seen.insert(operation) {
                return Err(self.error(&root, format!("the {operation} root is given twice")));
            }
            if let Some(ty) = root.named_type() {
                self.expect(&ty, &[Kind::Object], "an object type")?;
            }
        }
        if !seen.contains("query") && !seen.is_empty() {
            return Err(self.error(at, "the schema definition has no query root".to_owned()));
        }
        Ok(())
    }

    fn interfaces(&self, list: Option<cst::ImplementsInterfaces>) -> Result<(), ApiError> {
        for ty in list.iter().flat_map(|l| l.named_types()) {
            self.expect(&ty, &[Kind::Interface], "an interface")?;
        }
        Ok(())
    }

    fn members(&self, list: Option<cst::UnionMemberTypes>) -> Result<(), ApiError> {
        for ty in list.iter().flat_map(|l| l.named_types()) {
            self.expect(&ty, &[Kind::Object], "an object type (union members are)")?;
        }
        Ok(())
    }

    fn fields(&self, fields: Option<cst::FieldsDefinition>) -> Result<(), ApiError> {
        let mut seen = BTreeSet::new();
        for field in fields.iter().flat_map(|f| f.field_definitions()) {
            let name = name_of(field.name());
            if !seen.insert(name.clone()) {
                return Err(self.error(&field, format!("field `{name}` is defined twice")));
            }
            if let Some(ty) = named(field.ty()) {
                self.expect(
                    &ty,
                    &[
                        Kind::Scalar,
                        Kind::Object,
                        Kind::Interface,
                        Kind::Union,
                        Kind::Enum,
                    ],
                    "an output type (input objects are only for arguments)",
                )?;
            }
            self.inputs(
                field
                    .arguments_definition()
                    .map(|a| a.input_value_definitions()),
            )?;
        }
        Ok(())
    }

    fn inputs(
        &self,
        inputs: Option<cst::CstChildren<cst::InputValueDefinition>>,
    ) -> Result<(), ApiError> {
        let mut seen = BTreeSet::new();
        for input in inputs.into_iter().flatten() {
            let name = name_of(input.name());
            if !seen.insert(name.clone()) {
                return Err(self.error(&input, format!("`{name}` is defined twice")));
            }
            if let Some(ty) = named(input.ty()) {
                self.expect(
                    &ty,
                    &[Kind::Scalar, Kind::Enum, Kind::Input],
                    "an input type (a scalar, an enum or an input object)",
                )?;
            }
        }
        Ok(())
    }

    fn enum_values(&self, values: Option<cst::EnumValuesDefinition>) -> Result<(), ApiError> {
        let mut seen = BTreeSet::new();
        for value in values.iter().flat_map(|v| v.enum_value_definitions()) {
            let name = value
                .enum_value()
                .map(|v| v.text().to_string())
                .unwrap_or_default();
            if !seen.insert(name.clone()) {
                return Err(self.error(&value, format!("enum value `{name}` is defined twice")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
"A circuit stored for a session."
type Circuit implements Node {
  id: ID!
  name: String
  qubits: Int!
  gates(kind: GateKind = CX, first: Int): [Gate!]!
}
interface Node { id: ID! }
type Gate { kind: GateKind! qubits: [Int!]! }
enum GateKind { CX H RZ }
union SearchResult = Circuit | Gate
input CircuitFilter { minQubits: Int, kind: GateKind }
scalar DateTime
directive @cost(weight: Int!) on FIELD_DEFINITION
type Query {
  circuit(id: ID!): Circuit
  search(filter: CircuitFilter): [SearchResult!]!
  now: DateTime
}
extend type Query { gates: [Gate!]! }
"#;

    fn err(sdl: &str) -> ApiError {
        validate_sdl(sdl).unwrap_err()
    }

    #[test]
    fn a_valid_schema_passes_and_counts_its_types() {
        let checked = validate_sdl(GOOD).unwrap();
        assert_eq!(checked.types, 8);
        assert_eq!(checked.hash.len(), 64);
        assert!(validate_sdl("schema { query: Root } type Root { ok: Boolean }").is_ok());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = err("type Query {\n  a: Int\n  b: \n}");
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::InvalidMessage, Some("sdl"))
        );
        assert_eq!(e.line, Some(4), "{e}");
    }

    #[test]
    fn type_system_rules_are_checked() {
        for (sdl, needle, line) in [
            ("type Query { a: Missing }", "`Missing` is not defined", 1),
            (
                "type Query { a: Int }\ntype Query { b: Int }",
                "defined twice",
                2,
            ),
            (
                "type Query { a: Int a: String }",
                "field `a` is defined twice",
                1,
            ),
            (
                "type Query { a: In }\ninput In { x: Int }",
                "not an output type",
                1,
            ),
            ("type Query { a(x: Query): Int }", "not an input type", 1),
            (
                "type Query { a: Int }\nunion U = Query | Int",
                "union members",
                2,
            ),
            (
                "type Query implements Query { a: Int }",
                "not an interface",
                1,
            ),
            ("type Query { a: Int }\nenum E { A A }", "enum value `A`", 2),
            ("type Query { a: Int }\nscalar String", "built-in scalar", 2),
            ("type Query { a: Int }\ntype __T { a: Int }", "reserved", 2),
            ("type Mutation { a: Int }", "query root", 1),
            (
                "schema { mutation: M } type M { a: Int }",
                "no query root",
                1,
            ),
            ("schema { query: E } enum E { A }", "not an object type", 1),
            (
                "type Query { a: Int }\nextend type Nope { b: Int }",
                "undefined type `Nope`",
                2,
            ),
            ("type Query { a: Int }\nquery { a }", "operations", 2),
        ] {
            let e = err(sdl);
            assert!(e.message.contains(needle), "{sdl}: {}", e.message);
            assert_eq!(e.line, Some(line), "{sdl}: {}", e.message);
        }
    }

    #[test]
    fn names_and_sizes_are_bounded() {
        let upload = |name: &str, sdl: String| SchemaUpload {
            name: name.into(),
            sdl,
        };
        let ok = "type Query { a: Int }".to_owned();
        assert!(upload("circuits.v1", ok.clone()).validate().is_ok());
        assert_eq!(
            upload("a b", ok.clone())
                .validate()
                .unwrap_err()
                .field
                .as_deref(),
            Some("name")
        );
        assert_eq!(
            upload("", ok).validate().unwrap_err().field.as_deref(),
            Some("name")
        );
        let huge = format!("type Query {{ a: Int }} #{}", "x".repeat(MAX_SDL_BYTES));
        assert_eq!(err(&huge).code, ErrorCode::MessageTooLarge);
        // Deep nesting is a parse error, not a stack overflow.
        let deep = format!(
            "type Query {{ a: {}Int{} }}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert_eq!(err(&deep).code, ErrorCode::InvalidMessage);
    }
}

//! Helpers for the OpenAPI document (feature `openapi`): schemas by reference, and a schema with all it
//! refers to.

use utoipa::ToSchema;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};

/// `T`'s schema by reference (`#/components/schemas/T`).
pub fn by_ref<T: ToSchema>() -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

/// Adds `T` and every schema it refers to.
pub fn with_dependencies<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// One endpoint's contract, as the crate that serves it states it.
pub struct EndpointDoc {
    /// The JSON body it reads, if any.
    pub request: Option<RefOr<Schema>>,
    /// Whether it may be sent without a body.
    pub body_optional: bool,
    /// Its successful answers: status and body (none for `204`).
    pub responses: Vec<(u16, Option<RefOr<Schema>>)>,
    /// Its query parameters (all optional).
    pub query: &'static [&'static str],
}

impl EndpointDoc {
    /// An endpoint that reads `request` and answers `responses`, without query parameters.
    pub fn new(
        request: Option<RefOr<Schema>>,
        responses: Vec<(u16, Option<RefOr<Schema>>)>,
    ) -> Self {
        EndpointDoc {
            request,
            body_optional: false,
            responses,
            query: &[],
        }
    }

    /// The same, with query parameters.
    pub fn with_query(self, query: &'static [&'static str]) -> Self {
        EndpointDoc { query, ..self }
    }

    /// The same, the body being optional.
    pub fn body_optional(self) -> Self {
        EndpointDoc {
            body_optional: true,
            ..self
        }
    }
}

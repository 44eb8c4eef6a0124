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
    /// The media type of the body it reads, and of its answers' bodies (JSON unless said).
    pub request_media: &'static str,
    pub response_media: &'static str,
}

/// JSON, the media type of every body unless an endpoint says otherwise.
pub const JSON_MEDIA: &str = "application/json";

/// Raw bytes as a schema (`{"type": "string", "format": "binary"}`), for a body that is not JSON.
pub fn binary() -> RefOr<Schema> {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .build(),
    ))
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
            request_media: JSON_MEDIA,
            response_media: JSON_MEDIA,
        }
    }

    /// The same, reading a body of `media` (its schema: [`binary`]).
    pub fn request_media(self, media: &'static str) -> Self {
        EndpointDoc {
            request_media: media,
            ..self
        }
    }

    /// The same, answering with bodies of `media`.
    pub fn response_media(self, media: &'static str) -> Self {
        EndpointDoc {
            response_media: media,
            ..self
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

//! What each training endpoint reads and answers, for the OpenAPI document (`synq-openapi`): an
//! exhaustive match, so an endpoint cannot be added without saying it.

use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use synq_core::openapi::{EndpointDoc, binary, by_ref, with_dependencies};
use synq_ml::queue::Leased;
use synq_ml::queue::wire::{
    CompleteRequest, EnqueueRequest, FailRequest, HeartbeatRequest, JobList, JobResponse,
    LeaseRequest, ModelList, ModelResponse, ProgressRequest,
};

use crate::route::Endpoint;

const OCTETS: &str = "application/octet-stream";

/// What `endpoint` reads and answers.
pub fn describe(endpoint: &Endpoint) -> EndpointDoc {
    let doc = EndpointDoc::new;
    let job = || vec![(200, Some(by_ref::<JobResponse>()))];
    match endpoint {
        Endpoint::Enqueue => doc(
            Some(by_ref::<EnqueueRequest>()),
            vec![(201, Some(by_ref::<JobResponse>()))],
        ),
        Endpoint::ListJobs => {
            doc(None, vec![(200, Some(by_ref::<JobList>()))]).with_query(&["limit", "cursor"])
        }
        Endpoint::GetJob(_) => doc(None, job()),
        Endpoint::Lease => doc(
            Some(by_ref::<LeaseRequest>()),
            vec![(200, Some(by_ref::<Leased>())), (204, None)],
        ),
        Endpoint::Heartbeat(_) => doc(Some(by_ref::<HeartbeatRequest>()), job()),
        Endpoint::Progress(_) => doc(Some(by_ref::<ProgressRequest>()), job()),
        Endpoint::Upload(_) => doc(Some(binary()), job()).request_media(OCTETS),
        Endpoint::Complete(_) => doc(
            Some(by_ref::<CompleteRequest>()),
            vec![(200, Some(by_ref::<ModelResponse>()))],
        ),
        Endpoint::Fail(_) => doc(Some(by_ref::<FailRequest>()), job()),
        Endpoint::ListModels => {
            doc(None, vec![(200, Some(by_ref::<ModelList>()))]).with_query(&["task"])
        }
        Endpoint::Download(..) => doc(None, vec![(200, Some(binary()))]).response_media(OCTETS),
    }
}

/// Every schema [`describe`] refers to, by name.
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        with_dependencies::<T>(schemas);
    }
    let mut schemas = Vec::new();
    add::<EnqueueRequest>(&mut schemas);
    add::<JobResponse>(&mut schemas);
    add::<JobList>(&mut schemas);
    add::<LeaseRequest>(&mut schemas);
    add::<Leased>(&mut schemas);
    add::<HeartbeatRequest>(&mut schemas);
    add::<ProgressRequest>(&mut schemas);
    add::<CompleteRequest>(&mut schemas);
    add::<ModelResponse>(&mut schemas);
    add::<FailRequest>(&mut schemas);
    add::<ModelList>(&mut schemas);
    schemas
}

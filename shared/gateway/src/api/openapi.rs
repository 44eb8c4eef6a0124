//! What each gateway endpoint reads and answers, for the OpenAPI document (`synq-openapi`): an exhaustive
//! match, so an endpoint cannot be added without saying it.

use synq_core::openapi::{EndpointDoc, by_ref, with_dependencies};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::{
    CheckRequest, CheckResult, CreateKeyRequest, DeletedSchema, Endpoint, GatewayStatus, KeyList,
    QuotaView, RotateKeyRequest, RotatedKey, RouteList, SchemaList, SchemaOwnerChange,
    SchemaOwnership, UsageReport,
};
use crate::analytics::AnalyticsReport;
use crate::keys::{IssuedKey, KeyView};
use crate::limit::QuotaSpec;
use crate::routes::{RouteConfig, RouteSpec};
use crate::schema::{SchemaUpload, SchemaVersion};

/// What `endpoint` reads and answers.
pub fn describe(endpoint: &Endpoint) -> EndpointDoc {
    let doc = EndpointDoc::new;
    match endpoint {
        Endpoint::Status => doc(None, vec![(200, Some(by_ref::<GatewayStatus>()))]),
        Endpoint::CreateRoute => doc(
            Some(by_ref::<RouteSpec>()),
            vec![(201, Some(by_ref::<RouteConfig>()))],
        ),
        Endpoint::ListRoutes => doc(None, vec![(200, Some(by_ref::<RouteList>()))]),
        Endpoint::GetRoute(_) => doc(None, vec![(200, Some(by_ref::<RouteConfig>()))]),
        Endpoint::UpdateRoute(_) => doc(
            Some(by_ref::<RouteSpec>()),
            vec![(200, Some(by_ref::<RouteConfig>()))],
        ),
        Endpoint::CreateKey => doc(
            Some(by_ref::<CreateKeyRequest>()),
            vec![(201, Some(by_ref::<IssuedKey>()))],
        ),
        Endpoint::ListKeys => doc(None, vec![(200, Some(by_ref::<KeyList>()))]),
        Endpoint::RevokeKey(_) => doc(None, vec![(200, Some(by_ref::<KeyView>()))]),
        Endpoint::RotateKey(_) => doc(
            Some(by_ref::<RotateKeyRequest>()),
            vec![(201, Some(by_ref::<RotatedKey>()))],
        )
        .body_optional(),
        Endpoint::PutQuota(_) => doc(
            Some(by_ref::<QuotaSpec>()),
            vec![(200, Some(by_ref::<QuotaView>()))],
        ),
        Endpoint::GetQuota(_) => doc(None, vec![(200, Some(by_ref::<QuotaView>()))]),
        Endpoint::CheckQuota => doc(
            Some(by_ref::<CheckRequest>()),
            vec![(200, Some(by_ref::<CheckResult>()))],
        )
        .body_optional(),
        Endpoint::Analytics => doc(None, vec![(200, Some(by_ref::<AnalyticsReport>()))])
            .with_query(&["from", "to", "bucket", "route", "principal"]),
        Endpoint::Usage => {
            doc(None, vec![(200, Some(by_ref::<UsageReport>()))]).with_query(&["principal"])
        }
        Endpoint::CreateSchema => doc(
            Some(by_ref::<SchemaUpload>()),
            vec![
                (200, Some(by_ref::<SchemaVersion>())),
                (201, Some(by_ref::<SchemaVersion>())),
            ],
        ),
        Endpoint::ListSchemas => doc(None, vec![(200, Some(by_ref::<SchemaList>()))]),
        Endpoint::GetSchema(_) | Endpoint::GetSchemaVersion(..) => {
            doc(None, vec![(200, Some(by_ref::<SchemaVersion>()))])
        }
        Endpoint::DeleteSchema(_) => doc(None, vec![(200, Some(by_ref::<DeletedSchema>()))]),
        Endpoint::TransferSchema(_) => doc(
            Some(by_ref::<SchemaOwnerChange>()),
            vec![(200, Some(by_ref::<SchemaOwnership>()))],
        ),
    }
}

/// Every schema [`describe`] refers to, by name.
pub fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut schemas = Vec::new();
    with_dependencies::<GatewayStatus>(&mut schemas);
    with_dependencies::<RouteSpec>(&mut schemas);
    with_dependencies::<RouteConfig>(&mut schemas);
    with_dependencies::<RouteList>(&mut schemas);
    with_dependencies::<CreateKeyRequest>(&mut schemas);
    with_dependencies::<IssuedKey>(&mut schemas);
    with_dependencies::<KeyList>(&mut schemas);
    with_dependencies::<KeyView>(&mut schemas);
    with_dependencies::<RotateKeyRequest>(&mut schemas);
    with_dependencies::<RotatedKey>(&mut schemas);
    with_dependencies::<QuotaSpec>(&mut schemas);
    with_dependencies::<QuotaView>(&mut schemas);
    with_dependencies::<CheckRequest>(&mut schemas);
    with_dependencies::<CheckResult>(&mut schemas);
    with_dependencies::<AnalyticsReport>(&mut schemas);
    with_dependencies::<UsageReport>(&mut schemas);
    with_dependencies::<SchemaUpload>(&mut schemas);
    with_dependencies::<SchemaVersion>(&mut schemas);
    with_dependencies::<SchemaList>(&mut schemas);
    with_dependencies::<DeletedSchema>(&mut schemas);
    with_dependencies::<SchemaOwnerChange>(&mut schemas);
    with_dependencies::<SchemaOwnership>(&mut schemas);
    schemas
}
